import fc from 'fast-check';
import type { NetemScope, ObjectRef, ScenarioSpec, SourceRef, TimelineAction, TimelineStep } from '../../actors/scenario/spec.ts';
import { healAtMs, type FuzzCluster, type FuzzWorkload } from './cluster.ts';

/**
 * Fault and workload schedules as fast-check values.
 *
 * Why a list of commands and not `fc.commands` (model-based testing): fc.commands runs each
 * command against the real system as it is generated and checks it against a model in between,
 * which needs a system that can be stepped from outside. A kubesim run is one deterministic
 * timeline played by `runScenario` from start to end, and the counterexample must be an ordinary
 * scenario file — a timeline. So a schedule is an array of commands, each "advance time, then
 * act"; fast-check shrinks it as it shrinks any array (drop commands, shorten the waits, simplify
 * each command), and the model (which hosts are down, which nodes are cordoned, which workloads
 * were touched) is a fold over the list (`modelOf`). It decides the final phase.
 *
 * Network loss, duplication and reorder come as bursts (`burstsArb`, the `netem` verb) on every
 * cluster: up to two per schedule, each at its own time in the fault phase and for a few seconds,
 * on every link, one host's links, or between a group and the rest.
 * They are faithful for Kubernetes because the network is (actors/kernel/network.ts): apiserver
 * clients, kubelets, controllers and etcd clients talk over TCP, so a lost segment arrives a
 * retransmission timeout (200 ms, doubling) late and a duplicate is discarded, while etcd's Raft
 * peer messages are datagrams, lost and duplicated for real. (Before that model, loss dropped a
 * request or watch event for good, and liveness failed for a reason no real cluster has.)
 * An etcd-only cluster also draws run-wide probabilities, as test/property/fault-schedule.ts does.
 */

export type Command = { waitMs: number; action: TimelineAction };

/** A burst (`netem`) `offsetMs` after the start of the fault phase. */
export type Burst = { offsetMs: number; action: Extract<TimelineAction, { verb: 'netem' }> };

export interface Schedule {
  /** The simulation's seed (spec.seed): message latencies and losses. */
  seed: number;
  preVote: boolean;
  lossPercent: number;
  duplicatePercent: number;
  reorderPercent: number;
  /**
   * A background client workload on an etcd-only cluster, as Jepsen's clients keep operating
   * throughout: every this many ms of the fault phase a put by a second client at the leader (of
   * the highest term), then half a period later a linearizable get of that key by the schedule's
   * client, at whichever member it talks to. 0: none. It is what reads at an old leader (that
   * client's member until it stops answering) while a new one already commits: the ~100s of ms
   * between the new leader's first commit and the old leader's CheckQuorum step-down are
   * otherwise hard to hit with a dozen commands.
   */
  workloadPeriodMs?: number;
  commands: Command[];
  /** Network bursts (`burstsArb`); absent in schedules saved before them. */
  bursts?: Burst[];
}

export const GENERATED: SourceRef = { file: '<kubesim fuzz>', line: 0, column: 0 };
const KEYS = ['/fuzz/a', '/fuzz/b', '/fuzz/c'];
/** The background workload's keys: its own, so that what the commands write stays theirs alone. */
const LOAD_KEYS = ['/fuzz/load/a', '/fuzz/load/b'];
/** Command groups per schedule (a group is one to `members` commands). */
const MAX_COMMANDS = 12;

