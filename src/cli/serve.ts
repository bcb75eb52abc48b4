/**
 * Runs a started balancer until SIGTERM/SIGINT: the first signal drains (stop accepting,
 * let open connections finish up to the drain timeout), a second one exits at once.
 */
import type { Balancer } from '../runtime/balancer.js';
import type { Logger } from '../observability/logger.js';
import { EXIT } from './io.js';

export function serveUntilSignal(balancer: Balancer, log: Logger, onStopped?: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        log.warn({ event: 'signal', signal }, `${signal} again: exiting at once`);
        log.flush();
        process.exit(EXIT.failed);
      }
      signalled = true;
      const stopped = balancer.stop();
      log.info({ event: 'signal', signal }, `${signal}: no longer accepting; send it again to exit at once`);
      stopped
        .then(async () => {
          await onStopped?.();
          process.removeListener('SIGTERM', onSignal);
          process.removeListener('SIGINT', onSignal);
          log.flush();
          resolve(EXIT.ok);
        })
        .catch((err: unknown) => {
          log.error({ event: 'stop-failed', err }, 'stop failed');
          resolve(EXIT.failed);
        });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
