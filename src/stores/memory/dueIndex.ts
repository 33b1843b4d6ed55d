import type { DueRelationship } from '../store.js';

/** One relationship's place in the index; the store keeps it with the relationship to move it later. */
export interface DueNode {
  readonly sender: string;
  readonly user: string;
  dueAt: number;
  /** Its position in the heap's array. */
  index: number;
}

/** Earlier first; equal times by sender, then user (the PostgreSQL store's `ORDER BY`). */
function before(a: DueNode, b: DueNode): boolean {
  if (a.dueAt !== b.dueAt) return a.dueAt < b.dueAt;
  if (a.sender !== b.sender) return a.sender < b.sender;
  return a.user < b.user;
}

/**
 * The memory store's due-time index: a binary min-heap whose nodes know their position, so a save
 * moves, adds or removes its relationship in O(log n), and `dueBefore(time, k)` reads the k earliest
 * in O(k log k) without taking anything out (a second, small heap walks the first from its root).
 */
export class DueIndex {
  readonly #heap: DueNode[] = [];

  get size(): number {
    return this.#heap.length;
  }

  /**
   * Brings `node` (or a new node for `sender`/`user`) to `dueAt`, or removes it when `dueAt` is
   * `undefined`. Returns the node to keep with the relationship.
   */
  set(node: DueNode | undefined, sender: string, user: string, dueAt: number | undefined): DueNode | undefined {
    if (dueAt === undefined) {
      if (node) this.#remove(node);
      return undefined;
    }
    if (!node) {
      const added: DueNode = { sender, user, dueAt, index: this.#heap.length };
      this.#heap.push(added);
      this.#up(added.index);
      return added;
    }
    if (node.dueAt === dueAt) return node;
    const earlier = dueAt < node.dueAt;
    node.dueAt = dueAt;
    if (earlier) this.#up(node.index);
    else this.#down(node.index);
    return node;
  }

  /** The relationships due at or before `time`, earliest first, at most `limit`. */
  dueBefore(time: number, limit: number): DueRelationship[] {
    const heap = this.#heap;
    const due: DueRelationship[] = [];
    if (heap.length === 0 || !(heap[0]!.dueAt <= time)) return due;
    // Candidates are heap positions; a node's children are only ever later than it, so the k
    // earliest are found by expanding the earliest candidate k times.
    const frontier: number[] = [0];
    while (frontier.length > 0 && due.length < limit) {
      const at = popFrontier(frontier, heap);
      const node = heap[at]!;
      due.push({ sender: node.sender, user: node.user, dueAt: node.dueAt });
      for (const child of [2 * at + 1, 2 * at + 2]) if (child < heap.length && heap[child]!.dueAt <= time) pushFrontier(frontier, heap, child);
    }
    return due;
  }

  #remove(node: DueNode): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (last === node) return;
    const at = node.index;
    heap[at] = last;
    last.index = at;
    if (at > 0 && before(last, heap[(at - 1) >> 1]!)) this.#up(at);
    else this.#down(at);
  }

  #up(at: number): void {
    const heap = this.#heap;
    const node = heap[at]!;
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = heap[parentAt]!;
      if (!before(node, parent)) break;
      heap[at] = parent;
      parent.index = at;
      at = parentAt;
    }
    heap[at] = node;
    node.index = at;
  }

  #down(at: number): void {
    const heap = this.#heap;
    const node = heap[at]!;
    const n = heap.length;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, node)) break;
      heap[at] = heap[child]!;
      heap[at]!.index = at;
      at = child;
    }
    heap[at] = node;
    node.index = at;
  }
}

/** The frontier is itself a small binary heap of positions in `heap`, ordered by their nodes. */
function pushFrontier(frontier: number[], heap: readonly DueNode[], position: number): void {
  let at = frontier.length;
  frontier.push(position);
  while (at > 0) {
    const parentAt = (at - 1) >> 1;
    if (!before(heap[position]!, heap[frontier[parentAt]!]!)) break;
    frontier[at] = frontier[parentAt]!;
    at = parentAt;
  }
  frontier[at] = position;
}

function popFrontier(frontier: number[], heap: readonly DueNode[]): number {
  const top = frontier[0]!;
  const last = frontier.pop()!;
  if (frontier.length === 0) return top;
  let at = 0;
  const n = frontier.length;
  for (;;) {
    const left = 2 * at + 1;
    if (left >= n) break;
    const right = left + 1;
    const child = right < n && before(heap[frontier[right]!]!, heap[frontier[left]!]!) ? right : left;
    if (!before(heap[frontier[child]!]!, heap[last]!)) break;
    frontier[at] = frontier[child]!;
    at = child;
  }
  frontier[at] = last;
  return top;
}
