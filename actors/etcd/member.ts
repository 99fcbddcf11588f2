import { coreMachine, coreStateOf, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import { newOutput } from '../kernel/output.ts';
import type { HostEnv, Simulation } from '../kernel/simulation.ts';
import type { ClientRequest, ConnectionRefused, WatchCancel, WatchCreate } from './protocol.ts';
import type { RaftConfig, RaftMessage, RaftVariant } from './raft/types.ts';
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
  type ServerOptions,
} from './server.ts';

export interface EtcdMemberOptions {
  voters: readonly string[];
  electionTick: number;
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** Watch serving limits and periods; etcd's defaults when absent. */
  server?: Partial<ServerOptions>;
  /** Deliberately broken Raft rules (tests only: RaftRules); etcd's when absent. */
  raftVariant?: RaftVariant;
}

/** An etcd member's inputs. Time reaches it as TICK from the host's ticker (etcd's raft ticker, heartbeatInterval). */
export type MemberInput = { type: 'TICK' } | RaftMessage | ClientRequest | WatchCreate | WatchCancel | ConnectionRefused;

type MemberPhase = 'follower' | 'preCandidate' | 'candidate' | 'leader';

const RAFT_MESSAGE_TYPES = new Set(['MsgVote', 'MsgVoteResp', 'MsgPreVote', 'MsgPreVoteResp', 'MsgApp', 'MsgAppResp', 'MsgHeartbeat', 'MsgHeartbeatResp', 'MsgSnap']);

const PHASE_OF_ROLE: Record<string, MemberPhase> = { follower: 'follower', 'pre-candidate': 'preCandidate', candidate: 'candidate', leader: 'leader' };

/**
 * The etcd member as a component core over the server logic (server.ts) and its Raft core. Its
 * phases mirror Raft's role, so a snapshot (and `--show components`) shows who leads.
 */
export const etcdMemberCore: ComponentCore<MemberState, MemberInput, MemberPhase> = {
  id: 'etcd-member',
  phases: ['follower', 'preCandidate', 'candidate', 'leader'],
  phase: (m) => PHASE_OF_ROLE[m.raft.role] ?? 'follower',
  step(m, input, now) {
    switch (input.type) {
      case 'TICK':
        return onTick(m, now);
      case 'ClientRequest':
        return onClientRequest(m, input);
      case 'WatchCreate':
        return onWatchCreate(m, input);
      case 'WatchCancel':
        return onWatchCancel(m, input);
      case 'ConnectionRefused':
        return onConnectionRefused(m, input);
      default:
        return RAFT_MESSAGE_TYPES.has(input.type) ? onRaftMessage(m, input) : newOutput();
    }
  },
};

export const etcdMemberMachine = coreMachine(etcdMemberCore);

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
    ...(options.raftVariant && { variant: options.raftVariant }),
  };
  return startCore(etcdMemberMachine, env, newMember(env.name, config, env.disk, options.server));
}

/** Read-only view of a running member, for expectations and the timeline (never for messaging). */
export function memberStateOf(actor: { getSnapshot(): { context: unknown } } | null): MemberState | null {
  return coreStateOf<MemberState>(actor);
}

export interface EtcdGroupOptions {
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** Server settings (snapshot count, watch limits); etcd's defaults when absent. */
  server?: Partial<ServerOptions>;
  /** Deliberately broken Raft rules (tests only: RaftRules); etcd's when absent. */
  raftVariant?: RaftVariant;
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
      create: (env) =>
        startEtcdMember(env, {
          voters: members,
          electionTick,
          heartbeatTick: 1,
          preVote: options.preVote,
          checkQuorum: options.checkQuorum,
          ...(options.server && { server: options.server }),
          ...(options.raftVariant && { raftVariant: options.raftVariant }),
        }),
    });
  }
}
