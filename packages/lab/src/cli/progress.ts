/**
 * What the CLI shows while an experiment runs, from the runner's events: on a terminal one
 * status line on stderr, rewritten in place (cells done, current cell and its progress, time
 * left); otherwise (logs, CI, Slurm output files) plain lines, one per finished cell.
 */
import type { RunEvent } from '../experiment/run-events.js';

/** Where progress goes. */
export interface ProgressStream {
  write(text: string): unknown;
  /** True on a terminal. */
  isTTY?: boolean | undefined;
  /** Terminal width. */
  columns?: number | undefined;
}

/** Options of `createProgress`. */
export interface ProgressOptions {
  /** One line per cell (skipped ones too) even on a terminal. */
  verbose: boolean;
  /** Milliseconds between redraws of the terminal line. Default 100. */
  redrawMs?: number;
  /** Clock (for tests). Default `Date.now`. */
  now?: () => number;
}

/** A progress display. */
export interface Progress {
  /** Feeds a run event. */
  onEvent(event: RunEvent): void;
  /** Clears the terminal line (before printing anything else, and at the end). */
  clear(): void;
  /** The cell that failed, if one did. */
  failedCell(): string | undefined;
}

/** `1.2 s`, `3 min 05 s`, `2 h 10 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s - 60 * m)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** A progress display on `stream` (see the file comment). */
export function createProgress(stream: ProgressStream, options: ProgressOptions): Progress {
  const tty = stream.isTTY === true;
  const now = options.now ?? Date.now;
  const redrawMs = options.redrawMs ?? 100;
  let name = '';
  let total = 0;
  let done = 0;
  let skipped = 0;
  let skippedReported = false;
  let computeMs = 0;
  let computed = 0;
  // Cells in flight (several when worker processes run them) and their progress.
  const running = new Map<string, number>();
  let parallel = 1;
  let lastDraw = 0;
  let shown = false;
  let failed: string | undefined;

  const line = (text: string) => stream.write(`${text}\n`);

  function clear(): void {
    if (tty && shown) {
      stream.write('\r\x1b[K');
      shown = false;
    }
  }

  /** Cells in flight, counted by their progress fractions. */
  function inFlight(): number {
    let sum = 0;
    for (const f of running.values()) sum += f;
    return sum;
  }

  function eta(): string {
    if (computed === 0) return '';
    const left = total - done - skipped - inFlight();
    return left <= 0 ? '' : `, ~${formatDuration(((computeMs / computed) * left) / parallel)} left`;
  }

  function draw(force: boolean): void {
    if (!tty) return;
    const t = now();
    if (!force && t - lastDraw < redrawMs) return;
    lastDraw = t;
    const finished = done + skipped;
    const width = 20;
    const filled = total === 0 ? width : Math.round((width * (finished + inFlight())) / total);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const last = [...running][running.size - 1];
    const others = running.size > 1 ? ` (+${running.size - 1} running)` : '';
    const cell = last === undefined ? '' : `  ${last[0]}${last[1] > 0 ? ` ${Math.round(last[1] * 100)}%` : ''}${others}`;
    let text = `${name} ${bar} ${finished}/${total}${eta()}${cell}`;
    const cols = stream.columns !== undefined && stream.columns >= 20 ? stream.columns : 100;
    if (text.length > cols - 1) text = `${text.slice(0, Math.max(0, cols - 2))}…`;
    stream.write(`\r\x1b[K${text}`);
    shown = true;
  }

  function reportSkipped(): void {
    if (skipped > 0 && !skippedReported && !options.verbose) {
      clear();
      line(`${name}: resuming, ${skipped} of ${total} cells already done`);
    }
    skippedReported = true;
  }

  return {
    clear,
    failedCell: () => failed,
    onEvent(event: RunEvent): void {
      switch (event.type) {
        case 'plan':
          name = event.name;
          total = event.total;
          if (!tty || options.verbose) {
            const shard = event.shard === undefined ? '' : ` (shard ${event.shard.index + 1}/${event.shard.count} of ${event.gridTotal})`;
            line(`${name}: ${total} cells${shard}`);
          }
          draw(true);
          break;
        case 'cell-skipped':
          skipped += 1;
          if (options.verbose) {
            clear();
            line(`${name}: ${event.index + 1}/${event.total} ${event.cellId} already done`);
          }
          draw(false);
          break;
        case 'cell-start':
          reportSkipped();
          running.set(event.cellId, 0);
          parallel = Math.max(parallel, running.size);
          draw(true);
          break;
        case 'cell-progress':
          if (running.has(event.cellId)) running.set(event.cellId, Math.min(1, Math.max(0, event.fraction)));
          draw(false);
          break;
        case 'cell-done': {
          done += 1;
          computed += 1;
          computeMs += event.ms;
          running.delete(event.cellId);
          const status = event.status === 'diverged' ? ', diverged (recorded)' : '';
          if (!tty || options.verbose || status !== '') {
            clear();
            line(`${name}: ${done + skipped}/${event.total} ${event.cellId} done in ${formatDuration(event.ms)}${status}${eta()}`);
          }
          draw(true);
          break;
        }
        case 'cell-failed':
          failed = event.cellId;
          clear();
          break;
        case 'cell-damaged':
          clear();
          line(`${event.name}: cell ${event.cellId}: damaged (${event.reason}); recomputing`);
          draw(true);
          break;
        case 'lock':
          clear();
          line(`${event.name}: ${event.message}`);
          break;
        case 'notice':
          clear();
          line(`${name}: notice: ${event.message}`);
          draw(true);
          break;
        case 'assembled':
          reportSkipped();
          clear();
          break;
      }
    },
  };
}
