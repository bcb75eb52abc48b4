/**
 * A cluster worker: runs a Balancer with the listeners of the configuration its primary sends
 * (node:cluster shares the listening sockets), routes, picks and detects outliers in its own
 * traffic, and takes backend health from the primary's probes instead of probing itself. It
 * handles the primary's messages one at a time, in order, and reports its counters every second.
 * SIGTERM or SIGINT (e.g. a terminal's Ctrl-C reaching the whole process group) drains it like a
 * `drain` message; SIGHUP and SIGUSR2 are the primary's to handle and are ignored here.
 */
import cluster from 'node:cluster';
import { Balancer } from '../balancer.js';
import { isSwitchyardError } from '../../core/errors.js';
import { createLogger, type Logger, type LogLevel } from '../../observability/logger.js';
import { PROTOCOL_VERSION, parsePrimaryMessage, type PrimaryMessage, type WorkerMessage } from './messages.js';

export interface WorkerOptions {
  /** The log level given on the command line; the configuration's applies otherwise. */
  readonly level: LogLevel | undefined;
  /** How often counters are reported, ms (default 1000). */
  readonly statsIntervalMs?: number;
}

/** Runs this process as a cluster worker until it is drained; resolves with its exit code. */
export function runWorker(opts: WorkerOptions): Promise<number> {
  const id = cluster.worker?.id ?? 0;
  const log: Logger = createLogger({ level: opts.level ?? 'info' }).child({ worker: id });
  let balancer: Balancer | undefined;
  let stats: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();
  let draining = false;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (resolveDone = resolve));

  const send = (m: WorkerMessage, then?: () => void): void => {
    if (!process.connected || process.send === undefined) {
      then?.();
      return;
    }
    process.send(m, undefined, {}, () => then?.());
  };
  const report = (then?: () => void): void => {
    if (balancer) send({ v: PROTOCOL_VERSION, type: 'stats', snapshot: balancer.snapshot() }, then);
    else then?.();
  };
  const fail = (seq: number | null, err: unknown, then?: () => void): void => {
    const code = isSwitchyardError(err) ? err.code : 'SY_INTERNAL';
    const message = err instanceof Error ? err.message : String(err);
    log.error({ event: 'worker-error', seq, code, err }, message);
    send({ v: PROTOCOL_VERSION, type: 'error', seq, code, message }, then);
  };

  async function handle(m: PrimaryMessage): Promise<void> {
    if (draining) return;
    switch (m.type) {
      case 'config':
        if (balancer === undefined) {
          if (opts.level === undefined) log.level = m.config.logLevel;
          const b = new Balancer(m.config, { logger: log, probes: 'remote' });
          balancer = b;
          try {
            await b.start();
          } catch (err) {
            draining = true;
            log.flush();
            fail(m.seq, err, () => resolveDone(1));
            return;
          }
          stats = setInterval(() => report(), opts.statsIntervalMs ?? 1000);
          stats.unref();
          send({ v: PROTOCOL_VERSION, type: 'ready', seq: m.seq });
          report();
          return;
        }
        try {
          await balancer.reconfigure(m.config);
          send({ v: PROTOCOL_VERSION, type: 'applied', seq: m.seq });
        } catch (err) {
          fail(m.seq, err);
        }
        return;
      case 'health':
        balancer?.setRemoteHealth(m.backends);
        return;
      case 'drain':
        await drain();
        return;
    }
  }

  async function drain(): Promise<void> {
    if (draining) return;
    draining = true;
    clearInterval(stats);
    if (balancer) await balancer.stop();
    log.flush();
    // The last counters, so the primary's totals keep what this worker served.
    report(() => resolveDone(0));
  }

  process.on('message', (raw: unknown) => {
    const parsed = parsePrimaryMessage(raw);
    if (!parsed.ok) {
      log.warn({ event: 'bad-message', reason: parsed.reason }, `ignored a message from the primary: ${parsed.reason}`);
      return;
    }
    queue = queue.then(() => handle(parsed.message)).catch((err: unknown) => fail(null, err));
  });
  const onStopSignal = (signal: NodeJS.Signals): void => {
    log.info({ event: 'signal', signal }, `${signal}: draining`);
    void drain();
  };
  process.on('SIGTERM', onStopSignal);
  process.on('SIGINT', onStopSignal);
  process.on('SIGHUP', () => {});
  process.on('SIGUSR2', () => {});
  send({ v: PROTOCOL_VERSION, type: 'online' });
  return done;
}
