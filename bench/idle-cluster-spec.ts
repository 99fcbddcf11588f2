/**
 * The idle cluster the benches share, built in code (no loader): `nodes` kubelets with 4 CPUs,
 * 8 GiB and 110 pods in three zones, one apiserver and scheduler, a 5-member etcd with the
 * loader's defaults (pre-vote, check-quorum, heartbeat 100 ms, election 1 s, latency 1–5 ms), no
 * clients, timeline or expectations.
 */
import type { NodeSpec, ScenarioSpec } from '../actors/scenario/spec.ts';

const source = { file: '<bench>', line: 0, column: 0 };

export function idleClusterSpec(options: { name: string; nodes: number; durationMs: number; maxEvents: number; controllerManagers: number; etcd?: Partial<ScenarioSpec['cluster']['etcd']> }): ScenarioSpec {
  const nodeSpecs: NodeSpec[] = Array.from({ length: options.nodes }, (_, i) => ({
    name: `node-${i}`,
    capacity: { cpuMilli: 4000, memoryBytes: 8 * 1024 ** 3, pods: 110 },
    labels: { 'topology.kubernetes.io/zone': `zone-${i % 3}` },
    taints: [],
    imagePullBytesPerSecond: 50 * 1024 ** 2,
    source,
  }));
  return {
    apiVersion: 'kubesim.io/v1alpha1',
    name: options.name,
    description: '',
    file: '<bench>',
    seed: '1',
    durationMs: options.durationMs,
    maxEvents: options.maxEvents,
    cluster: {
      etcd: { members: 5, preVote: true, checkQuorum: true, heartbeatIntervalMs: 100, electionTimeoutMs: 1000, requestTimeoutMs: 7000, ...options.etcd } as ScenarioSpec['cluster']['etcd'],
      network: { latencyMsMin: 1, latencyMsMax: 5, lossProbability: 0, duplicateProbability: 0, reorderProbability: 0 },
      kubernetes: {
        apiservers: 1,
        schedulers: 1,
        controllerManagers: options.controllerManagers,
        nodes: nodeSpecs,
        users: [{ name: 'admin', token: 'admin-token', groups: ['system:masters'], source }],
        workload: [],
      },
    },
    clients: [],
    timeline: [],
    expectations: [],
  };
}
