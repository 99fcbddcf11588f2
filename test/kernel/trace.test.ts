/**
 * The trace: canonical JSON lines (keys sorted at every level) and a fingerprint over every line:
 * SHA-256 over each line's 64-bit structural hash, which equals for lines with equal canonical
 * JSON and differs for lines that differ. The fingerprint of the lines read back from their JSON
 * is the run's.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalJson, canonicalJsonEqual } from '../../actors/kernel/canonical-json.ts';
import { fingerprintOfLines, traceLineKept, TraceRecorder, type TraceEvent, type TraceLevel } from '../../actors/kernel/trace.ts';
import { hashLanes, hashValue } from '../../actors/kernel/value-hash.ts';

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

  it('fingerprint = the fingerprint of its lines parsed back from their JSON', () => {
    const rec = record(sample);
    const expected = fingerprintOfLines(rec.getLines().map((l) => JSON.parse(l)));
    assert.equal(rec.fingerprint(), expected);
    assert.match(rec.fingerprint(), /^[0-9a-f]{64}$/);
    assert.equal(rec.fingerprint(), expected, 'stable when asked twice');
    assert.notEqual(expected, fingerprintOfLines(rec.getLines().map((l) => JSON.parse(l)).reverse()), 'line order counts');
  });

  it('an empty trace has the fingerprint of no line hashes: SHA-256 of nothing', () => {
    assert.equal(new TraceRecorder(() => 0).fingerprint(), sha256(''));
  });

  it('hashes in 64 KiB batches without changing the result (more lines than one buffer holds)', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({ t: i, seq: i, kind: 'k', n: i % 7 }));
    const whole = fingerprintOfLines(many);
    let now = 0;
    const rec = new TraceRecorder(() => now);
    for (const e of many) {
      now = e.t;
      rec.record('k', { n: e.n });
    }
    assert.equal(rec.fingerprint(), whole);
    assert.notEqual(fingerprintOfLines(many.slice(0, 19_999)), whole);
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

  it('a line with many fields hashes like the same line with its fields in another order', () => {
    const fields = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, { i, s: `v${i}` }]));
    const reversed = Object.fromEntries(Object.entries(fields).reverse());
    assert.equal(fingerprintOfLines([fields]), fingerprintOfLines([reversed]));
  });

  it('a trace level keeps some lines but fingerprints them all', () => {
    const at = (level: TraceLevel) => {
      let now = 0;
      const rec = new TraceRecorder(() => now, { keepLines: true, level });
      for (const [t, kind, fields] of sample) {
        now = t;
        rec.record(kind, fields);
      }
      return rec;
    };
    const summary = at('summary');
    assert.deepEqual(summary.getLines().map((l) => JSON.parse(l).kind), ['raft.role', 'raft.role'], 'no net.drop, no etcd.op');
    assert.equal(summary.count, 4);
    assert.deepEqual(at('debug').getLines(), record(sample).getLines());
    assert.equal(summary.fingerprint(), record(sample).fingerprint());
    assert.equal(at('debug').fingerprint(), record(sample).fingerprint());
    assert.deepEqual(
      ['fault', 'raft.role', 'k8s.leader', 'expect', 'invariant', 'net.drop', 'etcd.op', 'k8s.request'].filter((k) => traceLineKept('summary', k)),
      ['fault', 'raft.role', 'k8s.leader', 'expect', 'invariant'],
    );
    assert.ok(traceLineKept('normal', 'net.drop') && traceLineKept('debug', 'net.drop'));
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

/** The 64-bit structural hash behind the fingerprint, as a hex string. */
function hashOf(value: unknown): string {
  hashValue(value);
  return `${(hashLanes.a >>> 0).toString(16)}:${(hashLanes.b >>> 0).toString(16)}`;
}

