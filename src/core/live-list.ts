/**
 * A collection with O(1) add and remove by handle: an intrusive doubly linked list.
 *
 * For collections that live as long as the process and see one add and one remove per
 * connection (open sockets, sessions, deadline members). A `Set` there costs far more than
 * its operations: V8 replaces a Set's hash table as entries come and go, and a replaced table
 * keeps its entries and a link to its successor. The first table, long promoted to the old
 * generation, so keeps every connection that passed through the Set reachable for the
 * young-generation collections until the next full GC: each one was copied and promoted, and
 * the old generation filled with dead connections (measured: ~2 KB promoted per connection,
 * several full GCs a second under new-connection load). A list node is unreachable as soon as
 * it is unlinked.
 */
export class LiveNode<T> {
  /** @internal */ prev: LiveNode<T> | null = null;
  /** @internal */ next: LiveNode<T> | null = null;
  /** @internal */ linked = false;

  constructor(readonly value: T) {}
}

export class LiveList<T> implements Iterable<T> {
  private head: LiveNode<T> | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `value`; the node returned removes it again. */
  add(value: T): LiveNode<T> {
    const node = new LiveNode(value);
    node.next = this.head;
    if (this.head !== null) this.head.prev = node;
    this.head = node;
    node.linked = true;
    this.count++;
    return node;
  }

  /** Removes the node's value (a node already removed is ignored). */
  delete(node: LiveNode<T>): void {
    if (!node.linked) return;
    node.linked = false;
    if (node.prev !== null) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next !== null) node.next.prev = node.prev;
    node.prev = node.next = null;
    this.count--;
  }

  /** Removes everything. */
  clear(): void {
    for (let n = this.head; n !== null; ) {
      const next = n.next;
      n.linked = false;
      n.prev = n.next = null;
      n = next;
    }
    this.head = null;
    this.count = 0;
  }

  /** The values now, newest first: a copy, so the loop body may add and remove freely. */
  values(): T[] {
    const out: T[] = [];
    for (let n = this.head; n !== null; n = n.next) out.push(n.value);
    return out;
  }

  [Symbol.iterator](): Iterator<T> {
    return this.values()[Symbol.iterator]();
  }

}