function actionArb(c: FuzzCluster): fc.Arbitrary<TimelineAction> {
  const hosts = [...c.members, ...c.apiservers, ...c.schedulers, ...c.controllerManagers, ...c.nodes];
  const crashable = [...c.members, 'leader', ...c.apiservers, ...c.schedulers, ...c.controllerManagers, ...c.nodes];
  const host = fc.constantFrom(...hosts);
  // A client step goes where the client sends it (its preferred member, then the leader hint), or only to one member.
  // `leader` is the leader of the highest term: after a partition, the new one, while the old may still lead.
  const via = fc.option(fc.constantFrom(...c.members, 'leader'), { nil: undefined }).map((m) => (m === undefined ? {} : { via: [m] }));
  const arbs: fc.Arbitrary<TimelineAction>[] = [
    // symmetric partition: a nonempty proper subset against the rest of the hosts
    fc.subarray(hosts, { minLength: 1, maxLength: hosts.length - 1 }).map((side): TimelineAction => ({ verb: 'partition', groups: [side, hosts.filter((h) => !side.includes(h))] })),
    // one-way cut
    fc.tuple(host, host).filter(([a, b]) => a !== b).map(([from, to]): TimelineAction => ({ verb: 'cut', from: [from], to: [to] })),
    // the leader alone against the other members (Jepsen's partition-leader): clients, not named, still reach both
    // sides, so they write at the new leader and read at the old one while it still believes it leads
    fc.constant<TimelineAction>({ verb: 'partition', groups: [['leader'], ['rest']] }),
    host.map((h): TimelineAction => ({ verb: 'isolate', targets: [h] })),
    fc.constant<TimelineAction>({ verb: 'heal', targets: 'all' }),
    fc.constantFrom(...crashable).map((h): TimelineAction => ({ verb: 'crash', targets: [h] })),
    fc.constantFrom(...hosts).map((h): TimelineAction => ({ verb: 'restart', targets: [h] })),
  ];
  const put = fc.tuple(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 99 }), via).map(([key, v, at]): TimelineAction => ({ verb: 'put', client: c.etcdClient, key, value: String(v), ...at }));
  // Reads at any member: linearizable (ReadIndex at the leader) and serializable (local, may be stale).
  const get = fc
    .tuple(fc.constantFrom(...KEYS), fc.constantFrom<'linearizable' | 'serializable'>('linearizable', 'serializable'), via)
    .map(([key, consistency, at]): TimelineAction => ({ verb: 'get', client: c.etcdClient, key, consistency, ...at }));
  arbs.push(...workloadArbs(c));
  if (c.nodes.length > 0) {
    const node = fc.constantFrom(...c.nodes);
    arbs.push(
      node.map((n): TimelineAction => ({ verb: 'cordon', user: 'admin', node: n })),
      // kubectl drain's defaults but --ignore-daemonsets, and a 20-s timeout so it ends within the run
      node.map((n): TimelineAction => ({ verb: 'drain', user: 'admin', node: n, ignoreDaemonsets: true, deleteEmptydirData: true, force: true, timeoutSeconds: 20 })),
    );
  }
  // Client steps are the checked history: as many as all the other steps together, so that a
  // fault lands between writes and reads more often than between two faults.
  const clientWeight = Math.max(1, Math.ceil(arbs.length / 2));
  return fc.oneof(...arbs.map((arbitrary) => ({ arbitrary, weight: 1 })), { arbitrary: put, weight: clientWeight }, { arbitrary: get, weight: clientWeight });
}

/**
 * Images a rollout sets: real images whose sizes the simulated runtime knows
 * (actors/kubelet/images.ts), each pulled in 0.6–2 s. In kubesim every image pulls and a
 * container without a behavior annotation runs forever whatever its image, so any of them
 * rolls out on any container.
 */
export const ROLLOUT_IMAGES = ['nginx:1.26', 'httpd:2.4', 'busybox:1.36'] as const;

/** The workload's reference as the loader reads `object: statefulset/db` (with its namespace) back: the written file loads to this very step. */
export const workloadRef = (w: FuzzWorkload): ObjectRef => ({ kind: w.kind, name: w.name, namespace: w.namespace });

/**
 * The workload commands on a Kubernetes cluster: re-apply a workload's manifest, scale a
 * Deployment or StatefulSet, delete any workload, roll a pod template to another image
 * (kubectl set image), and roll a Deployment back (kubectl rollout undo: StatefulSets have no
 * undo in kubectl's sense here, loader and kubectl alike).
 */
function workloadArbs(c: FuzzCluster): fc.Arbitrary<TimelineAction>[] {
  const arbs: fc.Arbitrary<TimelineAction>[] = [];
  if (c.workloads.length === 0) return arbs;
  const any = fc.constantFrom(...c.workloads);
  arbs.push(
    any.map((w): TimelineAction => ({ verb: 'apply', user: 'admin', manifests: [w.manifest] })),
    any.map((w): TimelineAction => ({ verb: 'kubectl-delete', user: 'admin', object: workloadRef(w) })),
  );
  const scalable = c.workloads.filter((w) => w.kind === 'deployment' || w.kind === 'statefulset');
  if (scalable.length > 0) {
    arbs.push(fc.tuple(fc.constantFrom(...scalable), fc.integer({ min: 0, max: 5 })).map(([w, replicas]): TimelineAction => ({ verb: 'scale', user: 'admin', object: workloadRef(w), replicas })));
  }
  const templated = c.workloads.filter((w) => w.kind !== 'service' && w.containers.length > 0);
  if (templated.length > 0) {
    const rollout = fc
      .tuple(fc.constantFrom(...templated), fc.nat(), fc.constantFrom(...ROLLOUT_IMAGES))
      .map(([w, i, image]): TimelineAction => ({ verb: 'set-image', user: 'admin', object: workloadRef(w), container: w.containers[i % w.containers.length]!, image }));
    arbs.push(rollout);
  }
  const deployments = c.workloads.filter((w) => w.kind === 'deployment');
  if (deployments.length > 0) {
    arbs.push(fc.constantFrom(...deployments).map((w): TimelineAction => ({ verb: 'rollout', action: 'undo', user: 'admin', object: workloadRef(w) })));
  }
  return arbs;
}

