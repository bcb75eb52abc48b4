/**
 * Coarse deadlines for HTTP sessions: instead of a timer armed per request, each session
 * keeps a deadline (clock ms) and one shared interval checks them. Deadlines fire up to
 * one tick late, which is fine for timeouts measured in seconds.
 */
import type { Clock } from '../../core/clock.js';
import { LiveList, type LiveNode } from '../../core/live-list.js';

export interface HasDeadline {
  /** Clock ms; 0 = none. */
  deadline: number;
  onDeadline(now: number): void;
}

export class DeadlineTicker {
  private readonly members = new LiveList<HasDeadline>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly tickMs = 100,
  ) {}

  /** Watches `m`'s deadline until the node returned is deleted. */
  add(m: HasDeadline): LiveNode<HasDeadline> {
    const node = this.members.add(m);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
    return node;
  }

  delete(node: LiveNode<HasDeadline>): void {
    this.members.delete(node);
    if (this.members.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Fires every deadline that has passed (also called by tests with a fake clock). */
  tick(): void {
    const now = this.clock.now();
    for (const m of this.members.values()) if (m.deadline !== 0 && now >= m.deadline) m.onDeadline(now);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.members.clear();
  }
}
