import { appendFromLeader, firstIndex, isUpToDate, lastIndex, lastTerm, matchTerm, slice, termAt } from './log.ts';
import type { Entry, RaftConfig, RaftMessage, RaftRole, RaftRules, RaftStorage, ReadState, Snapshot } from './types.ts';

/**
 * Raft as a deterministic core in the style of etcd-io/raft: no I/O, no clock, no randomness of
 * its own. Time arrives as `tick`, the network as `step`; what Raft wants done comes back as data
 * (`msgs`, `readStates`, `changes`) for the member to act on. Durable state lives in `storage`
 * and is written before any message that depends on it is handed out, so "persist before send"
 * holds by construction.
 */

/**
 * The leader's view of one peer (etcd-io/raft tracker/progress.go). `probe`: one append in flight
 * until the peer answers; `replicate`: send optimistically; `snapshot`: the peer's next entry was
 * compacted, a snapshot is on its way and appends are paused until the peer acknowledges it.
 */
type ProgressState = 'probe' | 'replicate' | 'snapshot';

interface Progress {
  /** Highest index known to be replicated on the peer. */
  match: number;
  /** Next index to send. */
  next: number;
  state: ProgressState;
  /** Index of the snapshot in flight while `state` is `snapshot` (0 otherwise). */
  pendingSnapshot: number;
  /** Leader ticks since that snapshot was sent. */
  snapshotTicks: number;
  /** Heard from since the last CheckQuorum round. */
  recentActive: boolean;
}

interface PendingRead {
  context: string;
  index: number;
  acks: Set<string>;
}

/** What changed during the last steps, for the member's trace (drained by the member). */
export interface RaftChanges {
  role: boolean;
  /** Lowest log index that was written (appended or overwritten), or null. */
  logFrom: number | null;
  commit: boolean;
  /**
   * A snapshot this member restored from (etcd's Ready.Snapshot): its log is now empty after the
   * snapshot's index, its commit index that index, and the application must load the snapshot's
   * data before applying anything after it.
   */
  snapshot: Snapshot | null;
  /**
   * Votes this member granted to another candidate (a pre-vote carries the term the candidate
   * would campaign in), in order: for the trace, so checkers can see each term's vote. A
   * candidate's vote for itself is not listed: its `raft.role` (candidate of the term) says it.
   */
  votes: GrantedVote[];
}

export interface GrantedVote {
  candidate: string;
  term: number;
  preVote: boolean;
}

/** etcd's rules: what every run uses unless a test replaces some (RaftConfig.variant). */
export const ETCD_RULES: RaftRules = {
  candidateLogUpToDate: isUpToDate,
  mayCommitByCounting: (s, index) => termAt(s, index) === s.term,
  emptyEntryOnElection: true,
  holdsPreviousEntry: matchTerm,
  recover: () => {},
  leaderKeepsLeading: (activePeers, q) => activePeers >= q,
  readConfirmed: (acks, q) => acks >= q,
};

export interface Raft {
  readonly config: RaftConfig;
  readonly storage: RaftStorage;
  readonly rules: RaftRules;
  role: RaftRole;
  /** The leader this member follows in the current term, if known. */
  lead: string | null;
  electionElapsed: number;
  heartbeatElapsed: number;
  randomizedElectionTimeout: number;
  votes: Map<string, boolean>;
  progress: Map<string, Progress>;
  pendingReads: PendingRead[];
  /** ReadIndex requests received before this leader committed an entry of its own term. */
  readsAwaitingTermCommit: string[];
  msgs: RaftMessage[];
  readStates: ReadState[];
  changes: RaftChanges;
}

export function newRaft(config: RaftConfig, storage: RaftStorage): Raft {
  if (!config.voters.includes(config.id)) throw new Error(`raft: ${config.id} is not among the voters`);
  if (config.electionTick <= config.heartbeatTick) throw new Error('raft: electionTick must exceed heartbeatTick');
  const rules = config.variant ? { ...ETCD_RULES, ...config.variant } : ETCD_RULES;
  rules.recover(storage);
  const r: Raft = {
    config,
    storage,
    rules,
    role: 'follower',
    lead: null,
    electionElapsed: 0,
    heartbeatElapsed: 0,
    randomizedElectionTimeout: config.electionTick,
    votes: new Map(),
    progress: new Map(),
    pendingReads: [],
    readsAwaitingTermCommit: [],
    msgs: [],
    readStates: [],
    changes: { role: true, logFrom: null, commit: false, snapshot: null, votes: [] },
  };
  becomeFollower(r, storage.term, null);
  return r;
}

