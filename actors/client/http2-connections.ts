/**
 * A client's HTTP/2 connections to apiserver processes and their health check, as
 * golang.org/x/net/http2's Transport runs it with the ReadIdleTimeout (30 s) and PingTimeout
 * (15 s) that k8s.io/client-go/transport sets: one timer per connection, reset by every frame
 * read on the connection (any stream: watch events, responses, PING answers); when it fires a
 * PING goes out, and a PING unanswered within PingTimeout closes the connection — every stream
 * on it fails at once (`closeForLostPing`).
 *
 * A connection is to one apiserver process: its host and incarnation. A client reaches several
 * apiservers through the VIP (it spreads requests, so a client has one connection per backend it
 * has streams on), and a restarted apiserver is a new process, whose traffic keeps none of the
 * old connections alive. Only connections that carry watches are tracked: a request has its own
 * timeout, shorter than the check.
 *
 * Pure bookkeeping: the caller owns the timer (one per connection, `checkTimerId`) and sends the
 * PINGs. As in Go (`t.Reset(readIdleTimeout)` after every frame read) a read restarts the timer:
 * re-arming it per read costs no kernel event (a cancelled timer never fires), where letting it
 * fire and re-arm from the last read cost one event per connection per 30 s (measured at 400
 * nodes: 1.4% more events for the same CPU time).
 */

export interface Http2Timing {
  /** ReadIdleTimeout: a PING after this long without reading a frame. */
  readIdleTimeoutMs: number;
  /** PingTimeout: the connection is dead when a PING is unanswered this long. */
  pingTimeoutMs: number;
}

export interface Http2Connection {
  readonly apiserver: string;
  readonly incarnation: number;
  /** checkTimerId(apiserver, incarnation), made once: a read re-arms the check. */
  readonly timerId: string;
  /** The watches (request ids) on the connection, in the order they joined it. */
  readonly streams: Set<number>;
  lastReadMs: number;
  /** When the unanswered PING went out, or null. */
  pingSentAtMs: number | null;
}

/** Connections by apiserver host; more than one only while a restarted process's old one lingers. */
export type ConnectionTable = Map<string, Http2Connection[]>;

export function newConnectionTable(): ConnectionTable {
  return new Map();
}

export function findConnection(table: ConnectionTable, apiserver: string, incarnation: number): Http2Connection | undefined {
  const list = table.get(apiserver);
  if (!list) return undefined;
  for (const conn of list) if (conn.incarnation === incarnation) return conn;
  return undefined;
}

/** The timer of one connection's health check (unique per client). */
export function checkTimerId(apiserver: string, incarnation: number): string {
  return `api-conn-${apiserver}#${incarnation}`;
}

/**
 * A watch's first frame names its connection: the stream joins it, opening it if it is new.
 * `opened` says the caller must arm the connection's check, ReadIdleTimeout from now.
 */
export function joinConnection(table: ConnectionTable, apiserver: string, incarnation: number, reqId: number, nowMs: number): { conn: Http2Connection; opened: boolean } {
  let conn = findConnection(table, apiserver, incarnation);
  const opened = conn === undefined;
  if (!conn) {
    conn = { apiserver, incarnation, timerId: checkTimerId(apiserver, incarnation), streams: new Set(), lastReadMs: nowMs, pingSentAtMs: null };
    const list = table.get(apiserver);
    if (list) list.push(conn);
    else table.set(apiserver, [conn]);
  } else {
    conn.lastReadMs = nowMs;
  }
  conn.streams.add(reqId);
  return { conn, opened };
}

/**
 * A stream left its connection. A connection without streams is forgotten (`closed`: the caller
 * cancels its check): kubesim tracks connections only for their watches.
 */
export function leaveConnection(table: ConnectionTable, conn: Http2Connection, reqId: number): { closed: boolean } {
  conn.streams.delete(reqId);
  if (conn.streams.size > 0) return { closed: false };
  forget(table, conn);
  return { closed: true };
}

/** The connection is closed (a lost PING, a reset): forgotten; its streams are the caller's to fail. */
export function closeConnection(table: ConnectionTable, conn: Http2Connection): number[] {
  forget(table, conn);
  return [...conn.streams];
}

function forget(table: ConnectionTable, conn: Http2Connection): void {
  const list = table.get(conn.apiserver);
  if (!list) return;
  const i = list.indexOf(conn);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) table.delete(conn.apiserver);
}

/**
 * A frame was read from `apiserver`'s process `incarnation`: that connection, if tracked, is not
 * idle. Returns it when its check must restart ReadIdleTimeout from now (no PING is out; an
 * outstanding PING's timeout stands, only its answer counts).
 */
export function noteRead(table: ConnectionTable, apiserver: string, incarnation: number, nowMs: number): Http2Connection | undefined {
  if (table.size === 0) return undefined;
  const conn = findConnection(table, apiserver, incarnation);
  return conn ? readOn(conn, nowMs) : undefined;
}

/** A frame was read on `conn` (see noteRead). */
export function readOn(conn: Http2Connection, nowMs: number): Http2Connection | undefined {
  conn.lastReadMs = nowMs;
  return conn.pingSentAtMs === null ? conn : undefined;
}

export type CheckVerdict =
  /** Not idle long enough, or the PING's answer still has time: check again then. */
  | { kind: 'wait'; nextCheckAtMs: number }
  /** Idle for ReadIdleTimeout: send a PING now (recorded), check again when its time is up. */
  | { kind: 'ping'; nextCheckAtMs: number }
  /** The PING went unanswered for PingTimeout: the connection is dead. */
  | { kind: 'lost' };

/** The connection's check timer fired at `nowMs`. */
export function checkConnection(conn: Http2Connection, nowMs: number, timing: Http2Timing): CheckVerdict {
  if (conn.pingSentAtMs !== null) {
    const deadlineMs = conn.pingSentAtMs + timing.pingTimeoutMs;
    return nowMs >= deadlineMs ? { kind: 'lost' } : { kind: 'wait', nextCheckAtMs: deadlineMs };
  }
  const idleAtMs = conn.lastReadMs + timing.readIdleTimeoutMs;
  if (nowMs < idleAtMs) return { kind: 'wait', nextCheckAtMs: idleAtMs };
  conn.pingSentAtMs = nowMs;
  return { kind: 'ping', nextCheckAtMs: nowMs + timing.pingTimeoutMs };
}

/**
 * The PING was answered (a frame read, too): the connection is alive, the next check is
 * ReadIdleTimeout from now. False when no PING was out (a duplicate answer): nothing changes.
 */
export function answerPing(conn: Http2Connection, nowMs: number): boolean {
  if (conn.pingSentAtMs === null) return false;
  conn.pingSentAtMs = null;
  conn.lastReadMs = nowMs;
  return true;
}