/**
 * A burst of packet loss, duplication and reordering (`netem`): on every link, on one host's links,
 * between a nonempty proper subset of the hosts and the others, or between the etcd leader and the
 * other members (their Raft messages are the datagrams that really get lost). Loss up to 100 %
 * (over TCP that is a stall of a few RTOs, not a partition), for 0.5 to 10 s: it ends in the fault
 * phase or is ended by the final `heal: all`.
 */
export function burstArb(c: FuzzCluster): fc.Arbitrary<Extract<TimelineAction, { verb: 'netem' }>> {
  const hosts = faultHosts(c);
  const scope = fc.oneof(
    fc.constant<NetemScope>({ kind: 'all' }),
    fc.constantFrom(...hosts).map((h): NetemScope => ({ kind: 'on', targets: [h] })),
    fc.subarray([...hosts], { minLength: 1, maxLength: hosts.length - 1 }).map((side): NetemScope => ({ kind: 'between', groups: [side, hosts.filter((h) => !side.includes(h))] })),
    fc.constant<NetemScope>({ kind: 'between', groups: [['leader'], ['rest']] }),
  );
  const figures = fc
    .tuple(fc.constantFrom(0, 1, 5, 20, 50, 100), fc.constantFrom(0, 0, 1, 5), fc.constantFrom(0, 0, 2, 10))
    .filter(([loss, duplication, reorder]) => loss + duplication + reorder > 0);
  return fc.tuple(scope, figures, fc.integer({ min: 500, max: 10_000 })).map(
    ([netemScope, [loss, duplication, reorder], durationMs]): Extract<TimelineAction, { verb: 'netem' }> => ({
      verb: 'netem',
      scope: netemScope,
      lossProbability: loss / 100,
      duplicateProbability: duplication / 100,
      reorderProbability: reorder / 100,
      durationMs,
    }),
  );
}

/** The hosts fault commands name (actionArb's list). */
function faultHosts(c: FuzzCluster): string[] {
  return [...c.members, ...c.apiservers, ...c.schedulers, ...c.controllerManagers, ...c.nodes];
}

/**
 * Up to two bursts per schedule, each at its own time in the fault phase: a field of the schedule
 * beside the commands (drawn after them, so the commands a seed draws do not depend on it), shrunk
 * on its own — fewer bursts, earlier, shorter, simpler.
 */
export function burstsArb(c: FuzzCluster): fc.Arbitrary<Burst[]> {
  const span = c.faultEndMs - c.faultStartMs;
  return fc.array(fc.record({ offsetMs: fc.integer({ min: 0, max: span }), action: burstArb(c) }), { maxLength: 2 });
}

/**
 * The wait before a command: up to 5 s, but a third of them short (under 200 ms, a few message
 * round trips) so that two steps land inside one election or one replication round: a crash
 * right after a write, a restart while the votes are out.
 */
const waitArb = fc.oneof({ weight: 2, arbitrary: fc.integer({ min: 0, max: 5_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 200 }) });

/**
 * Commands come in groups, which fast-check draws, shrinks and drops as one: mostly a single
 * command, sometimes two steps that only matter together —
 * - a bounce: a member crashes and restarts up to 2 s later (an election timeout is 1–2 s), so a
 *   restart lands while votes are out (the leader bounced, or a voter in the election it caused);
 * - a read at every member at once, linearizable or serializable: whichever member a fault left
 *   stale (an old leader still leading on its side of a partition, a lagging follower) is read.
 */
