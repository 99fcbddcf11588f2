/**
 * A scenario after loading and validation: every duration is integer virtual milliseconds, every
 * member name is known, every reference is resolved as far as it can be before the run. Roles
 * (`leader`, `a follower`, `rest`) stay symbolic: they resolve when the step runs.
 *
 * The YAML form is documented in scenarios/README.md; cli/loader turns one into the other.
 * `source` fields carry file:line:column so run-time messages can point back at the file.
 */

import type { TracePropertyName } from './trace-properties.ts';

export interface SourceRef {
  file: string;
  line: number;
  column: number;
}

export interface ScenarioSpec {
  apiVersion: 'kubesim.io/v1alpha1';
  name: string;
  description: string;
  file: string;
  seed: string;
  durationMs: number;
  /** Bound on kernel events; the run stops with a clear message past it. */
  maxEvents: number;
  cluster: ClusterSpec;
  clients: ClientSpec[];
  /** Simulated request sources (empty without the control plane). */
  traffic?: TrafficSpec[];
  timeline: TimelineStep[];
  expectations: Expectation[];
}

export interface ClusterSpec {
  etcd: EtcdClusterSpec;
  network: NetworkSpec;
  /**
   * The Kubernetes control plane on top of etcd. Absent in etcd-only scenarios: then only etcd
   * members and etcd clients run, exactly as before.
   */
  kubernetes?: KubernetesSpec;
}

/**
 * Host names: apiservers `kube-apiserver-0..`, behind the VIP `kube-apiserver` every client uses;
 * schedulers `kube-scheduler-0..`; controller-managers `kube-controller-manager-0..`; each node's
 * kubelet is the node's name; each user's kubectl-like client is the user's name.
 */
export interface KubernetesSpec {
  apiservers: number;
  schedulers: number;
  controllerManagers: number;
  /**
   * A KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) as written: profiles selected
   * by a pod's schedulerName, plugins enabled/disabled, weights, scoring strategy,
   * percentageOfNodesToScore. Absent: the default profile.
   */
  schedulerConfiguration?: Record<string, unknown>;
  nodes: NodeSpec[];
  users: UserSpec[];
  /** Manifests applied at t=0 by the cluster admin, in order (documents of every `workload` entry). */
  workload: ManifestDoc[];
  /**
   * Cluster DNS: a CoreDNS Deployment in kube-system behind the kube-dns Service (10.96.0.10),
   * installed at t=0 like kubeadm's addon. On when the scenario sends traffic, unless turned off.
   */
  dns?: { enabled: boolean; replicas: number };
  /** Servers outside the cluster (a selector-less Service's hand-written Endpoints may point at them). */
  externalServers?: ExternalServerSpec[];
}

export interface ExternalServerSpec {
  name: string;
  ip: string;
  /** A name the cluster DNS's upstream resolves to `ip` (an ExternalName Service may point at it). */
  dnsName?: string;
  source: SourceRef;
}

/** kube-proxy's settings on a node (KubeProxyConfiguration). */
export interface KubeProxySpec {
  mode: 'iptables' | 'ipvs' | 'userspace';
  ipvsScheduler: 'rr' | 'lc' | 'dh' | 'sh' | 'sed' | 'nq';
  /** The node cannot load ipvs: kube-proxy falls back to iptables. */
  ipvsUnavailable: boolean;
}

/**
 * A traffic source: `clients` simulated clients on a node (in-cluster, through that node's
 * kube-proxy) or outside the cluster, sending requests to `to` (a DNS name or an address, and a
 * port) at `ratePerSecond`, from `startMs` to `stopMs`.
 */
export interface TrafficSpec {
  name: string;
  from: { node: string } | { external: true };
  clients: number;
  /** `host` is a name resolved through cluster DNS, an IPv4 address, or (external clients) a node name. */
  to: { host: string; port: number };
  protocol: 'TCP' | 'UDP';
  /** The namespace whose DNS search path resolves short names. */
  namespace: string;
  ratePerSecond: number;
  arrival: 'constant' | 'poisson';
  startMs: number;
  stopMs: number;
  timeoutMs: number;
  /** How long a backend works on a request before it answers. */
  holdMs: number;
  source: SourceRef;
}

