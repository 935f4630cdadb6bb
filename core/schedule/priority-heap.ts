// A binary heap that knows where each item sits, so an item can be removed or re-placed in
// O(log n) without a scan: the building block of the scheduler's persistent queues.

/** Negative when `a` comes first. Must be a total order over the items that are in the heap at once. */
export type Compare<T> = (a: T, b: T) => number;

/** A min-heap (by `compare`) of distinct items, with removal and update by item. */
export class PriorityHeap<T> {
  private readonly items: T[] = [];
  private readonly positions = new Map<T, number>();

  constructor(private readonly compare: Compare<T>) {}

  get size(): number {
    return this.items.length;
  }

  has(item: T): boolean {
    return this.positions.has(item);
  }

  /** The first item, without taking it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds an item (one that is already in the heap is only moved to its place). */
  push(item: T): void {
    if (this.positions.has(item)) return this.update(item);
    this.items.push(item);
    this.positions.set(item, this.items.length - 1);
    this.siftUp(this.items.length - 1);
  }

  /** Takes the first item. */
  pop(): T | undefined {
    const first = this.items[0];
    if (first !== undefined) this.remove(first);
    return first;
  }

  /** Takes an item out wherever it is; false when it was not there. */
  remove(item: T): boolean {
    const index = this.positions.get(item);
    if (index === undefined) return false;
    const last = this.items.pop()!;
    this.positions.delete(item);
    if (index < this.items.length) {
      this.items[index] = last;
      this.positions.set(last, index);
      this.update(last);
    }
    return true;
  }

  /** Moves an item to its place after its priority changed. */
  update(item: T): void {
    const index = this.positions.get(item);
    if (index === undefined) return;
    this.siftDown(this.siftUp(index));
  }

  private siftUp(start: number): number {
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.compare(this.items[index]!, this.items[parent]!) >= 0) break;
      this.swap(index, parent);
      index = parent;
    }
    return index;
  }

  private siftDown(start: number): void {
    let index = start;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let first = index;
      if (left < this.items.length && this.compare(this.items[left]!, this.items[first]!) < 0) first = left;
      if (right < this.items.length && this.compare(this.items[right]!, this.items[first]!) < 0) first = right;
      if (first === index) return;
      this.swap(index, first);
      index = first;
    }
  }

  private swap(a: number, b: number): void {
    const items = this.items;
    [items[a], items[b]] = [items[b]!, items[a]!];
    this.positions.set(items[a]!, a);
    this.positions.set(items[b]!, b);
  }
}
