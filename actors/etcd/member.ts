import { createActor, enqueueActions, setup } from 'xstate';
import type { HostEnv, KernelEmitted, Simulation } from '../kernel/simulation.ts';
import type { ClientRequest, ConnectionRefused, WatchCancel, WatchCreate } from './protocol.ts';
import type { RaftConfig, RaftMessage } from './raft/types.ts';
import {
  newDisk,
  newMember,
  onClientRequest,
  onConnectionRefused,
  onRaftMessage,
  onTick,
  onWatchCancel,
  onWatchCreate,
  type EtcdDisk,
  type MemberState,
  type Output,
  type ServerOptions,
} from './server.ts';

/**
 * The etcd member as an XState machine. It holds the role (its states mirror Raft's) and hands
 * every input to the deterministic server core; what the core returns is emitted to the kernel.
 * Time reaches it as TICK events from the host's ticker (etcd's raft ticker, heartbeatInterval).
 */

export interface EtcdMemberOptions {
  voters: readonly string[];
  electionTick: number;
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** Watch serving limits and periods; etcd's defaults when absent. */
  server?: Partial<ServerOptions>;
}

type MemberEvent = { type: 'TICK' } | RaftMessage | ClientRequest | WatchCreate | WatchCancel | ConnectionRefused;

interface MemberContext {
  state: MemberState;
  /** The kernel's virtual time (for watch progress notifications). */
  now: () => number;
}

type RoleChanged = { type: 'RoleChanged' };

/**
 * Emits, in order, the trace lines and then the messages the core produced, and raises
 * RoleChanged when the core's role moved, so the machine's state follows it. Most inputs
 * (heartbeats, acks, ticks) change no role and cost one transition without eventless checks.
 */
function act(enqueue: { emit: (e: KernelEmitted) => void; raise: (e: RoleChanged) => void }, state: MemberState, roleBefore: string, output: Output): void {
  for (const t of output.traces) enqueue.emit({ type: 'trace', kind: t.kind, fields: t.fields });
  for (const s of output.sends) enqueue.emit({ type: 'send', to: s.to, msg: s.msg });
  if (state.raft.role !== roleBefore) enqueue.raise({ type: 'RoleChanged' });
}

const isRole = (role: string) => ({ context }: { context: MemberContext }) => context.state.raft.role === role;

/** Every role's state leaves for the state of the role the core is now in. */
const followRole = [
  { guard: 'isFollower', target: '.follower' },
  { guard: 'isPreCandidate', target: '.preCandidate' },
  { guard: 'isCandidate', target: '.candidate' },
  { guard: 'isLeader', target: '.leader' },
] as const;

export const etcdMemberMachine = setup({
  types: {
    context: {} as MemberContext,
    events: {} as MemberEvent | RoleChanged,
    input: {} as { state: MemberState; now: () => number },
    emitted: {} as KernelEmitted,
  },
  actions: {
    tick: enqueueActions(({ context, enqueue }) => {
      const s = context.state;
      act(enqueue, s, s.raft.role, onTick(s, context.now()));
    }),
    step: enqueueActions(({ context, event, enqueue }) => {
      const s = context.state;
      act(enqueue, s, s.raft.role, onRaftMessage(s, event as RaftMessage));
    }),
    serve: enqueueActions(({ context, event, enqueue }) => {
      const s = context.state;
      act(enqueue, s, s.raft.role, onClientRequest(s, event as ClientRequest));
    }),
    watch: enqueueActions(({ context, event, enqueue }) => {
      const s = context.state;
      const e = event as WatchCreate | WatchCancel | ConnectionRefused;
      const output = e.type === 'WatchCreate' ? onWatchCreate(s, e) : e.type === 'WatchCancel' ? onWatchCancel(s, e) : onConnectionRefused(s, e);
      act(enqueue, s, s.raft.role, output);
    }),
  },
  guards: {
    isFollower: isRole('follower'),
    isPreCandidate: isRole('pre-candidate'),
    isCandidate: isRole('candidate'),
    isLeader: isRole('leader'),
  },
}).createMachine({
  id: 'etcd-member',
  context: ({ input }) => ({ state: input.state, now: input.now }),
  initial: 'follower',
  on: {
    TICK: { actions: 'tick' },
    ClientRequest: { actions: 'serve' },
    WatchCreate: { actions: 'watch' },
    WatchCancel: { actions: 'watch' },
    ConnectionRefused: { actions: 'watch' },
    MsgVote: { actions: 'step' },
    MsgVoteResp: { actions: 'step' },
    MsgPreVote: { actions: 'step' },
    MsgPreVoteResp: { actions: 'step' },
    MsgApp: { actions: 'step' },
    MsgAppResp: { actions: 'step' },
    MsgHeartbeat: { actions: 'step' },
    MsgHeartbeatResp: { actions: 'step' },
    RoleChanged: [...followRole],
  },
  // The states mirror the core's role, so a snapshot (and an inspector) shows who leads.
  states: {
    follower: {},
    preCandidate: {},
    candidate: {},
    leader: {},
  },
});

/** Starts a member from its durable state (first boot or restart after a crash). */
export function startEtcdMember(env: HostEnv<EtcdDisk>, options: EtcdMemberOptions) {
  const election = env.rng.fork(`election#${env.incarnation}`);
  const config: Omit<RaftConfig, 'id'> = {
    voters: options.voters,
    electionTick: options.electionTick,
    heartbeatTick: options.heartbeatTick,
    preVote: options.preVote,
    checkQuorum: options.checkQuorum,
    maxEntriesPerMsg: 64,
    randomInt: (n) => election.int(0, n),
  };
  const state = newMember(env.name, config, env.disk, options.server);
  return createActor(etcdMemberMachine, { clock: env.clock, input: { state, now: env.now } });
}

/** Read-only view of a running member, for expectations and the timeline (never for messaging). */
export function memberStateOf(actor: { getSnapshot(): { context: unknown } } | null): MemberState | null {
  if (!actor) return null;
  return (actor.getSnapshot().context as MemberContext).state;
}

export interface EtcdGroupOptions {
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  preVote: boolean;
  checkQuorum: boolean;
}

/** etcd's defaults: heartbeat 100 ms, election timeout 1000 ms, PreVote and CheckQuorum on. */
export const DEFAULT_ETCD_GROUP: EtcdGroupOptions = { heartbeatIntervalMs: 100, electionTimeoutMs: 1000, preVote: true, checkQuorum: true };

/**
 * Adds one host per member, each with an empty disk and a Raft ticker at the heartbeat interval
 * (the election timeout counted in ticks, as etcd configures raft).
 */
export function addEtcdGroup(sim: Simulation, members: readonly string[], options: EtcdGroupOptions = DEFAULT_ETCD_GROUP): void {
  const electionTick = options.electionTimeoutMs / options.heartbeatIntervalMs;
  for (const name of members) {
    sim.addHost({
      name,
      disk: newDisk(),
      tickIntervalMs: options.heartbeatIntervalMs,
      create: (env) => startEtcdMember(env, { voters: members, electionTick, heartbeatTick: 1, preVote: options.preVote, checkQuorum: options.checkQuorum }),
    });
  }
}
