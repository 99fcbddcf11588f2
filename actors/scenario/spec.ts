/**
 * A scenario after loading and validation: every duration is integer virtual milliseconds, every
 * member name is known, every reference is resolved as far as it can be before the run. Roles
 * (`leader`, `a follower`, `rest`) stay symbolic: they resolve when the step runs.
 *
 * The YAML form is documented in scenarios/README.md; cli/loader turns one into the other.
 * `source` fields carry file:line:column so run-time messages can point back at the file.
 */

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
  timeline: TimelineStep[];
  expectations: Expectation[];
}

export interface ClusterSpec {
  etcd: EtcdClusterSpec;
  network: NetworkSpec;
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
  reorderProbability: number;
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
  | { verb: 'crash'; targets: TargetRef[] }
  | { verb: 'restart'; targets: TargetRef[] }
  | { verb: 'put'; client: string; key: string; value: string; via?: TargetRef[]; id?: string }
  | { verb: 'get'; client: string; key: string; consistency: 'linearizable' | 'serializable'; via?: TargetRef[]; id?: string }
  | { verb: 'delete'; client: string; key: string; via?: TargetRef[]; id?: string };

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
  | { mode: 'always'; fromMs: number; toMs: number };

export type LeaderCondition =
  | { kind: 'none' }
  | { kind: 'any' }
  /** One of these targets (names, groups) leads. */
  | { kind: 'oneOf'; targets: TargetRef[] };

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

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
  value?: { key: string; equals?: string; absent?: boolean };
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
  readValue?: string;
  readAbsent?: boolean;
}

export interface Expectation {
  name: string;
  when: When;
  etcd?: EtcdCondition;
  op?: OpCondition;
  source: SourceRef;
}

export const SUPPORTED_ETCD_MEMBER_COUNTS = [3, 5] as const;

export function memberNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `etcd-${i}`);
}
