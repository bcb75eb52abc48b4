/**
 * The simulator's event queue: a binary min-heap ordered by simulated time, ties broken by the
 * order events were pushed, so a run is the same on every machine and every Node version.
 */

export interface Scheduled<T> {
  readonly atMs: number;
  readonly seq: number;
  readonly event: T;
}

export class EventQueue<T> {
  private readonly heap: Scheduled<T>[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** The time of the earliest event, or +Infinity when empty. */
  peekTime(): number {
    return this.heap[0]?.atMs ?? Number.POSITIVE_INFINITY;
  }

  push(atMs: number, event: T): void {
    const heap = this.heap;
    const item: Scheduled<T> = { atMs, seq: this.nextSeq++, event };
    let i = heap.length;
    heap.push(item);
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      const p = heap[parent] as Scheduled<T>;
      if (!before(item, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  /** Removes and returns the earliest event. */
  pop(): Scheduled<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const left = heap[l] as Scheduled<T>;
      const right = heap[r];
      const child = right !== undefined && before(right, left) ? r : l;
      const c = heap[child] as Scheduled<T>;
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before<T>(a: Scheduled<T>, b: Scheduled<T>): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
