import { applyCommand, createStore, range, type MvccCommand, type MvccStore } from './mvcc.ts';
import { ERR_NO_LEADER, ERR_NOT_LEADER, entryId, type ClientRequest, type ClientResponse } from './protocol.ts';
import { newRaft, propose, readIndex, step, takeChanges, tick, type Raft } from './raft/raft.ts';
import type { RaftConfig, RaftMessage, RaftStorage } from './raft/types.ts';

/**
 * An etcd member's server logic around its Raft core: answers clients, applies committed entries
 * to the MVCC store, serves reads. Deterministic and I/O-free: every call returns the messages to
 * send and the trace lines to record; the member machine hands them to the kernel.
 */

/** What survives a crash: Raft's hard state and log, and the bbolt-like backend with its applied index. */
export interface EtcdDisk {
  raft: RaftStorage;
  store: MvccStore;
  applied: number;
  /** Entry ids already applied: a duplicated request must not write twice. */
  appliedIds: Set<string>;
}

export function newDisk(): EtcdDisk {
  return { raft: { term: 0, vote: null, commit: 0, entries: [] }, store: createStore(), applied: 0, appliedIds: new Set() };
}

export interface Outbound {
  to: string;
  msg: RaftMessage | ClientResponse;
}

export interface TraceLine {
  kind: string;
  fields: Record<string, unknown>;
}

export interface Output {
  sends: Outbound[];
  traces: TraceLine[];
}

interface Waiter {
  client: string;
  reqId: number;
}

interface PendingRead extends Waiter {
  key: string;
  /** Set once the quorum confirmed the read index. */
  index: number | null;
}

export interface MemberState {
  readonly name: string;
  readonly raft: Raft;
  readonly disk: EtcdDisk;
  /** Entry id → who waits for its result (volatile: lost with a crash, as the client's connection). */
  readonly waiting: Map<string, Waiter>;
  readonly reads: Map<string, PendingRead>;
  traced: { role: string; term: number };
}

export function newMember(name: string, config: Omit<RaftConfig, 'id'>, disk: EtcdDisk): MemberState {
  const raft = newRaft({ ...config, id: name }, disk.raft);
  return { name, raft, disk, waiting: new Map(), reads: new Map(), traced: { role: '', term: -1 } };
}

export function onTick(m: MemberState): Output {
  tick(m.raft);
  return flush(m);
}

export function onRaftMessage(m: MemberState, msg: RaftMessage): Output {
  step(m.raft, msg);
  return flush(m);
}

export function onClientRequest(m: MemberState, req: ClientRequest): Output {
  const r = m.raft;
  const { request } = req;
  if (request.op === 'get' && request.consistency === 'serializable') {
    // Served from local state, possibly stale: no Raft round at all.
    const out = emptyOutput();
    respond(out, m, req, { ok: true, ...readLocal(m, request.key) });
    return out;
  }
  if (r.role !== 'leader') {
    const out = emptyOutput();
    respond(out, m, req, { ok: false, error: r.lead === null ? ERR_NO_LEADER : ERR_NOT_LEADER });
    return out;
  }
  const id = entryId(req.from, req.reqId);
  if (request.op === 'get') {
    if (!m.reads.has(id)) {
      m.reads.set(id, { client: req.from, reqId: req.reqId, key: request.key, index: null });
      readIndex(r, id);
    }
    return flush(m);
  }
  // A duplicate of a request already in flight or applied must not be proposed again.
  if (m.waiting.has(id) || m.disk.appliedIds.has(id)) return flush(m);
  const command: MvccCommand = request.op === 'put' ? { op: 'put', key: request.key, value: request.value } : { op: 'delete', key: request.key };
  m.waiting.set(id, { client: req.from, reqId: req.reqId });
  propose(r, id, command);
  return flush(m);
}

function emptyOutput(): Output {
  return { sends: [], traces: [] };
}

function readLocal(m: MemberState, key: string): { value: string | null; revision: number } {
  const result = range(m.disk.store, key);
  if ('error' in result) throw new Error(`etcd: local read failed: ${result.error}`);
  return { value: result.kvs[0]?.value ?? null, revision: result.revision };
}

function respond(out: Output, m: MemberState, to: { from?: string; client?: string; reqId: number }, body: Omit<ClientResponse, 'type' | 'from' | 'reqId' | 'leaderHint'>): void {
  const client = to.client ?? to.from!;
  out.sends.push({ to: client, msg: { type: 'ClientResponse', from: m.name, reqId: to.reqId, leaderHint: m.raft.lead, ...body } });
}

/** Drains what Raft produced: messages, trace lines, committed entries to apply, confirmed reads. */
function flush(m: MemberState): Output {
  const r = m.raft;
  const out = emptyOutput();
  const changes = takeChanges(r);
  const s = r.storage;
  if (changes.role && (m.traced.role !== r.role || m.traced.term !== s.term)) {
    m.traced = { role: r.role, term: s.term };
    out.traces.push({ kind: 'raft.role', fields: { member: m.name, role: r.role, term: s.term } });
    if (r.role !== 'leader') failPendingOnStepDown(m);
  }
  if (changes.logFrom !== null) {
    const entries = s.entries.slice(changes.logFrom - 1).map((e) => [e.term, e.id]);
    out.traces.push({ kind: 'raft.log', fields: { member: m.name, from: changes.logFrom, entries } });
  }
  if (changes.commit) {
    out.traces.push({ kind: 'raft.commit', fields: { member: m.name, index: s.commit, term: s.entries[s.commit - 1]!.term } });
  }
  for (const msg of r.msgs) out.sends.push({ to: msg.to, msg });
  r.msgs = [];
  applyCommitted(m, out);
  for (const rs of r.readStates) {
    const read = m.reads.get(rs.context);
    if (read) read.index = rs.index;
  }
  r.readStates = [];
  answerReads(m, out);
  return out;
}

function applyCommitted(m: MemberState, out: Output): void {
  const disk = m.disk;
  const entries = disk.raft.entries;
  while (disk.applied < disk.raft.commit) {
    const entry = entries[disk.applied]!;
    disk.applied = entry.index;
    if (entry.data === null || disk.appliedIds.has(entry.id)) continue;
    disk.appliedIds.add(entry.id);
    const before = disk.store.revision;
    const result = applyCommand(disk.store, entry.data as MvccCommand);
    const revision = disk.store.revision;
    if (revision !== before) {
      out.traces.push({ kind: 'etcd.apply', fields: { member: m.name, index: entry.index, revision, id: entry.id } });
    }
    const waiter = m.waiting.get(entry.id);
    if (waiter) {
      m.waiting.delete(entry.id);
      const failed = 'error' in result.result ? result.result.error : undefined;
      respond(out, m, waiter, failed ? { ok: false, error: failed } : { ok: true, revision });
    }
  }
}

function answerReads(m: MemberState, out: Output): void {
  if (m.reads.size === 0) return;
  for (const [id, read] of m.reads) {
    if (read.index === null || read.index > m.disk.applied) continue;
    m.reads.delete(id);
    respond(out, m, read, { ok: true, ...readLocal(m, read.key) });
  }
}

/**
 * A deposed leader's pending reads are dropped: a quorum can no longer confirm them, and serving
 * them would risk a stale read. Clients time out. Proposals stay waiting: a new leader may still
 * commit them, and this member will answer when it applies them.
 */
function failPendingOnStepDown(m: MemberState): void {
  m.reads.clear();
}
