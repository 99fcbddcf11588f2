import { startEtcdClient } from '../etcd/client.ts';
import { addEtcdGroup } from '../etcd/member.ts';
import type { NetworkOptions } from '../kernel/network.ts';
import { Simulation } from '../kernel/simulation.ts';
import type { TraceEvent, TraceLevel } from '../kernel/trace.ts';
import { ClusterState } from './cluster-state.ts';
import { EtcdView } from './cluster-view.ts';
import { KubernetesCluster } from './kubernetes-cluster.ts';
import { memberNames, reorderDelayMsMaxOf, type NetworkSpec, type ScenarioSpec } from './spec.ts';
import { TargetResolver } from './targets.ts';
import type { ComponentVariants } from './variants.ts';

/**
 * Builds what a scenario runs on: the simulation with the scenario's network, the etcd group
 * and its clients, the Kubernetes control plane and nodes, and the read-only views the
 * timeline and the expectations use (who leads, the committed cluster state, targets).
 */

/** What a scenario runs on, once built. */
export interface World {
  readonly sim: Simulation;
  readonly members: readonly string[];
  readonly view: EtcdView;
  readonly state: ClusterState;
  readonly kube: KubernetesCluster | null;
  readonly targets: TargetResolver;
}

/** Request timing of etcd's clientv3 as kubesim models it. */
const CLIENT_RETRY_BACKOFF_MS = 100;
const CLIENT_READ_ATTEMPT_TIMEOUT_MS = 2_000;

/** The kernel's network options for a scenario's `spec.cluster.network`. */
export function networkOptions(network: NetworkSpec): NetworkOptions {
  return {
    latencyMsMin: network.latencyMsMin,
    latencyMsMax: network.latencyMsMax,
    lossProbability: network.lossProbability,
    duplicateProbability: network.duplicateProbability,
    reorderProbability: network.reorderProbability,
    reorderDelayMsMax: reorderDelayMsMaxOf(network),
  };
}

export function createSimulation(spec: ScenarioSpec, options: { keepTraceLines?: boolean; traceLevel?: TraceLevel; onTrace?: (event: TraceEvent) => void; variants?: ComponentVariants }): Simulation {
  const sim = new Simulation({
    seed: spec.seed,
    maxEvents: spec.maxEvents,
    keepTraceLines: options.keepTraceLines ?? false,
    traceLevel: options.traceLevel ?? 'normal',
    network: networkOptions(spec.cluster.network),
  });
  if (options.onTrace) sim.trace.subscribe(options.onTrace);
  return sim;
}

/** Adds every host of the scenario to `sim`, in a fixed order (etcd, clients, Kubernetes). */
export function buildWorld(sim: Simulation, spec: ScenarioSpec, explainPods: readonly string[] = [], variants: ComponentVariants = {}): World {
  const etcd = spec.cluster.etcd;
  const members = memberNames(etcd.members);
  const broken = {
    ...(variants.raft ? { raftVariant: variants.raft } : {}),
    ...(variants.etcdWatch ? { server: { watchVariant: variants.etcdWatch } } : {}),
  };
  addEtcdGroup(sim, members, variants.raft || variants.etcdWatch ? { ...etcd, ...broken } : etcd);
  for (const client of spec.clients) {
    sim.addHost({
      name: client.name,
      disk: null,
      create: (env) =>
        startEtcdClient(env, {
          name: client.name,
          endpoints: client.endpoints.length > 0 ? client.endpoints : members,
          requestTimeoutMs: etcd.requestTimeoutMs,
          retryBackoffMs: CLIENT_RETRY_BACKOFF_MS,
          readAttemptTimeoutMs: CLIENT_READ_ATTEMPT_TIMEOUT_MS,
        }),
    });
  }

  const view = new EtcdView(sim, members);
  const state = new ClusterState(sim, members);
  let kube: KubernetesCluster | null = null;
  if (spec.cluster.kubernetes) {
    kube = new KubernetesCluster(sim, spec.cluster.kubernetes, members, spec, new Set(explainPods), variants);
    kube.build();
  }
  const leaseHolder = (name: string) => (): string[] => {
    const lease = state.get('leases', 'kube-system', name);
    const holder = (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
    return holder ? [holder.split('_')[0]!] : [];
  };
  const extraRoles = new Map([
    ['scheduler-leader', leaseHolder('kube-scheduler')],
    ['controller-manager-leader', leaseHolder('kube-controller-manager')],
  ]);
  const otherNames = new Set([...spec.clients.map((c) => c.name), ...(kube?.allHosts() ?? []), ...(spec.cluster.kubernetes?.nodes.map((n) => n.name) ?? [])]);
  for (const step of spec.timeline) if (step.action.verb === 'add-nodes') for (const n of step.action.nodes) otherNames.add(n.name);
  const targets = new TargetResolver(view, sim.rng.fork('timeline'), otherNames, extraRoles);
  return { sim, members, view, state, kube, targets };
}