export function quorum(r: Raft): number {
  return (r.config.voters.length >> 1) + 1;
}

export function takeChanges(r: Raft): RaftChanges {
  const changes = r.changes;
  r.changes = { role: false, logFrom: null, commit: false, snapshot: null, votes: [] };
  return changes;
}

// ---------------------------------------------------------------------------------------------
// Roles

function reset(r: Raft, term: number): void {
  if (r.storage.term !== term) {
    r.storage.term = term;
    r.storage.vote = null;
  }
  r.lead = null;
  r.electionElapsed = 0;
  r.heartbeatElapsed = 0;
  r.randomizedElectionTimeout = r.config.electionTick + r.config.randomInt(r.config.electionTick);
  r.votes = new Map();
  r.pendingReads = [];
  r.readsAwaitingTermCommit = [];
  r.changes.role = true;
}

export function becomeFollower(r: Raft, term: number, lead: string | null): void {
  reset(r, term);
  r.role = 'follower';
  r.lead = lead;
}

function becomePreCandidate(r: Raft): void {
  if (r.role === 'leader') throw new Error('raft: leader cannot become pre-candidate');
  // A pre-candidate keeps its term and vote: a pre-vote must never disturb anyone's term.
  r.role = 'pre-candidate';
  r.votes = new Map();
  r.lead = null;
  r.changes.role = true;
}

function becomeCandidate(r: Raft): void {
  if (r.role === 'leader') throw new Error('raft: leader cannot become candidate');
  reset(r, r.storage.term + 1);
  r.storage.vote = r.config.id;
  r.role = 'candidate';
}

function becomeLeader(r: Raft): void {
  if (r.role === 'follower') throw new Error('raft: follower cannot become leader directly');
  reset(r, r.storage.term);
  r.role = 'leader';
  r.lead = r.config.id;
  const next = lastIndex(r.storage) + 1;
  for (const peer of r.config.voters) {
    r.progress.set(peer, { match: 0, next, state: 'probe', pendingSnapshot: 0, snapshotTicks: 0, recentActive: peer === r.config.id });
  }
  // The empty entry lets the new leader commit, and so learn the commit index, in its own term.
  if (r.rules.emptyEntryOnElection) appendEntry(r, '', null);
}

// ---------------------------------------------------------------------------------------------
// Time

export function tick(r: Raft): void {
  if (r.role === 'leader') tickHeartbeat(r);
  else tickElection(r);
}

function tickElection(r: Raft): void {
  r.electionElapsed++;
  if (r.electionElapsed >= r.randomizedElectionTimeout) {
    r.electionElapsed = 0;
    hup(r);
  }
}

function tickHeartbeat(r: Raft): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  expireSnapshots(r);
  if (r.electionElapsed >= r.config.electionTick) {
    r.electionElapsed = 0;
    if (r.config.checkQuorum && !r.rules.leaderKeepsLeading(activePeers(r), quorum(r))) {
      // "stepped down to follower since quorum is not active"
      becomeFollower(r, r.storage.term, null);
      return;
    }
  }
  if (r.heartbeatElapsed >= r.config.heartbeatTick) {
    r.heartbeatElapsed = 0;
    // etcd-io/raft's bcastHeartbeat: the last pending read's context rides along, so a read whose
    // own heartbeats or answers were lost is confirmed by the next round of heartbeats.
    broadcastHeartbeat(r, r.pendingReads[r.pendingReads.length - 1]?.context ?? null);
  }
}

/**
 * etcd's transport reports a snapshot it failed to send (ReportSnapshot(SnapshotFailure)), and
 * the leader then probes the peer again. The simulated network reports nothing, so a snapshot not
 * acknowledged within an election timeout counts as failed: lost on the way, or not restored.
 */
function expireSnapshots(r: Raft): void {
  for (const pr of r.progress.values()) {
    if (pr.state !== 'snapshot') continue;
    if (++pr.snapshotTicks < r.config.electionTick) continue;
    becomeProbe(pr);
  }
}

