/**
 * Runs a balancer until SIGTERM/SIGINT: the first signal drains (stop accepting, let open
 * connections finish up to the drain timeout), a second one exits at once. The handlers are
 * installed before the balancer starts, so a signal during start-up stops it once started.
 */
import type { Balancer } from '../runtime/balancer.js';
import type { Logger } from '../observability/logger.js';
import { EXIT } from './io.js';

export interface Serving {
  /** Resolves with the exit code once the balancer stopped. */
  readonly done: Promise<number>;
  /** Removes the signal handlers (when start-up failed). */
  dispose(): void;
}

export function serveUntilSignal(balancer: Pick<Balancer, 'stop'>, log: Logger, started: Promise<unknown>, onStopped?: () => Promise<void>): Serving {
  let signalled = false;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  const dispose = (): void => {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    if (signalled) {
      log.warn({ event: 'signal', signal }, `${signal} again: exiting at once`);
      log.flush();
      process.exit(EXIT.failed);
    }
    signalled = true;
    started
      .then(async () => {
        const stopped = balancer.stop();
        log.info({ event: 'signal', signal }, `${signal}: no longer accepting; send it again to exit at once`);
        await stopped;
        await onStopped?.();
        dispose();
        log.flush();
        resolveDone(EXIT.ok);
      })
      .catch((err: unknown) => {
        log.error({ event: 'stop-failed', err }, 'stop failed');
        resolveDone(EXIT.failed);
      });
  }
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return { done, dispose };
}
