import { describe, expect, test } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';

const ev = (type: string, cellId: string, index: number, extra: object = {}) =>
  ({ type, name: 'toy', cellId, index, total: 3, ...extra }) as never;

describe('createProgress with cells in flight at once (worker processes)', () => {
  test('plain lines count finished cells in the order they finish, with the diverged ones marked', () => {
    let text = '';
    const p = createProgress({ write: (t: string) => (text += t) }, { verbose: false, now: () => 0 });
    p.onEvent({ type: 'plan', name: 'toy', total: 3, gridTotal: 3, shard: undefined, configHash: 'h' });
    p.onEvent(ev('cell-start', 'a', 0));
    p.onEvent(ev('cell-start', 'b', 1));
    p.onEvent(ev('cell-done', 'b', 1, { ms: 1000, rows: 1 }));
    p.onEvent(ev('cell-start', 'c', 2));
    p.onEvent(ev('cell-done', 'c', 2, { ms: 1000, rows: 1, status: 'diverged' }));
    p.onEvent(ev('cell-done', 'a', 0, { ms: 3000, rows: 1 }));
    expect(text.split('\n').filter(Boolean)).toEqual([
      'toy: 3 cells',
      'toy: 1/3 b done in 1.0 s, ~1.0 s left',
      'toy: 2/3 c done in 1.0 s, diverged (recorded), ~0.5 s left',
      'toy: 3/3 a done in 3.0 s',
    ]);
  });

  test('on a terminal the status line names the newest running cell and how many others run', () => {
    let text = '';
    const p = createProgress({ write: (t: string) => (text += t), isTTY: true, columns: 200 }, { verbose: false, now: () => 0 });
    p.onEvent({ type: 'plan', name: 'toy', total: 3, gridTotal: 3, shard: undefined, configHash: 'h' });
    p.onEvent(ev('cell-start', 'a', 0));
    p.onEvent(ev('cell-start', 'b', 1));
    expect(text.split('\r\x1b[K').pop()).toBe('toy [....................] 0/3  b (+1 running)');
  });
});