export interface NodeSpec {
  name: string;
  capacity: { cpuMilli: number; memoryBytes: number; pods: number };
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  /** Image pull bandwidth, bytes per second. */
  imagePullBytesPerSecond: number;
  /** kube-proxy's mode on this node (iptables, the default, when absent). */
  kubeProxy?: KubeProxySpec;
  source: SourceRef;
}

export interface UserSpec {
  /** The kubectl client's host name, and the Kubernetes user name unless `identity` is given. */
  name: string;
  token: string;
  groups: string[];
  /** The user name the apiserver authenticates the token as, when not `name` (e.g. `system:node:worker-0`). */
  identity?: string;
  source: SourceRef;
}

/** One Kubernetes object from a manifest, as written, with where it came from. */
export interface ManifestDoc {
  object: Record<string, unknown>;
  source: SourceRef;
}

/** A Kubernetes object named in a step or expectation: `deployment/web`, `pod/x -n ns`. */
export interface ObjectRef {
  /** Lower-case kind or resource as kubectl accepts it: pod, pods, deployment, deploy, node, no... */
  kind: string;
  name: string;
  namespace?: string;
}

export interface EtcdClusterSpec {
  /** 3 or 5; members are named etcd-0 .. etcd-(n-1). */
  members: number;
  preVote: boolean;
  checkQuorum: boolean;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  /** etcd's request timeout seen by clients (5 s + 2 × election timeout = 7 s by default). */
  requestTimeoutMs: number;
}

export interface NetworkSpec {
  latencyMsMin: number;
  latencyMsMax: number;
  lossProbability: number;
  duplicateProbability: number;
  /** Probability that a message is held back by an extra delay, so later ones overtake it. */
  reorderProbability: number;
  /** The most extra delay a held-back message gets (drawn in [1, this] ms); see `reorderDelayMsMaxOf`. */
  reorderDelayMsMax?: number;
}

/** The reorder delay when the scenario gives none: ten times the highest latency, at least 10 ms. */
export function reorderDelayMsMaxOf(network: NetworkSpec): number {
  return network.reorderDelayMsMax ?? Math.max(10, network.latencyMsMax * 10);
}

export interface ClientSpec {
  name: string;
  kind: 'etcd';
  /** Members the client may talk to; all members when not given. */
  endpoints: string[];
  source: SourceRef;
}

/**
 * A target as written: a member name (`etcd-2`), a group bound earlier with `as`, or a role
 * resolved when the step runs: `leader`, `a follower` (one follower, chosen from the scenario's
 * seeded stream), `followers` (all of them), `rest` (every member not named earlier in the same
 * step), `all`.
 */
export type TargetRef = string;