describe('the structural line hash', () => {
  it('is equal for values with equal canonical JSON', () => {
    const pairs: [unknown, unknown][] = [
      [{ a: 1, b: { c: [1, 'x'] } }, { b: { c: [1, 'x'] }, a: 1 }],
      [{ a: undefined, b: 2 }, { b: 2 }],
      [[undefined, 1], [null, 1]],
      [-0, 0],
      [1.5, 3 / 2],
      [{ big: 1e21, small: 1e-7 }, JSON.parse(canonicalJson({ small: 1e-7, big: 1e21 }))],
    ];
    for (const [x, y] of pairs) {
      assert.equal(canonicalJson(x), canonicalJson(y), 'the pair is equal in canonical JSON');
      assert.equal(hashOf(x), hashOf(y), canonicalJson(x));
    }
  });

  it('differs for values that differ in type, order, nesting or split', () => {
    const values: unknown[] = [
      null, true, false, 0, 1, -1, 1.5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) - 1, '', '0', '1', 'a', 'ab', 'ba', 'é', '\u0000',
      [], [null], [0], ['0'], [1, 2], [2, 1], [[1], 2], [1, [2]], ['ab', 'c'], ['a', 'bc'],
      {}, { a: null }, { a: 0 }, { a: '0' }, { b: 0 }, { a: 1, b: 2 }, { a: 2, b: 1 }, { a: { b: 1 } }, { a: [1] }, { ab: 'c' }, { a: 'bc' },
      { a: 1, b: 1 }, { a: 2, b: 2 },
    ];
    const hashes = values.map(hashOf);
    assert.equal(new Set(hashes).size, values.length, JSON.stringify(values.filter((_, i) => hashes.indexOf(hashes[i]!) !== i)));
  });

  it('gives different hashes for many nearby lines (no collision in 100,000)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(hashOf({ t: i >> 4, seq: i, kind: 'k8s.op', member: `etcd-${i % 5}`, value: i * 0.5 }));
    assert.equal(seen.size, 100_000);
  });

  it('hashes own fields only, as canonical JSON lists them (Object.keys)', () => {
    const inherited = Object.create({ extra: 1 }) as Record<string, unknown>;
    inherited['a'] = 1;
    assert.equal(canonicalJson(inherited), canonicalJson({ a: 1 }));
    assert.equal(hashOf(inherited), hashOf({ a: 1 }));
    const hidden = { a: 1 };
    Object.defineProperty(hidden, 'b', { value: 2, enumerable: false });
    assert.equal(hashOf(hidden), hashOf({ a: 1 }));
  });

  it('rejects what canonical JSON rejects', () => {
    assert.throws(() => hashValue({ x: Number.NaN }));
    assert.throws(() => hashValue([Number.NEGATIVE_INFINITY]));
    assert.throws(() => hashValue({ f: () => 1 }));
    assert.throws(() => hashValue({ b: 10n }));
  });
});

describe('canonical JSON equality without the strings', () => {
  /** JSON-like values with what canonical JSON normalises: undefined fields and items, -0. */
  const jsonish = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(null, true, false, 0, -0, 1, 1.5, '', '0', 'a', 'b'),
      fc.array(fc.oneof(tie('value'), fc.constant(undefined)), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.oneof(tie('value'), fc.constant(undefined)), { maxKeys: 3 }),
    ),
  })).value;
  /** The same value with every object's keys in reverse order. */
  const reordered = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(reordered);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reordered(x)]));
  };

  it('agrees with comparing canonicalJson strings, on random pairs and on reordered copies', () => {
    fc.assert(
      fc.property(jsonish, jsonish, (a, b) => {
        assert.equal(canonicalJsonEqual(a, b), canonicalJson(a) === canonicalJson(b));
        assert.equal(canonicalJsonEqual(a, reordered(a)), true);
      }),
      { numRuns: 3000 },
    );
  });

  it('tells apart what canonical JSON tells apart, and throws where it throws', () => {
    assert.equal(canonicalJsonEqual({ a: 1, b: undefined }, { a: 1 }), true);
    assert.equal(canonicalJsonEqual([undefined], [null]), true);
    assert.equal(canonicalJsonEqual(-0, 0), true);
    assert.equal(canonicalJsonEqual({ a: 1 }, { a: 1, b: 2 }), false);
    assert.equal(canonicalJsonEqual({ a: 1, b: 2 }, { a: 1 }), false);
    assert.equal(canonicalJsonEqual([], {}), false);
    assert.equal(canonicalJsonEqual('1', 1), false);
    assert.equal(canonicalJsonEqual([1, 2], [2, 1]), false);
    assert.throws(() => canonicalJsonEqual({ x: Number.NaN }, { x: Number.NaN }));
    assert.throws(() => canonicalJsonEqual({ f: () => 1 }, { f: () => 1 }));
    assert.throws(() => canonicalJsonEqual(undefined, undefined));
  });
});
