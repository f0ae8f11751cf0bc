// Imports the maths packages (and lab) with a resolve hook that records every module loaded,
// then prints the ones that belong to a plotting library (there should be none).
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const loaded = [];
port1.on('message', (url) => loaded.push(url));
port1.unref();
register('./record-modules.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });

await import('@gradlab/core');
await import('@gradlab/rnn');
await import('@gradlab/rbm');
await import('@gradlab/lab');
await new Promise((r) => setTimeout(r, 100));
const plotting = loaded.filter((u) => /node_modules\/(vega|vega-[a-z-]+|d3-[a-z-]+|canvas)\//.test(u));
console.log(JSON.stringify({ modules: loaded.length, plotting }));
