/**
 * The size of V8's young generation for the commands that serve traffic.
 *
 * Node 20's V8 lets each semi-space of the young generation grow to 16 MB, Node 24's to 64 MB. A
 * load balancer drives it there: a burst of new connections (whose objects outlive a collection
 * or two) makes V8 grow the young generation, and it stays large afterwards. Under keep-alive
 * traffic a young collection then came about once a second instead of every 20 ms, and on Node 24
 * each was mostly followed by a full mark-compact (5-6 ms pause, marking steps up to 15 ms): the
 * p99 went from under 1 ms to 4-10 ms
 * (`GC_TRACE=1 bash bench/run.sh --node24`, bench/RESULTS.md). Capped at 16 MB, as on Node 20,
 * neither happens.
 *
 * The cap can only be set when V8 starts (`v8.setFlagsFromString` does not resize a running
 * heap). So `run` and `demo` re-execute themselves once with `--max-semi-space-size=16`, in the
 * same process (`process.execve`: same PID, same stdio, signals and supervisors unaffected),
 * where Node has it (22.15+, 23.11+). A size the user gives (`node --max-semi-space-size=N` or
 * in `NODE_OPTIONS`) is kept; `SWITCHYARD_YOUNG_GENERATION=default` leaves V8's own choice.
 */

/** The semi-space cap, MB (Node 20's default). */
export const SEMI_SPACE_MB = 16;

const FLAG = '--max-semi-space-size';
/** The commands that serve traffic for as long as they run. */
const SERVING = new Set(['run', 'demo']);

export interface YoungGenerationInput {
  /** The subcommand (first argument). */
  readonly command: string | undefined;
  readonly execArgv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether `process.execve` exists here. */
  readonly canExec: boolean;
}

/**
 * The node options to re-execute with (to be put before the current ones), or undefined when
 * the process should go on as it is.
 */
export function youngGenerationFlags(input: YoungGenerationInput): string[] | undefined {
  if (!input.canExec || input.command === undefined || !SERVING.has(input.command)) return undefined;
  if (input.env.SWITCHYARD_YOUNG_GENERATION === 'default') return undefined;
  const given = (s: string): boolean => s === FLAG || s.startsWith(`${FLAG}=`);
  if (input.execArgv.some(given)) return undefined;
  const nodeOptions = input.env.NODE_OPTIONS ?? '';
  if (nodeOptions.split(/\s+/).some(given)) return undefined;
  return [`${FLAG}=${SEMI_SPACE_MB}`];
}

type Execve = (file: string, args: readonly string[], env: NodeJS.ProcessEnv) => never;

/**
 * Re-executes this process with the young generation capped when `youngGenerationFlags` says so
 * (and does not return then); otherwise returns. Call it first thing, before anything is opened.
 */
export function capYoungGeneration(argv: readonly string[] = process.argv): void {
  const execve = (process as unknown as { execve?: Execve }).execve;
  const flags = youngGenerationFlags({
    command: argv[2],
    execArgv: process.execArgv,
    env: process.env,
    canExec: typeof execve === 'function',
  });
  if (flags === undefined || execve === undefined) return;
  try {
    execve.call(process, process.execPath, [process.execPath, ...flags, ...process.execArgv, ...argv.slice(1)], process.env);
  } catch {
    // Not possible here (a sandbox refusing exec, say): go on with V8's default.
  }
}