export type TimelineAction =
  | { verb: 'partition'; groups: TargetRef[][] }
  | { verb: 'cut'; from: TargetRef[]; to: TargetRef[] }
  | { verb: 'isolate'; targets: TargetRef[] }
  | { verb: 'heal'; targets: TargetRef[] | 'all' }
  /**
   * A network degradation for a while, as `tc qdisc … netem loss 5% duplicate 1% reorder 2%` sets
   * it: on every link, the links to or from some hosts, or between groups; its figures replace the
   * run-wide ones there until `durationMs` has passed or a heal ends it (actors/kernel/network.ts
   * says what a loss, duplicate and reorder do to TCP and to datagrams).
   */
  | ({ verb: 'netem'; scope: NetemScope; durationMs?: number } & NetemFigures)
  | { verb: 'crash'; targets: TargetRef[] }
  | { verb: 'restart'; targets: TargetRef[] }
  | { verb: 'put'; client: string; key: string; value: string; via?: TargetRef[]; id?: string }
  | { verb: 'get'; client: string; key: string; consistency: 'linearizable' | 'serializable'; via?: TargetRef[]; id?: string }
  | { verb: 'delete'; client: string; key: string; via?: TargetRef[]; id?: string }
  /** kubectl apply: create, or update what exists (by the user, default "admin"). */
  | { verb: 'apply'; user: string; manifests: ManifestDoc[]; id?: string }
  /** kubectl delete. */
  | { verb: 'kubectl-delete'; user: string; object: ObjectRef; gracePeriodSeconds?: number; cascade?: 'background' | 'foreground' | 'orphan'; id?: string }
  /** kubectl patch --type merge. */
  | { verb: 'patch'; user: string; object: ObjectRef; patch: Record<string, unknown>; subresource?: 'status'; id?: string }
  /** kubectl scale. */
  | { verb: 'scale'; user: string; object: ObjectRef; replicas: number; id?: string }
  /** kubectl rollout undo / pause / resume / restart. */
  | { verb: 'rollout'; action: 'undo' | 'pause' | 'resume' | 'restart'; user: string; object: ObjectRef; toRevision?: number; id?: string }
  /** kubectl set image. */
  | { verb: 'set-image'; user: string; object: ObjectRef; container: string; image: string; id?: string }
  /** kubectl cordon / uncordon. */
  | { verb: 'cordon' | 'uncordon'; user: string; node: string; id?: string }
  /** kubectl drain (cordon, then evict the node's pods through the eviction API, 429s retried). */
  | { verb: 'drain'; user: string; node: string; ignoreDaemonsets: boolean; deleteEmptydirData: boolean; force: boolean; timeoutSeconds: number; gracePeriodSeconds?: number; id?: string }
  /** A DNS query from a node, as `dig` in a pod there would send it (no search path); traced as `k8s.dig` under `id`. */
  | { verb: 'dig'; node: string; name: string; qtype: 'A' | 'AAAA' | 'SRV' | 'PTR' | 'CNAME'; id: string }
  /** Adds nodes (a new group, or more of a group) at this time: their kubelets start and register. */
  | { verb: 'add-nodes'; nodes: NodeSpec[] };

export type NetemScope = { kind: 'all' } | { kind: 'on'; targets: TargetRef[] } | { kind: 'between'; groups: TargetRef[][] };

export interface NetemFigures {
  lossProbability: number;
  duplicateProbability: number;
  reorderProbability: number;
  /** Absent: the run-wide reorder delay (`reorderDelayMsMaxOf`). */
  reorderDelayMsMax?: number;
}

export interface TimelineStep {
  atMs: number;
  action: TimelineAction;
  /**
   * Names to bind the resolved targets to, for later steps and expectations. For a partition,
   * one name per group; otherwise one name for all targets of the step.
   */
  as: string[];
  source: SourceRef;
}

/** When an expectation is checked. */
export type When =
  | { mode: 'at'; atMs: number }
  /** Eventually: holds at some moment in [afterMs, afterMs + limitMs]. */
  | { mode: 'within'; afterMs: number; limitMs: number }
  /** Holds after every event in [fromMs, toMs]. */
  | { mode: 'always'; fromMs: number; toMs: number }
  /** Holds at the end of the run, after its last event (`at: end`), or where it stopped early. */
  | { mode: 'end' };

export type LeaderCondition =
  | { kind: 'none' }
  | { kind: 'any' }
  /** One of these targets (names, groups) leads. */
  | { kind: 'oneOf'; targets: TargetRef[] };

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** A value an expectation compares with. */
export type Scalar = string | number | boolean;

/**
 * A compared value: the value itself (equal to it), `{not: [a, b]}` (set, and none of them) or
 * `{in: [a, b]}` (one of them). A field that is unset matches none of the three forms.
 */
export type Match<T extends Scalar = Scalar> = T | { not: T[] } | { in: T[] };

