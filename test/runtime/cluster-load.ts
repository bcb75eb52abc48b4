/**
 * Continuous HTTP load for the cluster tests: clients that keep one connection alive and
 * clients that open a new connection per request, counted by phase. Bounded in requests and time.
 *
 * A keep-alive client whose reused connection is closed before any byte of the answer (the server
 * closed it while idle, as draining does, and the request crossed the close) sends the request
 * again once on a new connection, as HTTP/1.1 clients do for idempotent requests (RFC 9112
 * §9.3.1); that is counted as `retried`, not failed. Any other error or non-200 answer is `failed`.
 */
import { Agent, request, type IncomingMessage } from 'node:http';

export interface PhaseCounts {
  sent: number;
  answered: number;
  failed: number;
  retried: number;
  errors: string[];
}

export interface LoadOptions {
  readonly port: number;
  readonly keepAliveClients: number;
  readonly newConnectionClients: number;
  /** Pause between a client's requests, ms. */
  readonly pauseMs: number;
  readonly maxRequests: number;
  readonly maxMs: number;
}

type Outcome = { kind: 'ok' } | { kind: 'error'; reason: string; beforeResponse: boolean };

function get(port: number, agent: Agent | false): Promise<{ outcome: Outcome; reused: boolean }> {
  return new Promise((resolve) => {
    let responded = false;
    const req = request({ host: '127.0.0.1', port, path: '/', agent, headers: agent === false ? { connection: 'close' } : {} }, (res: IncomingMessage) => {
      responded = true;
      res.on('data', () => {});
      res.on('error', (err) => resolve({ outcome: { kind: 'error', reason: `response: ${err.message}`, beforeResponse: false }, reused: req.reusedSocket }));
      res.on('end', () => resolve({ outcome: res.statusCode === 200 ? { kind: 'ok' } : { kind: 'error', reason: `status ${res.statusCode ?? 0}`, beforeResponse: false }, reused: req.reusedSocket }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ outcome: { kind: 'error', reason: err.code ?? err.message, beforeResponse: !responded }, reused: req.reusedSocket }));
    req.end();
  });
}

export class HttpLoad {
  private readonly phases = new Map<string, PhaseCounts>();
  private current: PhaseCounts;
  private running = true;
  private total = 0;
  private readonly agents: Agent[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly deadline: number;
  private readonly started = Date.now();

  constructor(private readonly opts: LoadOptions, phase = 'start') {
    this.current = this.phase(phase);
    this.deadline = Date.now() + opts.maxMs;
    for (let i = 0; i < opts.keepAliveClients; i++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      this.agents.push(agent);
      this.loops.push(this.loop(agent));
    }
    for (let i = 0; i < opts.newConnectionClients; i++) this.loops.push(this.loop(false));
  }

  /** Starts counting into `name` (requests started from now on). */
  phase(name: string): PhaseCounts {
    const c: PhaseCounts = { sent: 0, answered: 0, failed: 0, retried: 0, errors: [] };
    this.phases.set(name, c);
    this.current = c;
    return c;
  }

  counts(): ReadonlyMap<string, PhaseCounts> {
    return this.phases;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    for (const a of this.agents) a.destroy();
  }

  private async loop(agent: Agent | false): Promise<void> {
    while (this.running && this.total < this.opts.maxRequests && Date.now() < this.deadline) {
      this.total++;
      const c = this.current;
      c.sent++;
      let r = await get(this.opts.port, agent);
      if (r.outcome.kind === 'error' && r.outcome.beforeResponse && r.reused) {
        c.retried++;
        r = await get(this.opts.port, agent);
      }
      if (r.outcome.kind === 'ok') c.answered++;
      else {
        c.failed++;
        const conn = agent === false ? 'new connection per request' : r.reused ? 'reused keep-alive connection' : 'new keep-alive connection';
        if (c.errors.length < 20) c.errors.push(`${r.outcome.reason} on a ${conn}${r.outcome.beforeResponse ? '' : ' after the response began'} at ${Date.now() - this.started} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, this.opts.pauseMs));
    }
  }
}

/** "sent 10, answered 10, failed 0, retried 0" for each phase. */
export function formatCounts(counts: ReadonlyMap<string, PhaseCounts>): string {
  return [...counts].map(([name, c]) => `${name}: sent ${c.sent}, answered ${c.answered}, failed ${c.failed}, retried ${c.retried}${c.errors.length > 0 ? ` (${[...new Set(c.errors)].join(', ')})` : ''}`).join('; ');
}
