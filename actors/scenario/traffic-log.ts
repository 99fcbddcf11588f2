import type { Simulation } from '../kernel/simulation.ts';

/**
 * Every simulated request's end, as the traffic clients trace it (`k8s.traffic`): which source
 * and client sent it, when it started, how it ended, which pod answered. What `that.traffic`
 * and `--show traffic` read.
 */
export interface TrafficRecord {
  source: string;
  client: string;
  startedAtMs: number;
  result: string;
  latencyMs: number;
  pod?: string;
  node?: string;
  reason?: string;
  attempts?: number;
  /** The address the backend saw, when not the client's (masqueraded to a node's). */
  seenAs?: string;
}

export class TrafficLog {
  readonly records: TrafficRecord[] = [];

  constructor(sim: Simulation) {
    sim.trace.subscribe((e) => {
      if (e.kind !== 'k8s.traffic') return;
      const latencyMs = e.latencyMs as number;
      this.records.push({
        source: e.source as string,
        client: e.client as string,
        startedAtMs: e.t - latencyMs,
        result: e.result as string,
        latencyMs,
        ...(typeof e.pod === 'string' ? { pod: e.pod } : {}),
        ...(typeof e.node === 'string' ? { node: e.node } : {}),
        ...(typeof e.reason === 'string' ? { reason: e.reason } : {}),
        ...(typeof e.attempts === 'number' ? { attempts: e.attempts } : {}),
        ...(typeof e.seenAs === 'string' ? { seenAs: e.seenAs } : {}),
      });
    });
  }
}

export interface TrafficSummary {
  requests: number;
  ok: number;
  failed: number;
  byResult: Map<string, number>;
  /** Successful requests per answering pod, pods in name order. */
  byPod: Map<string, number>;
  /** Pods each client was answered by. */
  podsByClient: Map<string, Set<string>>;
  latencyMs: { p50: number; p90: number; p99: number; max: number } | undefined;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summarize(records: readonly TrafficRecord[]): TrafficSummary {
  const byResult = new Map<string, number>();
  const byPod = new Map<string, number>();
  const podsByClient = new Map<string, Set<string>>();
  const latencies: number[] = [];
  let ok = 0;
  for (const r of records) {
    byResult.set(r.result, (byResult.get(r.result) ?? 0) + 1);
    if (r.result !== 'ok') continue;
    ok++;
    latencies.push(r.latencyMs);
    if (r.pod !== undefined) {
      byPod.set(r.pod, (byPod.get(r.pod) ?? 0) + 1);
      let pods = podsByClient.get(r.client);
      if (!pods) podsByClient.set(r.client, (pods = new Set()));
      pods.add(r.pod);
    }
  }
  latencies.sort((a, b) => a - b);
  return {
    requests: records.length,
    ok,
    failed: records.length - ok,
    byResult: new Map([...byResult].sort(([a], [b]) => cmp(a, b))),
    byPod: new Map([...byPod].sort(([a], [b]) => cmp(a, b))),
    podsByClient,
    latencyMs: latencies.length ? { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies[latencies.length - 1]! } : undefined,
  };
}
