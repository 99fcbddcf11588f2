import { ERR_CONNECTION_REFUSED, ERR_TIMEOUT, entryId, type ClientOp, type ClientRequest, type ClientResponse, type ConnectionRefused } from './protocol.ts';

/**
 * An etcd client (clientv3 reduced): it sends each operation to one member, follows the leader
 * hint a member returns, fails over to the next endpoint on a definite refusal, and gives up after
 * the request timeout. Deterministic and I/O-free; the client machine turns its output into
 * emitted messages and delayed events.
 *
 * Outcomes follow etcd's API guarantees: `ok`; `fail` when the operation certainly did not take
 * effect (every attempt was refused, or it is a read); `timeout` when a write may have been
 * proposed and its fate is unknown.
 */

export interface ClientConfig {
  name: string;
  endpoints: readonly string[];
  requestTimeoutMs: number;
  /** Pause before trying the next endpoint after a refusal (clientv3 backs off ~25–100 ms). */
  retryBackoffMs: number;
  /** A read unanswered this long is retried on another member: reads are safe to repeat. */
  readAttemptTimeoutMs: number;
}

export interface Invoke {
  type: 'Invoke';
  reqId: number;
  op: ClientOp;
  /** Restricts this operation to these members (a scenario's `via`). */
  via?: readonly string[];
}

export type ClientTimerEvent =
  | { type: 'Deadline'; reqId: number }
  | { type: 'Retry'; reqId: number }
  | { type: 'ReadAttemptTimeout'; reqId: number; attempt: number };

interface OpState {
  reqId: number;
  op: ClientOp;
  endpoints: readonly string[];
  next: number;
  attempt: number;
  /** Attempts sent and not definitely refused: a write among them may have been proposed. */
  unanswered: number;
  /** The last refusal, reported when every attempt was refused. */
  lastError: string | null;
}

export interface ClientState {
  readonly config: ClientConfig;
  preferred: string | null;
  readonly ops: Map<number, OpState>;
}

export interface ClientOutput {
  sends: { to: string; msg: ClientRequest }[];
  traces: { kind: string; fields: Record<string, unknown> }[];
  timers: { event: ClientTimerEvent; delayMs: number; id: string }[];
  cancels: string[];
}

export function newClient(config: ClientConfig): ClientState {
  if (config.endpoints.length === 0) throw new Error(`etcd client ${config.name} has no endpoints`);
  return { config, preferred: null, ops: new Map() };
}

function emptyOutput(): ClientOutput {
  return { sends: [], traces: [], timers: [], cancels: [] };
}

const deadlineId = (reqId: number): string => `deadline-${reqId}`;

export function invoke(c: ClientState, inv: Invoke): ClientOutput {
  const out = emptyOutput();
  const { op } = inv;
  out.traces.push({
    kind: 'etcd.op',
    fields: {
      client: c.config.name,
      id: inv.reqId,
      op: op.op,
      key: op.key,
      value: op.op === 'put' ? op.value : undefined,
      consistency: op.op === 'get' ? op.consistency : undefined,
      phase: 'invoke',
    },
  });
  const endpoints = inv.via && inv.via.length > 0 ? inv.via : c.config.endpoints;
  const preferredAt = c.preferred === null ? -1 : endpoints.indexOf(c.preferred);
  const state: OpState = { reqId: inv.reqId, op, endpoints, next: Math.max(0, preferredAt), attempt: 0, unanswered: 0, lastError: null };
  c.ops.set(inv.reqId, state);
  out.timers.push({ event: { type: 'Deadline', reqId: inv.reqId }, delayMs: c.config.requestTimeoutMs, id: deadlineId(inv.reqId) });
  sendAttempt(c, state, out);
  return out;
}