function becomeProbe(pr: Progress): void {
  // From a snapshot, probe right after it: whatever the peer holds, it held that much if it restored.
  if (pr.state === 'snapshot') pr.next = Math.max(pr.match + 1, pr.pendingSnapshot + 1);
  pr.state = 'probe';
  pr.pendingSnapshot = 0;
  pr.snapshotTicks = 0;
}

/** Counts the voters heard from since the last round (itself included), then starts a new round. */
function activePeers(r: Raft): number {
  let active = 0;
  for (const [peer, pr] of r.progress) {
    if (peer === r.config.id || pr.recentActive) active++;
    if (peer !== r.config.id) pr.recentActive = false;
  }
  return active;
}

// ---------------------------------------------------------------------------------------------
// Elections

/** Starts an election now (MsgHup), with a pre-vote round first when PreVote is on. */
export function hup(r: Raft): void {
  if (r.role === 'leader') return;
  campaign(r, r.config.preVote ? 'pre' : 'real');
}

function campaign(r: Raft, kind: 'pre' | 'real'): void {
  let voteTerm: number;
  if (kind === 'pre') {
    becomePreCandidate(r);
    voteTerm = r.storage.term + 1;
  } else {
    becomeCandidate(r);
    voteTerm = r.storage.term;
  }
  if (recordVote(r, r.config.id, true) === 'won') {
    if (kind === 'pre') campaign(r, 'real');
    else becomeLeader(r);
    return;
  }
  const type = kind === 'pre' ? 'MsgPreVote' : 'MsgVote';
  for (const peer of r.config.voters) {
    if (peer === r.config.id) continue;
    send(r, { type, from: r.config.id, to: peer, term: voteTerm, index: lastIndex(r.storage), logTerm: lastTerm(r.storage) });
  }
}

function recordVote(r: Raft, from: string, granted: boolean): 'won' | 'lost' | 'pending' {
  if (!r.votes.has(from)) r.votes.set(from, granted);
  let yes = 0;
  let no = 0;
  for (const v of r.votes.values()) v ? yes++ : no++;
  const q = quorum(r);
  if (yes >= q) return 'won';
  if (no > r.config.voters.length - q) return 'lost';
  return 'pending';
}

// ---------------------------------------------------------------------------------------------
// Messages

export function step(r: Raft, m: RaftMessage): void {
  const term = r.storage.term;
  if (m.term > term) {
    const isVoteRequest = m.type === 'MsgVote' || m.type === 'MsgPreVote';
    if (isVoteRequest) {
      // Leader stickiness: while we hear from a live leader, a higher-term vote request is a
      // disruptive rejoining node, not a real election.
      const inLease = r.config.checkQuorum && r.lead !== null && r.electionElapsed < r.config.electionTick;
      if (inLease) return;
    }
    if (m.type === 'MsgPreVote') {
      // Never change term on a pre-vote request.
    } else if (m.type === 'MsgPreVoteResp' && !m.reject) {
      // A granted pre-vote carries the future term; we adopt it only if we win.
    } else if (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap') {
      becomeFollower(r, m.term, m.from);
    } else {
      becomeFollower(r, m.term, null);
    }
  } else if (m.term < term) {
    if ((r.config.checkQuorum || r.config.preVote) && (m.type === 'MsgHeartbeat' || m.type === 'MsgApp' || m.type === 'MsgSnap')) {
      // A stale leader cut off by a partition: tell it our term so it steps down.
      send(r, { type: 'MsgAppResp', from: r.config.id, to: m.from, term, index: 0, reject: false, rejectHint: 0 });
    } else if (m.type === 'MsgPreVote') {
      send(r, { type: 'MsgPreVoteResp', from: r.config.id, to: m.from, term, reject: true });
    }
    return;
  }

  if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
    handleVoteRequest(r, m);
    return;
  }
  switch (r.role) {
    case 'leader':
      stepLeader(r, m);
      return;
    case 'candidate':
    case 'pre-candidate':
      stepCandidate(r, m);
      return;
    case 'follower':
      stepFollower(r, m);
      return;
  }
}

