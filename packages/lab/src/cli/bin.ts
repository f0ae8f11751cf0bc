/**
 * The `gradlab` executable's program (started by `bin/gradlab.js`): the experiments come from
 * the project's package.json declaration, or from a module named on the command line.
 */
import { main } from './main.js';

await main();
