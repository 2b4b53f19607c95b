/**
 * A cycle in a directed graph, as the nodes along it (first = last), or undefined. Depth-first;
 * nodes are visited in the given order, so the cycle reported is stable.
 */
export function findCycle<T>(nodes: Iterable<T>, next: (node: T) => Iterable<T>): T[] | undefined {
  const state = new Map<T, 'visiting' | 'done'>();
  const visit = (node: T, trail: T[]): T[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...trail.slice(trail.indexOf(node)), node];
    state.set(node, 'visiting');
    for (const n of next(node)) {
      const cycle = visit(n, [...trail, node]);
      if (cycle) return cycle;
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of nodes) {
    const cycle = visit(node, []);
    if (cycle) return cycle;
  }
  return undefined;
}