function sendAttempt(c: ClientState, state: OpState, out: ClientOutput, to?: string): void {
  const target = to ?? state.endpoints[state.next % state.endpoints.length]!;
  state.attempt++;
  state.unanswered++;
  out.sends.push({
    to: target,
    msg: {
      type: 'ClientRequest',
      from: c.config.name,
      reqId: state.reqId,
      request: state.op,
      refusedReply: { type: 'ConnectionRefused', from: target, reqId: state.reqId },
    },
  });
  if (state.op.op === 'get') {
    out.timers.push({
      event: { type: 'ReadAttemptTimeout', reqId: state.reqId, attempt: state.attempt },
      delayMs: c.config.readAttemptTimeoutMs,
      id: `read-attempt-${state.reqId}-${state.attempt}`,
    });
  }
}

export function onResponse(c: ClientState, res: ClientResponse): ClientOutput {
  const out = emptyOutput();
  const state = c.ops.get(res.reqId);
  if (!state) return out; // a late or duplicated answer to a finished operation
  if (res.ok) {
    c.preferred = res.from;
    complete(c, state, out, 'ok', { revision: res.revision, readValue: state.op.op === 'get' ? res.value : undefined });
    return out;
  }
  state.unanswered = Math.max(0, state.unanswered - 1);
  state.lastError = res.error ?? null;
  const hint = res.leaderHint;
  if (hint !== null && hint !== res.from && state.endpoints.includes(hint)) {
    c.preferred = hint;
    state.next = state.endpoints.indexOf(hint);
    sendAttempt(c, state, out, hint);
  } else {
    rotate(c, state, out);
  }
  return out;
}

export function onConnectionRefused(c: ClientState, refused: ConnectionRefused): ClientOutput {
  const out = emptyOutput();
  const state = c.ops.get(refused.reqId);
  if (!state) return out;
  state.unanswered = Math.max(0, state.unanswered - 1);
  state.lastError = ERR_CONNECTION_REFUSED;
  rotate(c, state, out);
  return out;
}

function rotate(c: ClientState, state: OpState, out: ClientOutput): void {
  state.next = (state.next + 1) % state.endpoints.length;
  c.preferred = state.endpoints[state.next]!;
  out.timers.push({ event: { type: 'Retry', reqId: state.reqId }, delayMs: c.config.retryBackoffMs, id: `retry-${state.reqId}-${state.attempt}` });
}

export function onTimer(c: ClientState, event: ClientTimerEvent): ClientOutput {
  const out = emptyOutput();
  const state = c.ops.get(event.reqId);
  if (!state) return out;
  switch (event.type) {
    case 'Retry':
      sendAttempt(c, state, out);
      break;
    case 'ReadAttemptTimeout':
      if (event.attempt === state.attempt) {
        state.next = (state.next + 1) % state.endpoints.length;
        sendAttempt(c, state, out);
      }
      break;
    case 'Deadline': {
      const mayHaveTakenEffect = state.op.op !== 'get' && state.unanswered > 0;
      const error = mayHaveTakenEffect || state.unanswered > 0 ? ERR_TIMEOUT : (state.lastError ?? ERR_TIMEOUT);
      complete(c, state, out, mayHaveTakenEffect ? 'timeout' : 'fail', { error });
      break;
    }
  }
  return out;
}

function complete(
  c: ClientState,
  state: OpState,
  out: ClientOutput,
  result: 'ok' | 'fail' | 'timeout',
  extra: { revision?: number | undefined; readValue?: string | null | undefined; error?: string },
): void {
  c.ops.delete(state.reqId);
  out.cancels.push(deadlineId(state.reqId));
  out.traces.push({
    kind: 'etcd.op',
    fields: {
      client: c.config.name,
      id: state.reqId,
      entry: state.op.op === 'get' ? undefined : entryId(c.config.name, state.reqId),
      op: state.op.op,
      key: state.op.key,
      value: state.op.op === 'put' ? state.op.value : undefined,
      consistency: state.op.op === 'get' ? state.op.consistency : undefined,
      phase: 'complete',
      result,
      revision: extra.revision,
      readValue: extra.readValue,
      error: extra.error,
      attempts: state.attempt,
    },
  });
}