function commandGroupArb(c: FuzzCluster): fc.Arbitrary<Command[]> {
  const single = fc.record({ waitMs: waitArb, action: actionArb(c) }).map((cmd) => [cmd]);
  const bounce = fc
    .tuple(waitArb, fc.constantFrom(...c.members), fc.integer({ min: 0, max: 2_000 }))
    .map(([waitMs, member, downMs]): Command[] => [
      { waitMs, action: { verb: 'crash', targets: [member] } },
      { waitMs: downMs, action: { verb: 'restart', targets: [member] } },
    ]);
  const readEverywhere = fc
    .tuple(waitArb, fc.constantFrom(...KEYS), fc.constantFrom<'linearizable' | 'serializable'>('linearizable', 'serializable'))
    .map(([waitMs, key, consistency]): Command[] =>
      c.members.map((m, i) => ({ waitMs: i === 0 ? waitMs : 0, action: { verb: 'get', client: c.etcdClient, key, consistency, via: [m] } })),
    );
  return fc.oneof({ arbitrary: single, weight: 6 }, { arbitrary: bounce, weight: 1 }, { arbitrary: readEverywhere, weight: 1 });
}

export function scheduleArb(c: FuzzCluster, options: { bursts: boolean } = { bursts: true }): fc.Arbitrary<Schedule> {
  const percent = c.base.cluster.kubernetes ? fc.constant(0) : fc.constantFrom(0, 0, 1, 2);
  return fc.record({
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    preVote: fc.boolean(),
    lossPercent: percent,
    duplicatePercent: percent,
    reorderPercent: percent,
    workloadPeriodMs: c.loadClient === undefined ? fc.constant(0) : fc.constantFrom(0, 250),
    commands: fc.array(commandGroupArb(c), { maxLength: MAX_COMMANDS }).map((groups) => groups.flat()),
    bursts: options.bursts ? burstsArb(c) : fc.constant([]),
  });
}

/**
 * What the commands leave behind, for the final phase. A workload's desired state is not
 * modelled: a kubectl step during a fault may time out having taken effect or not, so the final
 * phase re-applies the manifest of every workload a command touched.
 */
export interface Model {
  /** Hosts crashed and not restarted (`leader` stays symbolic: the final step restarts every member). */
  down: Set<string>;
  cordoned: Set<string>;
  /** Workloads a command applied, scaled, deleted, rolled out or rolled back, as `kind/namespace/name` (`touchedKey`). */
  touched: Set<string>;
}

export const touchedKey = (kind: string, namespace: string | undefined, name: string): string => `${kind.toLowerCase()}/${namespace ?? 'default'}/${name}`;

/** The workloads a workload command touches (none for other commands). */
function touchedBy(a: TimelineAction): string[] {
  switch (a.verb) {
    case 'apply':
      return a.manifests.map((m) => {
        const meta = (m.object.metadata ?? {}) as { name?: string; namespace?: string };
        return touchedKey(String(m.object.kind), meta.namespace, meta.name ?? '');
      });
    case 'scale':
    case 'kubectl-delete':
    case 'set-image':
    case 'rollout':
      return [touchedKey(a.object.kind, a.object.namespace, a.object.name)];
    default:
      return [];
  }
}

export function modelOf(commands: readonly Command[]): Model {
  const m: Model = { down: new Set(), cordoned: new Set(), touched: new Set() };
  for (const { action: a } of commands) {
    switch (a.verb) {
      case 'crash':
        for (const t of a.targets) m.down.add(t);
        break;
      case 'restart':
        for (const t of a.targets) m.down.delete(t);
        break;
      case 'cordon':
      case 'drain':
        m.cordoned.add(a.node);
        break;
      default:
        for (const k of touchedBy(a)) m.touched.add(k);
        break;
    }
  }
  return m;
}

/** The commands at their times: each waits, then acts; none later than the end of the fault phase. */
export function timelineOf(c: FuzzCluster, commands: readonly Command[]): TimelineStep[] {
  let atMs = c.faultStartMs;
  return commands.map(({ waitMs, action }) => {
    atMs = Math.min(c.faultEndMs, atMs + waitMs);
    return { atMs, action, as: [], source: GENERATED };
  });
}

/**
 * The final phase: heal everything, restart every member and every crashed host, uncordon; and
 * 5 s later (the restarted apiservers serve again) re-apply, in manifest order, every workload a
 * command touched: liveness then has a defined target, the manifests as written.
 */