/** The condition an expectation asserts; every field given must hold. */
export interface EtcdCondition {
  /** Restricts `leader`, `logsIdentical` and `termAboveAtMs` to these members (a group or names). */
  group?: TargetRef[];
  /** Among the (live) members considered, who is leader of the highest term any of them knows. */
  leader?: LeaderCondition;
  /** A member's role. */
  role?: { member: TargetRef; is: Role };
  /** A member's term compared with a number. */
  term?: { member: TargetRef; equals?: number; atLeast?: number };
  /** The considered members' leader has a term above the highest term any member had at this time. */
  termAboveAtMs?: number;
  /** The leader now is the member that led at this time, in the same term (nobody disrupted it). */
  leaderUnchangedSinceMs?: number;
  /** There is a leader now, and it is not the one that led at this time in the same term. */
  leaderChangedSinceMs?: number;
  /** Every considered live member has the same log and commit index. */
  logsIdentical?: boolean;
  /** What a linearizable read of `key` would return now: the current leader's committed value. */
  value?: { key: string; equals?: Match<string>; absent?: boolean };
}

/** About client operations: by id, or every write of a client to a key. */
export interface OpCondition {
  id?: string;
  client?: string;
  key?: string;
  /** Writes only: true = completed ok; false = never completed ok (fail, timeout or still pending). */
  acknowledged?: boolean;
  /** The op's final result. */
  result?: 'ok' | 'fail' | 'timeout' | 'pending';
  /** Reads only: the value returned (absent = key not found). */
  readValue?: Match<string>;
  readAbsent?: boolean;
}

/** Pods matching a selector, read from the cluster's committed state. */
export interface PodsCondition {
  namespace?: string;
  /** Label selector, Kubernetes syntax: `app=web,tier!=cache`. */
  selector?: string;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  /** Ready condition True (with phase Running). */
  ready?: boolean;
  /** Bound to a node (spec.nodeName set). */
  scheduled?: boolean;
  /** Bound to a node whose name matches (an unbound pod never matches). */
  nodeName?: Match<string>;
  /** Exactly this many match (selector and the other fields). Without count: at least one, and all that match the selector satisfy the rest. */
  count?: number;
}

export interface NodeCondition {
  name: string;
  /** A NodeCondition type (Ready, MemoryPressure...) and its status. */
  condition?: { type: string; status: Match<'True' | 'False' | 'Unknown'> };
  /** Registered with the apiserver (exists). */
  registered?: boolean;
}

export interface ObjectCondition {
  object: ObjectRef;
  /** A field path into the object (actors/api/fields.ts): `status.phase`, `spec.containers[0].image`, `metadata.labels.app`. */
  field?: string;
  equals?: Match;
  exists?: boolean;
}

/** A count compared: a number, `{not: …}`, `{in: […]}`, or bounds `{atLeast: n, atMost: m}`. */
export type CountMatch = Match<number> | { atLeast?: number; atMost?: number };

/** The counts a workload's status reports (each kind maps them to its own status fields). */
export const WORKLOAD_COUNTS = ['replicas', 'ready', 'available', 'updated', 'revision', 'active', 'succeeded', 'failed'] as const;
export type WorkloadCount = (typeof WORKLOAD_COUNTS)[number];

/** A workload's status: Deployment, ReplicaSet, StatefulSet, DaemonSet, ReplicationController, Job. */
export interface WorkloadCondition {
  object: ObjectRef;
  counts: Partial<Record<WorkloadCount, CountMatch>>;
  /** One of its status.conditions. */
  condition?: { type: string; status: Match<'True' | 'False' | 'Unknown'>; reason?: Match<string> };
}

/**
 * A Deployment's rolling-update bounds, from its own spec: available pods ≥ replicas −
 * maxUnavailable and pods ≤ replicas + maxSurge (pods matching its selector, not terminating).
 */
export interface RolloutCondition {
  object: ObjectRef;
}

/**
 * A Service routes to exactly its ready pods: its EndpointSlices' ready endpoints and its
 * Endpoints' addresses are the addresses of the ready, not terminating pods its selector matches.
 */
