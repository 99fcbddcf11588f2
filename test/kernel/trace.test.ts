/**
 * The trace: canonical JSON lines (keys sorted at every level) and a SHA-256 fingerprint over the
 * lines, each followed by '\n', recomputed here independently with node:crypto.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../actors/kernel/canonical-json.ts';
import { TraceRecorder, type TraceEvent } from '../../actors/kernel/trace.ts';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Records a fixed sequence of events at given virtual times. */
function record(events: [number, string, Record<string, unknown>][]): TraceRecorder {
  let now = 0;
  const rec = new TraceRecorder(() => now, { keepLines: true });
  for (const [t, kind, fields] of events) {
    now = t;
    rec.record(kind, fields);
  }
  return rec;
}

const sample: [number, string, Record<string, unknown>][] = [
  [0, 'raft.role', { member: 'etcd-0', role: 'follower', term: 0 }],
  [1200, 'raft.role', { term: 1, role: 'leader', member: 'etcd-0' }],
  [1205, 'net.drop', { from: 'etcd-0', to: 'etcd-3', type: 'MsgApp', reason: 'partition' }],
  [1300, 'etcd.op', { client: 'app', op: { value: 'v', key: 'k', nested: { z: 1, a: [{ y: 2, b: 1 }] } }, phase: 'invoke' }],
];

describe('canonicalJson', () => {
  it('sorts keys at every level, with no whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('gives the same bytes whatever the insertion order', () => {
    const x = { kind: 'k', t: 5, fields: { p: 1, q: [1, 2], r: { s: 's', t: 't' } } };
    const y = { fields: { r: { t: 't', s: 's' }, q: [1, 2], p: 1 }, t: 5, kind: 'k' };
    assert.equal(canonicalJson(x), canonicalJson(y));
  });

  it('keeps array order, omits undefined fields, writes undefined array items as null', () => {
    assert.equal(canonicalJson({ a: undefined, b: [undefined, 2, 1] }), '{"b":[null,2,1]}');
  });

  it('escapes strings as JSON does and parses back to the same value', () => {
    const v = { 'k"ey': 'line\nbreak "quoted" \u0000 é', n: -0.5, big: 1e21 };
    assert.deepEqual(JSON.parse(canonicalJson(v)), v);
  });

  it('rejects values JSON cannot carry faithfully', () => {
    assert.throws(() => canonicalJson({ x: Number.NaN }));
    assert.throws(() => canonicalJson([Number.POSITIVE_INFINITY]));
    assert.throws(() => canonicalJson({ f: () => 1 }));
    assert.throws(() => canonicalJson({ b: 10n }));
  });
});

describe('TraceRecorder', () => {
  it('records each event as canonical JSON with t, seq and kind', () => {
    const rec = record(sample);
    const lines = rec.getLines();
    assert.equal(lines.length, 4);
    assert.equal(rec.count, 4);
    assert.equal(lines[1], '{"kind":"raft.role","member":"etcd-0","role":"leader","seq":1,"t":1200,"term":1}');
    assert.equal(
      lines[3],
      '{"client":"app","kind":"etcd.op","op":{"key":"k","nested":{"a":[{"b":1,"y":2}],"z":1},"value":"v"},"phase":"invoke","seq":3,"t":1300}',
    );
    for (const line of lines) assert.equal(line, canonicalJson(JSON.parse(line)));
  });

  it('the kernel’s own t, seq and kind win over same-named fields', () => {
    let now = 42;
    const rec = new TraceRecorder(() => now, { keepLines: true });
    const e = rec.record('real', { t: -1, seq: 99, kind: 'fake', x: 1 });
    assert.deepEqual(e, { t: 42, seq: 0, kind: 'real', x: 1 });
    now = 43;
    assert.equal(rec.getLines()[0], '{"kind":"real","seq":0,"t":42,"x":1}');
  });

  it('fingerprint = sha256 of the lines, each followed by a newline', () => {
    const rec = record(sample);
    const expected = sha256(rec.getLines().map((l) => `${l}\n`).join(''));
    assert.equal(rec.fingerprint(), expected);
    assert.match(rec.fingerprint(), /^[0-9a-f]{64}$/);
    assert.equal(rec.fingerprint(), expected, 'stable when asked twice');
  });

  it('an empty trace has the fingerprint of the empty string', () => {
    assert.equal(new TraceRecorder(() => 0).fingerprint(), sha256(''));
  });

  it('does not need the lines kept to fingerprint them', () => {
    let now = 0;
    const rec = new TraceRecorder(() => now);
    for (const [t, kind, fields] of sample) {
      now = t;
      rec.record(kind, fields);
    }
    assert.deepEqual(rec.getLines(), []);
    assert.equal(rec.fingerprint(), record(sample).fingerprint());
  });

  it('same events give the same fingerprint, field order notwithstanding', () => {
    const reordered = sample.map(([t, kind, fields]) => [t, kind, Object.fromEntries(Object.entries(fields).reverse())] as [number, string, Record<string, unknown>]);
    assert.equal(record(sample).fingerprint(), record(reordered).fingerprint());
  });

  it('one changed field, time, kind, or a missing event changes the fingerprint', () => {
    const base = record(sample).fingerprint();
    const variants: [number, string, Record<string, unknown>][][] = [
      sample.map((e, i) => (i === 2 ? [e[0], e[1], { ...e[2], reason: 'loss' }] : e)),
      sample.map((e, i) => (i === 3 ? [e[0], e[1], { ...e[2], op: { value: 'v', key: 'k', nested: { z: 1, a: [{ y: 3, b: 1 }] } } }] : e)),
      sample.map((e, i) => (i === 1 ? [1201, e[1], e[2]] : e)),
      sample.map((e, i) => (i === 0 ? [e[0], 'raft.rolE', e[2]] : e)),
      sample.slice(1),
      [...sample, [1300, 'x', {}]],
    ];
    const prints = variants.map((v) => record(v).fingerprint());
    for (const p of prints) assert.notEqual(p, base);
    assert.equal(new Set(prints).size, prints.length);
  });

  it('listeners see every event as recorded', () => {
    const rec = new TraceRecorder(() => 7);
    const seen: TraceEvent[] = [];
    rec.subscribe((e) => seen.push(e));
    rec.record('a', { x: 1 });
    rec.record('b', {});
    assert.deepEqual(seen, [{ x: 1, t: 7, seq: 0, kind: 'a' }, { t: 7, seq: 1, kind: 'b' }]);
  });

  it('refuses to record after the fingerprint was taken', () => {
    const rec = record(sample);
    rec.fingerprint();
    assert.throws(() => rec.record('late', {}));
  });
});
