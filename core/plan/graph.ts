// The DAG as plain data: a map from each node to the nodes it needs (its direct predecessors).
// Pure and deterministic: every walk visits nodes and edges in id order, so the same graph always
// gives the same cycle, order and numbers.

/** Node id -> ids of the nodes it needs. Every id that appears as a need must also be a key. */
export type NeedsGraph = ReadonlyMap<string, readonly string[]>;

/** Weight of one node on the critical path (unit weights now; historical durations later). */
export type NodeWeight = (id: string) => number;

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function sortedKeys(graph: NeedsGraph): string[] {
  return [...graph.keys()].sort(byId);
}

function sortedNeeds(graph: NeedsGraph, id: string): string[] {
  return [...(graph.get(id) ?? [])].sort(byId);
}

/**
 * A cycle as a path that starts and ends at the same node, following needs: `[a, b, c, a]` means
 * a needs b, b needs c, c needs a. Null when the graph is acyclic. Iterative, so deep graphs do not
 * overflow the stack.
 */
export function findCycle(graph: NeedsGraph): string[] | null {
  const done = new Set<string>();
  for (const start of sortedKeys(graph)) {
    if (done.has(start)) continue;
    const path: string[] = [];
    const onPath = new Set<string>();
    const stack: { id: string; next: string[] }[] = [];
    const enter = (id: string): void => {
      path.push(id);
      onPath.add(id);
      stack.push({ id, next: sortedNeeds(graph, id).reverse() });
    };
    enter(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const need = top.next.pop();
      if (need === undefined) {
        stack.pop();
        path.pop();
        onPath.delete(top.id);
        done.add(top.id);
        continue;
      }
      if (onPath.has(need)) return [...path.slice(path.indexOf(need)), need];
      if (!done.has(need)) enter(need);
    }
  }
  return null;
}

/** A small binary min-heap of ids, so the topological order breaks ties by id in O(n log n). */
class IdHeap {
  private readonly items: string[] = [];

  get size(): number {
    return this.items.length;
  }

  push(id: string): void {
    const items = this.items;
    items.push(id);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (byId(items[parent]!, items[index]!) <= 0) break;
      [items[parent], items[index]] = [items[index]!, items[parent]!];
      index = parent;
    }
  }

  pop(): string | undefined {
    const items = this.items;
    const first = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return first;
    items[0] = last;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < items.length && byId(items[left]!, items[smallest]!) < 0) smallest = left;
      if (right < items.length && byId(items[right]!, items[smallest]!) < 0) smallest = right;
      if (smallest === index) break;
      [items[smallest], items[index]] = [items[index]!, items[smallest]!];
      index = smallest;
    }
    return first;
  }
}

/** Node id -> ids of the nodes that need it. */
export function dependentsOf(graph: NeedsGraph): Map<string, string[]> {
  const dependents = new Map<string, string[]>();
  for (const id of graph.keys()) dependents.set(id, []);
  for (const [id, needs] of graph) {
    for (const need of needs) dependents.get(need)?.push(id);
  }
  return dependents;
}

/**
 * Every node after all of its needs; among nodes that are ready at the same time, the smallest id
 * first. Returns null when the graph has a cycle.
 */
export function topologicalOrder(graph: NeedsGraph): string[] | null {
  const dependents = dependentsOf(graph);
  const waiting = new Map<string, number>();
  const ready = new IdHeap();
  for (const [id, needs] of graph) {
    const count = new Set(needs).size;
    waiting.set(id, count);
    if (count === 0) ready.push(id);
  }
  const order: string[] = [];
  while (ready.size > 0) {
    const id = ready.pop()!;
    order.push(id);
    for (const dependent of new Set(dependents.get(id) ?? [])) {
      const left = (waiting.get(dependent) ?? 0) - 1;
      waiting.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  return order.length === graph.size ? order : null;
}

/**
 * For each node, the heaviest path from it to a sink (a node nothing needs), counting the node
 * itself. With unit weights, a sink has 1 and its direct predecessors at least 2. The graph must be acyclic.
 */
export function criticalPaths(graph: NeedsGraph, weight: NodeWeight = () => 1): Map<string, number> {
  const order = topologicalOrder(graph);
  if (order === null) throw new Error('criticalPaths needs an acyclic graph (check findCycle first)');
  const dependents = dependentsOf(graph);
  const lengths = new Map<string, number>();
  for (let index = order.length - 1; index >= 0; index -= 1) {
    const id = order[index]!;
    let longest = 0;
    for (const dependent of dependents.get(id) ?? []) longest = Math.max(longest, lengths.get(dependent) ?? 0);
    lengths.set(id, weight(id) + longest);
  }
  return lengths;
}
