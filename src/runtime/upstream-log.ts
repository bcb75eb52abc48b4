/** Health and pool transitions as structured log lines, each with its cause. */
import type { Logger } from '../observability/logger.js';
import type { UpstreamEvent } from '../upstream/events.js';

export function logUpstreamEvent(log: Logger, e: UpstreamEvent): void {
  switch (e.type) {
    case 'backend-down':
      log.warn({ event: 'backend-down', pool: e.pool, backend: e.backend.id, cause: e.cause }, `backend ${e.backend.id} is down: ${e.cause}`);
      break;
    case 'backend-up':
      log.info({ event: 'backend-up', pool: e.pool, backend: e.backend.id, cause: e.cause }, `backend ${e.backend.id} is up: ${e.cause}`);
      break;
    case 'backend-ejected':
      log.warn(
        { event: 'backend-ejected', pool: e.pool, backend: e.backend.id, cause: e.cause, durationMs: e.durationMs, ejections: e.count },
        `backend ${e.backend.id} ejected for ${e.durationMs} ms: ${e.cause}`,
      );
      break;
    case 'backend-returned':
      log.info({ event: 'backend-returned', pool: e.pool, backend: e.backend.id, cause: e.cause }, `backend ${e.backend.id} returned from ejection: ${e.cause}`);
      break;
    case 'backend-admin':
      log.info({ event: `backend-${e.to}`, pool: e.pool, backend: e.backend.id, from: e.from, to: e.to, cause: e.cause }, `backend ${e.backend.id}: ${e.from} → ${e.to} (${e.cause})`);
      break;
    case 'pool-empty':
      log.error({ event: 'pool-empty', pool: e.pool }, `pool ${e.pool} has no eligible backend: new connections are closed and requests answered 503 until one returns`);
      break;
    case 'pool-recovered':
      log.info({ event: 'pool-recovered', pool: e.pool }, `pool ${e.pool} has an eligible backend again`);
      break;
    case 'pool-panic':
      log.error(
        { event: 'pool-panic', pool: e.pool, eligible: e.eligible, total: e.total, threshold: e.threshold },
        `PANIC: pool ${e.pool} has ${e.eligible} of ${e.total} backends eligible (below ${e.threshold}%): balancing over every ready backend, healthy or not`,
      );
      break;
    case 'pool-panic-end':
      log.warn({ event: 'pool-panic-end', pool: e.pool, eligible: e.eligible, total: e.total }, `pool ${e.pool} left panic mode: ${e.eligible} of ${e.total} backends eligible`);
      break;
  }
}
