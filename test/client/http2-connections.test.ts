/**
 * The pure connection bookkeeping under the API client's health check: connections keyed by
 * apiserver process (host and incarnation), reads that only record their time, a check that
 * decides wait / ping / lost from the clock, as golang.org/x/net/http2 with ReadIdleTimeout and
 * PingTimeout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerPing, checkConnection, closeConnection, findConnection, joinConnection, leaveConnection, newConnectionTable, noteRead } from '../../actors/client/http2-connections.ts';

const TIMING = { readIdleTimeoutMs: 30_000, pingTimeoutMs: 15_000 };

describe('HTTP/2 connections: bookkeeping', () => {
  it('streams of one process share a connection; another incarnation of the same host is another connection', () => {
    const table = newConnectionTable();
    assert.equal(joinConnection(table, 'a0', 1, 10, 0).opened, true);
    assert.equal(joinConnection(table, 'a0', 1, 11, 5).opened, false);
    assert.equal(joinConnection(table, 'a0', 2, 12, 6).opened, true);
    assert.deepEqual([...findConnection(table, 'a0', 1)!.streams], [10, 11]);
    assert.deepEqual([...findConnection(table, 'a0', 2)!.streams], [12]);
    assert.equal(findConnection(table, 'a1', 1), undefined);
  });

  it('a read moves only its own connection\'s clock', () => {
    const table = newConnectionTable();
    joinConnection(table, 'a0', 1, 10, 0);
    joinConnection(table, 'a0', 2, 11, 0);
    noteRead(table, 'a0', 2, 20_000);
    noteRead(table, 'a9', 1, 20_000);
    assert.deepEqual([findConnection(table, 'a0', 1)!.lastReadMs, findConnection(table, 'a0', 2)!.lastReadMs], [0, 20_000]);
  });

  it('the check: wait until 30 s after the last read, then one PING, then lost 15 s later unless answered', () => {
    const table = newConnectionTable();
    const { conn } = joinConnection(table, 'a0', 1, 10, 0);
    noteRead(table, 'a0', 1, 10_000);
    assert.deepEqual(checkConnection(conn, 30_000, TIMING), { kind: 'wait', nextCheckAtMs: 40_000 });
    assert.deepEqual(checkConnection(conn, 40_000, TIMING), { kind: 'ping', nextCheckAtMs: 55_000 });
    noteRead(table, 'a0', 1, 50_000); // another frame is not the PING's answer
    assert.deepEqual(checkConnection(conn, 54_999, TIMING), { kind: 'wait', nextCheckAtMs: 55_000 });
    assert.deepEqual(checkConnection(conn, 55_000, TIMING), { kind: 'lost' });
  });

  it('an answered PING: the next check is 30 s after the answer; a second answer is a duplicate', () => {
    const table = newConnectionTable();
    const { conn } = joinConnection(table, 'a0', 1, 10, 0);
    checkConnection(conn, 30_000, TIMING);
    assert.equal(answerPing(conn, 30_004), true);
    assert.equal(answerPing(conn, 30_005), false);
    assert.deepEqual(checkConnection(conn, 45_000, TIMING), { kind: 'wait', nextCheckAtMs: 60_004 });
  });

  it('the last stream to leave closes the connection; closing hands back every stream', () => {
    const table = newConnectionTable();
    const { conn } = joinConnection(table, 'a0', 1, 10, 0);
    joinConnection(table, 'a0', 1, 11, 0);
    assert.equal(leaveConnection(table, conn, 10).closed, false);
    assert.equal(leaveConnection(table, conn, 11).closed, true);
    assert.equal(table.size, 0);
    const other = joinConnection(table, 'a1', 3, 20, 0).conn;
    joinConnection(table, 'a1', 3, 21, 0);
    assert.deepEqual(closeConnection(table, other), [20, 21]);
    assert.equal(findConnection(table, 'a1', 3), undefined);
  });
});