export function finalSteps(c: FuzzCluster, model: Model): TimelineStep[] {
  const at = healAtMs(c);
  const restart = ['all', ...[...model.down].filter((h) => h !== 'leader' && !c.members.includes(h)).sort()];
  const steps: TimelineStep[] = [
    { verb: 'heal', targets: 'all' } as TimelineAction,
    { verb: 'restart', targets: restart } as TimelineAction,
    ...[...model.cordoned].sort().map((node): TimelineAction => ({ verb: 'uncordon', user: 'admin', node })),
  ].map((action) => ({ atMs: at, action, as: [], source: GENERATED }));
  const reapply = c.workloads.filter((w) => model.touched.has(touchedKey(w.kind, w.namespace, w.name)));
  if (reapply.length > 0) steps.push({ atMs: at + REAPPLY_AFTER_HEAL_MS, action: { verb: 'apply', user: 'admin', manifests: reapply.map((w) => w.manifest) }, as: [], source: GENERATED });
  return steps;
}

export const REAPPLY_AFTER_HEAL_MS = 5_000;

/** The bursts at their times in the fault phase (the final `heal: all` ends one still going). */
export function burstSteps(c: FuzzCluster, bursts: readonly Burst[]): TimelineStep[] {
  return bursts.map(({ offsetMs, action }) => ({ atMs: c.faultStartMs + offsetMs, action, as: [], source: GENERATED }));
}

/** The background workload's steps (`Schedule.workloadPeriodMs`), in the fault phase. */
export function workloadSteps(c: FuzzCluster, periodMs: number): TimelineStep[] {
  const steps: TimelineStep[] = [];
  const writer = c.loadClient;
  if (periodMs <= 0 || writer === undefined) return steps;
  let i = 0;
  for (let atMs = c.faultStartMs + periodMs; atMs + periodMs / 2 <= c.faultEndMs; atMs += periodMs, i++) {
    const key = LOAD_KEYS[i % LOAD_KEYS.length]!;
    steps.push({ atMs, action: { verb: 'put', client: writer, key, value: `w${i}`, via: ['leader'] }, as: [], source: GENERATED });
    steps.push({ atMs: atMs + Math.floor(periodMs / 2), action: { verb: 'get', client: c.etcdClient, key, consistency: 'linearizable' }, as: [], source: GENERATED });
  }
  return steps;
}

/** The scenario a schedule runs as (expectations are added by the selected properties). */
export function specOf(c: FuzzCluster, s: Schedule): ScenarioSpec {
  const model = modelOf(s.commands);
  const network = c.base.cluster.kubernetes
    ? c.base.cluster.network
    : { ...c.base.cluster.network, lossProbability: s.lossPercent / 100, duplicateProbability: s.duplicatePercent / 100, reorderProbability: s.reorderPercent / 100 };
  return {
    ...c.base,
    seed: String(s.seed),
    cluster: { ...c.base.cluster, etcd: { ...c.base.cluster.etcd, preVote: s.preVote }, network },
    timeline: [...timelineOf(c, s.commands), ...burstSteps(c, s.bursts ?? []), ...workloadSteps(c, s.workloadPeriodMs ?? 0), ...finalSteps(c, model)],
    expectations: [],
  };
}

/** One line per command, to read a schedule in a report. */
export function describeSchedule(s: Schedule): string[] {
  const network = s.lossPercent + s.duplicatePercent + s.reorderPercent > 0 ? `, loss ${s.lossPercent}%, duplication ${s.duplicatePercent}%, reorder ${s.reorderPercent}%` : '';
  const workload = (s.workloadPeriodMs ?? 0) > 0 ? `, a put at the leader and a get every ${s.workloadPeriodMs} ms` : '';
  return [
    `seed ${s.seed}, preVote ${s.preVote}${network}${workload}`,
    ...s.commands.map((cmd) => `+${cmd.waitMs}ms ${JSON.stringify(cmd.action.verb === 'apply' ? { verb: 'apply', objects: touchedBy(cmd.action) } : cmd.action)}`),
    ...(s.bursts ?? []).map((b) => `at fault phase +${b.offsetMs}ms: ${describeBurst(b.action)}`),
  ];
}

/** A burst as tc would say it: `netem between [etcd-0] | [rest] loss 20% duplicate 1% reorder 0% for 3000ms`. */
function describeBurst(a: Extract<TimelineAction, { verb: 'netem' }>): string {
  const scope = a.scope.kind === 'all' ? 'every link' : a.scope.kind === 'on' ? `on ${a.scope.targets.join(', ')}` : `between ${a.scope.groups.map((g) => `[${g.join(', ')}]`).join(' | ')}`;
  const pct = (p: number): string => `${Math.round(p * 1000) / 10}%`;
  return `netem ${scope} loss ${pct(a.lossProbability)} duplicate ${pct(a.duplicateProbability)} reorder ${pct(a.reorderProbability)}${a.durationMs === undefined ? '' : ` for ${a.durationMs}ms`}`;
}