export interface EndpointsCondition {
  service: string;
  /** default when absent. */
  namespace?: string;
}

/**
 * A workload's pods as the nodes' container runtimes run them (kubelet traces, not the API):
 * how many run now, and the most that ever ran at once.
 */
export interface RunningCondition {
  /** A pod controller (lower-case canonical kind) or a Deployment. */
  object: ObjectRef;
  count?: CountMatch;
  maxAtOnce?: CountMatch;
}

/** The outcome of a kubectl-like step, by its id. */
export interface RequestCondition {
  id: string;
  /** HTTP status code of the (last) API response. */
  code?: Match<number>;
  /** A substring of the error message. */
  messageContains?: string;
}

export interface EventCondition {
  reason: string;
  /** A substring of the event's message. */
  messageContains?: string;
  /** The involved object's name (and kind). */
  object?: ObjectRef;
  namespace?: string;
}

export interface Expectation {
  name: string;
  when: When;
  etcd?: EtcdCondition;
  op?: OpCondition;
  pods?: PodsCondition;
  node?: NodeCondition;
  object?: ObjectCondition;
  request?: RequestCondition;
  event?: EventCondition;
  workload?: WorkloadCondition;
  rollout?: RolloutCondition;
  endpoints?: EndpointsCondition;
  running?: RunningCondition;
  traffic?: TrafficCondition;
  env?: EnvCondition;
  dns?: DnsCondition;
  property?: PropertyCondition;
  source: SourceRef;
}

/**
 * A property judged over the run's trace so far by a pure checker (trace-properties.ts): the
 * same verdict `kubesim fuzz` and `kubesim check --property` give. `unknown` and `not-checkable`
 * verdicts hold (they are not failures) and say so in the detail.
 */
export interface PropertyCondition {
  name: TracePropertyName;
}

/** The service environment variables of running pods (kubelet's view). */
export interface EnvCondition {
  namespace?: string;
  selector?: string;
  has?: string[];
  lacks?: string[];
}

/** The answer to a `dig` step, by its id. */
export interface DnsCondition {
  id: string;
  rcode?: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'timeout';
  /** How many records answered. */
  answers?: CountMatch;
  /** The type of every answer record. */
  type?: 'A' | 'AAAA' | 'SRV' | 'PTR' | 'CNAME';
  /** A substring one of the answers' data contains. */
  contains?: string;
}

/**
 * What requests of a traffic source (or all of them) met over a window of the run (`window`,
 * default: from the start to the check's time): counts by result, the success rate, how they
 * spread over backend pods, latency percentiles.
 */
export interface TrafficCondition {
  /** A traffic entry's name; all entries when absent. */
  source?: string;
  /** Requests that started in [fromMs, toMs); toMs absent: up to the check. */
  window?: { fromMs: number; toMs?: number };
  requests?: CountMatch;
  ok?: CountMatch;
  failed?: CountMatch;
  /** Successful requests / requests, in [0, 1]. */
  successRate?: { atLeast?: number; atMost?: number };
  /** Distinct pods that answered. */
  backends?: CountMatch;
  /** Each pod's share of the successful requests lies within ±tolerance of 1/backends. */
  evenlySpread?: { tolerance: number };
  /** Every client (source address) was answered by one pod only. */
  sticky?: boolean;
  /** true: every answering backend saw the client's own address; false: none did (masqueraded to a node's). */
  sourcePreserved?: boolean;
  /** Requests answered by pods whose names start with this prefix. */
  servedBy?: { prefix: string; count: CountMatch };
  /** Latency percentile bounds over successful requests: `{p50: 20, p99: 200}` (ms). */
  latencyMsAtMost?: Partial<Record<'p50' | 'p90' | 'p99' | 'max', number>>;
  /** Failures by result: refused, timeout, nxdomain, dns-error, dns-timeout. */
  results?: Partial<Record<string, CountMatch>>;
}

export const SUPPORTED_ETCD_MEMBER_COUNTS = [3, 5] as const;

export function memberNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `etcd-${i}`);
}
