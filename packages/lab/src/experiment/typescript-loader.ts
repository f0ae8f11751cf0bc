/**
 * Where TypeScript needs tsx, decided in one place for the experiment loader (which registers
 * tsx in this process) and the cell pool (which hands tsx's loader to its worker processes).
 * tsx is a peer dependency, never bundled.
 */

/** Whether a module path is TypeScript (.ts, .mts, .cts), which Node cannot import without a loader. */
export function isTypeScriptPath(path: string): boolean {
  return /\.[cm]?ts$/.test(path);
}

/**
 * Whether Node flags load tsx: `--import tsx`, `--import=tsx/esm`, `--loader tsx`, or a path or
 * file URL into node_modules/tsx. A flag that merely contains the letters (a script named
 * `my-tsx-demo.mjs`) does not count.
 */
export function execArgvLoadsTsx(args: readonly string[]): boolean {
  return args.some((arg) => {
    const value = arg.replace(/^--(?:import|loader|experimental-loader|require)=/, '');
    return value === 'tsx' || value.startsWith('tsx/') || /[/\\]node_modules[/\\]tsx[/\\]/.test(value);
  });
}

/** Set by whoever registered tsx in this process (the bin sets the same symbol, or {@link markTsxRegistered}). */
const TSX_MARK = Symbol.for('gradlab.tsx-registered');

/** Whether this process can already import TypeScript: tsx registered in-process or on the command line. */
export function tsxActiveHere(): boolean {
  return (globalThis as Record<symbol, unknown>)[TSX_MARK] === true || execArgvLoadsTsx(process.execArgv);
}

/** Records that tsx was registered in this process, so it is not registered twice. */
export function markTsxRegistered(): void {
  (globalThis as Record<symbol, unknown>)[TSX_MARK] = true;
}