function handleVoteRequest(r: Raft, m: Extract<RaftMessage, { type: 'MsgVote' | 'MsgPreVote' }>): void {
  const s = r.storage;
  const canVote =
    s.vote === m.from ||
    (s.vote === null && r.lead === null) ||
    (m.type === 'MsgPreVote' && m.term > s.term);
  const respType = m.type === 'MsgVote' ? 'MsgVoteResp' : 'MsgPreVoteResp';
  if (canVote && r.rules.candidateLogUpToDate(s, m.index, m.logTerm)) {
    // A vote response carries the request's term: for a pre-vote that is the future term.
    send(r, { type: respType, from: r.config.id, to: m.from, term: m.term, reject: false });
    if (m.type === 'MsgVote') {
      r.electionElapsed = 0;
      // A repeated grant to the same candidate (a retried request) is not a new vote.
      if (s.vote !== m.from) r.changes.votes.push({ candidate: m.from, term: m.term, preVote: false });
      s.vote = m.from;
    } else {
      r.changes.votes.push({ candidate: m.from, term: m.term, preVote: true });
    }
  } else {
    send(r, { type: respType, from: r.config.id, to: m.from, term: s.term, reject: true });
  }
}

function stepLeader(r: Raft, m: RaftMessage): void {
  const pr = r.progress.get(m.from);
  if (!pr) return;
  switch (m.type) {
    case 'MsgAppResp': {
      pr.recentActive = true;
      if (m.reject) {
        // A rejection sent before the snapshot arrived says nothing about the peer after it.
        if (pr.state === 'snapshot') return;
        pr.next = Math.max(1, Math.min(m.index, m.rejectHint + 1));
        pr.state = 'probe';
        sendAppend(r, m.from);
        return;
      }
      if (m.index > pr.match) {
        pr.match = m.index;
        if (pr.state === 'snapshot') {
          // The peer restored the snapshot (or caught up otherwise): resume appends once what it
          // needs next is still in our log.
          if (pr.match + 1 < firstIndex(r.storage)) return;
          becomeProbe(pr);
        }
        pr.state = 'replicate';
        if (pr.next <= pr.match) pr.next = pr.match + 1;
        if (maybeCommit(r)) broadcastAppend(r);
        else if (pr.match < lastIndex(r.storage)) sendAppend(r, m.from);
      }
      return;
    }
    case 'MsgHeartbeatResp': {
      pr.recentActive = true;
      if (pr.match < lastIndex(r.storage) && pr.state !== 'snapshot') {
        // The peer may have lost an append: resend from what it is known to hold.
        pr.next = pr.match + 1;
        pr.state = 'probe';
        sendAppend(r, m.from);
      }
      if (m.context !== null) ackRead(r, m.from, m.context);
      return;
    }
    default:
      return;
  }
}

