/** The pod's stub resolver: the search list walk (ndots 5) and the bounded answer cache. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DnsCache, NEGATIVE_TTL_SECONDS, searchCandidates } from '../../actors/dns/resolver.ts';
import type { DnsAnswer } from '../../actors/traffic/protocol.ts';

const T = { timeout: 20_000 };

const aAnswer = (name: string, ip: string, ttlSeconds = 30): DnsAnswer => ({ rcode: 'NOERROR', answers: [{ name, type: 'A', ttlSeconds, data: ip }] });
const NX: DnsAnswer = { rcode: 'NXDOMAIN', answers: [] };

describe('search candidates', () => {
  it('a bare name walks the pod namespace, svc, the cluster domain, then itself', T, () => {
    assert.deepEqual(searchCandidates('web', 'shop'), ['web.shop.svc.cluster.local', 'web.svc.cluster.local', 'web.cluster.local', 'web']);
  });

  it('web.default (1 dot) is searched first too; the second candidate is the Service', T, () => {
    assert.deepEqual(searchCandidates('web.default', 'shop'), ['web.default.shop.svc.cluster.local', 'web.default.svc.cluster.local', 'web.default.cluster.local', 'web.default']);
  });

  it('the full Service name has 4 dots, fewer than ndots 5: still searched first, itself last', T, () => {
    assert.deepEqual(searchCandidates('web.default.svc.cluster.local', 'default'), [
      'web.default.svc.cluster.local.default.svc.cluster.local',
      'web.default.svc.cluster.local.svc.cluster.local',
      'web.default.svc.cluster.local.cluster.local',
      'web.default.svc.cluster.local',
    ]);
  });

  it('a trailing dot makes it absolute: tried alone', T, () => {
    assert.deepEqual(searchCandidates('web.default.svc.cluster.local.', 'default'), ['web.default.svc.cluster.local']);
  });

  it('at least ndots dots: the name as written first, then the search list', T, () => {
    assert.deepEqual(searchCandidates('a.b.c.d.e.f', 'ns'), ['a.b.c.d.e.f', 'a.b.c.d.e.f.ns.svc.cluster.local', 'a.b.c.d.e.f.svc.cluster.local', 'a.b.c.d.e.f.cluster.local']);
    assert.equal(searchCandidates('web.default.svc.cluster.local', 'default', 4)[0], 'web.default.svc.cluster.local', 'ndots 4: 4 dots are enough');
    assert.equal(searchCandidates('web.default', 'x', 1)[0], 'web.default');
  });
});

describe('DNS cache', () => {
  it('a positive answer lives for its record TTL: good at stored + 29.999 s, gone at stored + 30 s', T, () => {
    const c = new DnsCache();
    c.put('web.default.svc.cluster.local', 'A', aAnswer('web.default.svc.cluster.local', '10.96.0.20'), 1_000);
    const hit = c.get('web.default.svc.cluster.local', 'A', 30_999);
    assert.equal(hit?.answers[0]?.data, '10.96.0.20');
    assert.equal(hit?.answers[0]?.ttlSeconds, 1, 'TTL lowered by the 29 whole seconds spent in the cache');
    assert.equal(c.get('web.default.svc.cluster.local', 'A', 31_000), undefined);
    assert.equal(c.size, 0, 'the expired entry is dropped');
  });

  it('the smallest record TTL of an answer bounds it', T, () => {
    const c = new DnsCache();
    const two: DnsAnswer = { rcode: 'NOERROR', answers: [aAnswer('x', '1.1.1.1', 30).answers[0]!, aAnswer('x', '1.1.1.2', 5).answers[0]!] };
    c.put('x', 'A', two, 0);
    assert.ok(c.get('x', 'A', 4_999));
    assert.equal(c.get('x', 'A', 5_000), undefined);
  });

  it('NXDOMAIN and NODATA live for the negative TTL (30 s); SERVFAIL is not cached', T, () => {
    assert.equal(NEGATIVE_TTL_SECONDS, 30);
    const c = new DnsCache();
    c.put('nope.default.svc.cluster.local', 'A', NX, 0);
    c.put('web.default.svc.cluster.local', 'AAAA', { rcode: 'NOERROR', answers: [] }, 0);
    c.put('web.default.svc.cluster.local', 'A', { rcode: 'SERVFAIL', answers: [] }, 0);
    assert.equal(c.get('nope.default.svc.cluster.local', 'A', 29_999)?.rcode, 'NXDOMAIN');
    assert.equal(c.get('web.default.svc.cluster.local', 'AAAA', 29_999)?.rcode, 'NOERROR');
    assert.equal(c.get('web.default.svc.cluster.local', 'A', 0), undefined);
    assert.equal(c.get('nope.default.svc.cluster.local', 'A', 30_000), undefined);
  });

  it('keyed by name (case and trailing dot ignored) and type', T, () => {
    const c = new DnsCache();
    c.put('Web.Default.svc.cluster.local.', 'A', aAnswer('web.default.svc.cluster.local', '10.96.0.20'), 0);
    assert.ok(c.get('web.default.svc.cluster.local', 'A', 0));
    assert.equal(c.get('web.default.svc.cluster.local', 'AAAA', 0), undefined);
    assert.equal(c.get('web.shop.svc.cluster.local', 'A', 0), undefined);
  });

  it('bounded: past maxEntries the entry stored longest ago goes; storing again makes an entry newest', T, () => {
    const c = new DnsCache(2);
    c.put('a', 'A', aAnswer('a', '1.0.0.1'), 0);
    c.put('b', 'A', aAnswer('b', '1.0.0.2'), 0);
    c.put('c', 'A', aAnswer('c', '1.0.0.3'), 0);
    assert.equal(c.size, 2);
    assert.equal(c.get('a', 'A', 0), undefined);
    assert.ok(c.get('b', 'A', 0) && c.get('c', 'A', 0));
    c.put('b', 'A', aAnswer('b', '1.0.0.2'), 1);
    c.put('d', 'A', aAnswer('d', '1.0.0.4'), 2);
    assert.equal(c.get('c', 'A', 2), undefined, 'c was the oldest once b was stored again');
    assert.ok(c.get('b', 'A', 2) && c.get('d', 'A', 2));
  });
});
