import type { Backend } from './service-table.ts';

/**
 * kube-proxy's userspace mode (removed in v1.26): the proxy itself accepts the connection and
 * dials a backend, round robin per service port; when the dial fails it tries the next backend,
 * so a dead endpoint costs a retry, not a failed request (pkg/proxy/userspace roundrobin.go).
 */
export interface RoundRobinState {
  next: number;
}

export const newRoundRobinState = (): RoundRobinState => ({ next: 0 });

/** The backends to dial in order for one connection: round robin start, then the others in turn. */
export function userspaceDialOrder(backends: readonly Backend[], state: RoundRobinState): Backend[] {
  const n = backends.length;
  if (n === 0) return [];
  const start = state.next % n;
  state.next = (start + 1) % n;
  return Array.from({ length: n }, (_, i) => backends[(start + i) % n]!);
}