function stepCandidate(r: Raft, m: RaftMessage): void {
  switch (m.type) {
    case 'MsgApp':
      becomeFollower(r, m.term, m.from);
      handleAppend(r, m);
      return;
    case 'MsgHeartbeat':
      becomeFollower(r, m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case 'MsgSnap':
      becomeFollower(r, m.term, m.from);
      handleSnapshot(r, m);
      return;
    case 'MsgVoteResp':
    case 'MsgPreVoteResp': {
      const expected = r.role === 'pre-candidate' ? 'MsgPreVoteResp' : 'MsgVoteResp';
      if (m.type !== expected) return;
      const outcome = recordVote(r, m.from, !m.reject);
      if (outcome === 'won') {
        if (r.role === 'pre-candidate') campaign(r, 'real');
        else {
          becomeLeader(r);
          broadcastAppend(r);
        }
      } else if (outcome === 'lost') {
        becomeFollower(r, r.storage.term, null);
      }
      return;
    }
    default:
      return;
  }
}

function stepFollower(r: Raft, m: RaftMessage): void {
  switch (m.type) {
    case 'MsgApp':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppend(r, m);
      return;
    case 'MsgHeartbeat':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return;
    case 'MsgSnap':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return;
    default:
      return;
  }
}

/** handleAppend's answer (a module function: a closure per MsgApp cost a name definition under tsx). */
function replyAppend(r: Raft, m: Extract<RaftMessage, { type: 'MsgApp' }>, index: number, reject: boolean, rejectHint = 0): void {
  send(r, { type: 'MsgAppResp', from: r.config.id, to: m.from, term: r.storage.term, index, reject, rejectHint });
}

function handleAppend(r: Raft, m: Extract<RaftMessage, { type: 'MsgApp' }>): void {
  const s = r.storage;
  if (m.index < s.commit) {
    replyAppend(r, m, s.commit, false);
    return;
  }
  if (!r.rules.holdsPreviousEntry(s, m.index, m.logTerm)) {
    replyAppend(r, m, m.index, true, Math.min(m.index - 1, lastIndex(s)));
    return;
  }
  const changedFrom = appendFromLeader(s, m.entries);
  if (changedFrom !== null) noteLogChange(r, changedFrom);
  const lastNew = m.index + m.entries.length;
  commitTo(r, Math.min(m.commit, lastNew));
  replyAppend(r, m, lastNew, false);
}

/**
 * raft.go handleSnapshot: restores from the leader's snapshot unless we already committed that
 * far, and answers with the index we now hold, which lets the leader resume appends after it.
 */
function handleSnapshot(r: Raft, m: Extract<RaftMessage, { type: 'MsgSnap' }>): void {
  const s = r.storage;
  const index = restore(r, m.snapshot) ? lastIndex(s) : s.commit;
  send(r, { type: 'MsgAppResp', from: r.config.id, to: m.from, term: s.term, index, reject: false, rejectHint: 0 });
}

/**
 * raft.go restore: a snapshot at or below our commit index is stale. One whose last entry we hold
 * (same index and term) only moves our commit index: by Log Matching our log already has its
 * prefix. Otherwise the log is replaced by the snapshot: nothing after its index, commit = index.
 */
function restore(r: Raft, snapshot: Snapshot): boolean {
  const s = r.storage;
  if (snapshot.index <= s.commit) return false;
  if (matchTerm(s, snapshot.index, snapshot.term)) {
    commitTo(r, snapshot.index);
    return false;
  }
  s.entries = [];
  s.compactedIndex = snapshot.index;
  s.compactedTerm = snapshot.term;
  s.commit = snapshot.index;
  s.snapshot = snapshot;
  r.changes.snapshot = snapshot;
  // Nothing above the snapshot is in the log any more: a later append re-reports from there.
  r.changes.logFrom = null;
  return true;
}

function handleHeartbeat(r: Raft, m: Extract<RaftMessage, { type: 'MsgHeartbeat' }>): void {
  // The leader sends min(match, commit), so this never commits past what we hold.
  commitTo(r, Math.min(m.commit, lastIndex(r.storage)));
  send(r, { type: 'MsgHeartbeatResp', from: r.config.id, to: m.from, term: r.storage.term, context: m.context });
}

// ---------------------------------------------------------------------------------------------
// Replication and commitment

/** Leader only: appends a client's payload; returns its index, or null when not leader. */
export function propose(r: Raft, id: string, data: unknown): number | null {
  if (r.role !== 'leader') return null;
  const index = appendEntry(r, id, data);
  broadcastAppend(r);
  return index;
}

function appendEntry(r: Raft, id: string, data: unknown): number {
  const s = r.storage;
  const index = lastIndex(s) + 1;
  const newEntry = r.config.newEntry;
  const entry: Entry = newEntry ? newEntry(index, s.term, id, data) : { index, term: s.term, id, data };
  s.entries.push(entry);
  noteLogChange(r, entry.index);
  const self = r.progress.get(r.config.id)!;
  self.match = entry.index;
  self.next = entry.index + 1;
  // A single voter is its own quorum: nobody will ack, so count now.
  if (r.config.voters.length === 1) maybeCommit(r);
  return entry.index;
}

/** §5.4.2: commit the quorum's match index, but only if that entry is of the current term. */
function maybeCommit(r: Raft): boolean {
  const matches = [...r.progress.values()].map((p) => p.match).sort((a, b) => b - a);
  const candidate = matches[quorum(r) - 1] ?? 0;
  if (candidate > r.storage.commit && r.rules.mayCommitByCounting(r.storage, candidate)) {
    commitTo(r, candidate);
    return true;
  }
  return false;
}

function commitTo(r: Raft, index: number): void {
  if (index <= r.storage.commit) return;
  r.storage.commit = index;
  r.changes.commit = true;
  if (r.role === 'leader' && r.readsAwaitingTermCommit.length > 0 && committedInCurrentTerm(r)) {
    const waiting = r.readsAwaitingTermCommit;
    r.readsAwaitingTermCommit = [];
    for (const context of waiting) readIndex(r, context);
  }
}

function committedInCurrentTerm(r: Raft): boolean {
  return termAt(r.storage, r.storage.commit) === r.storage.term;
}

function broadcastAppend(r: Raft): void {
  for (const peer of r.config.voters) if (peer !== r.config.id) sendAppend(r, peer);
}

function sendAppend(r: Raft, to: string): void {
  const pr = r.progress.get(to)!;
  if (pr.state === 'snapshot') return;
  const s = r.storage;
  const prevIndex = pr.next - 1;
  const prevTerm = termAt(s, prevIndex);
  if (prevTerm < 0 || pr.next < firstIndex(s)) {
    sendSnapshot(r, to, pr);
    return;
  }
  const entries = slice(s, pr.next, r.config.maxEntriesPerMsg);
  send(r, { type: 'MsgApp', from: r.config.id, to, term: s.term, index: prevIndex, logTerm: prevTerm, entries, commit: s.commit });
  if (pr.state === 'replicate' && entries.length > 0) pr.next = entries[entries.length - 1]!.index + 1;
}

/**
 * raft.go maybeSendSnapshot: the peer needs entries we compacted, so it gets our snapshot instead
 * and appends pause until it answers (progress state Snapshot). As in etcd, only to a peer heard
 * from recently: a snapshot is large, and a peer that is down would only drop it.
 */
function sendSnapshot(r: Raft, to: string, pr: Progress): void {
  if (!pr.recentActive) return;
  const snapshot = r.storage.snapshot;
  if (snapshot === null) throw new Error(`raft: ${to} needs compacted entries from ${pr.next} but there is no snapshot`);
  pr.state = 'snapshot';
  pr.pendingSnapshot = snapshot.index;
  pr.snapshotTicks = 0;
  send(r, { type: 'MsgSnap', from: r.config.id, to, term: r.storage.term, snapshot });
}

function broadcastHeartbeat(r: Raft, context: string | null): void {
  for (const [peer, pr] of r.progress) {
    if (peer === r.config.id) continue;
    const commit = Math.min(pr.match, r.storage.commit);
    send(r, { type: 'MsgHeartbeat', from: r.config.id, to: peer, term: r.storage.term, commit, context });
  }
}

// ---------------------------------------------------------------------------------------------
// Linearizable reads (ReadIndex, ReadOnlySafe)

/**
 * Leader only: asks the quorum to confirm leadership, then reports the commit index as of now in
 * `readStates`. Until the leader has committed an entry of its own term its commit index may be
 * stale, so the request waits. Returns false when not leader (the caller redirects the client).
 */
export function readIndex(r: Raft, context: string): boolean {
  if (r.role !== 'leader') return false;
  if (!committedInCurrentTerm(r)) {
    r.readsAwaitingTermCommit.push(context);
    return true;
  }
  if (r.config.voters.length === 1) {
    r.readStates.push({ context, index: r.storage.commit });
    return true;
  }
  r.pendingReads.push({ context, index: r.storage.commit, acks: new Set([r.config.id]) });
  broadcastHeartbeat(r, context);
  // The leader's own acknowledgement: never a quorum of several voters under etcd's rule.
  ackRead(r, r.config.id, context);
  return true;
}

function ackRead(r: Raft, from: string, context: string): void {
  const at = r.pendingReads.findIndex((p) => p.context === context);
  if (at < 0) return;
  const pending = r.pendingReads[at]!;
  pending.acks.add(from);
  if (!r.rules.readConfirmed(pending.acks.size, quorum(r))) return;
  // A quorum confirmed leadership at this point, which also confirms every earlier request.
  const released = r.pendingReads.splice(0, at + 1);
  for (const p of released) r.readStates.push({ context: p.context, index: p.index });
}

// ---------------------------------------------------------------------------------------------

function send(r: Raft, m: RaftMessage): void {
  r.msgs.push(m);
}

function noteLogChange(r: Raft, fromIndex: number): void {
  const c = r.changes;
  if (c.logFrom === null || fromIndex < c.logFrom) c.logFrom = fromIndex;
}
