import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ScenarioSpec } from '../../actors/scenario/spec.ts';
import { formatDuration, parseDuration } from '../../cli/loader/durations.ts';
import { MAX_REPORTED_PROBLEMS, ScenarioError, loadScenarioFile, loadScenarioText } from '../../cli/loader/index.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Loads and returns the ScenarioError it must throw. */
function failure(load: () => unknown): ScenarioError {
  try {
    load();
  } catch (err) {
    assert.ok(err instanceof ScenarioError, `expected a ScenarioError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ScenarioError, but the scenario loaded');
}

function fixtureError(name: string): ScenarioError {
  return failure(() => loadScenarioFile(fixture(name)));
}

function textError(text: string): ScenarioError {
  return failure(() => loadScenarioText(text, 'x.yaml'));
}

/** Asserts position and key words of the first problem, and that format() is that one line. */
function assertProblem(err: ScenarioError, line: number, column: number, words: (string | RegExp)[]): void {
  assert.equal(`${err.line}:${err.column}`, `${line}:${column}`, err.format());
  for (const w of words) {
    if (typeof w === 'string') assert.ok(err.message.includes(w), `message lacks ${JSON.stringify(w)}: ${err.message}`);
    else assert.match(err.message, w);
  }
  const first = err.format().split('\n')[0];
  assert.equal(first, `${err.file}:${line}:${column}: ${err.message}`);
  assert.doesNotMatch(err.format(), /^\s+at /m, 'no stack trace');
}

const HEAD = `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: t}
spec:
  duration: 60s
  cluster: {etcd: {members: 3}}
  clients: [{name: app, kind: etcd}]
`;

// ------------------------------------------------------------------------------------------------

const FULL = `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: etcd-split-brain
  description: The leader and one follower lose the other three members.
spec:
  seed: 42
  duration: 1m
  maxEvents: 1000000
  cluster:
    etcd:
      members: 5
      preVote: false
      checkQuorum: true
      heartbeatInterval: 50ms
      electionTimeout: 500ms
    network:
      latency: 2ms-8ms
      loss: 1%
      duplication: 0.5%
      reorder: 0.25
  clients:
    - name: app
      kind: etcd
    - {name: pinned, kind: etcd, endpoints: [etcd-0, etcd-1]}
  timeline:
    - at: 5s
      put: {client: app, key: /demo/a, value: "1", id: w1}
    - at: 6s
      get: {client: app, key: /demo/a, consistency: serializable, id: r1}
    - at: 10s
      partition: [[leader, a follower], rest]
      as: [minority, majority]
    - at: 11s
      put: {client: app, key: /demo/b, value: "2", via: minority, id: w2}
    - at: 12s
      cut: {from: leader, to: [etcd-3, etcd-4]}
    - at: 13s
      isolate: a follower
      as: lonely
    - at: 14s
      crash: [lonely, etcd-0]
    - at: 20s
      restart: lonely
    - at: 1m
      delete: {client: pinned, key: /demo/a, via: [etcd-0]}
    - at: 30s
      heal: all
    - at: 31.5s
      heal: [etcd-1, etcd-2]
    - at: 32s
      get: {client: app, key: /demo/a}
  expect:
    - name: the minority's leader steps down
      within: {after: 10s, limit: 2s}
      that: {etcd: {group: minority, leader: none}}
    - name: the majority elects a leader of a higher term
      within: {after: 10s, limit: 3s}
      that: {etcd: {group: majority, leader: any, termAbove: 10s}}
    - name: the write through the minority is never acknowledged
      always: {from: 11s, to: 60s}
      that: {op: {client: app, key: /demo/b, acknowledged: false}}
    - name: logs converge after heal
      at: 40s
      that:
        etcd:
          logsIdentical: true
          value: {key: /demo/a, equals: "1"}
          role: {member: etcd-2, is: follower}
          term: {member: etcd-2, atLeast: 3}
          leader: [majority, etcd-0]
    - name: the read saw the write
      at: 50s
      that: {op: {id: r1, result: ok, readValue: "1"}}
    - name: w2 timed out
      at: 50s
      that: {op: {id: w2, result: timeout}}
    - name: b is gone
      at: 50s
      that: {etcd: {value: {key: /demo/b, absent: true}, term: {member: leader, equals: 4}}}
`;

const src = (line: number, column: number) => ({ file: 'scenarios/full.yaml', line, column });

const FULL_SPEC: ScenarioSpec = {
  apiVersion: 'kubesim.io/v1alpha1',
  name: 'etcd-split-brain',
  description: 'The leader and one follower lose the other three members.',
  file: 'scenarios/full.yaml',
  seed: '42',
  durationMs: 60_000,
  maxEvents: 1_000_000,
  cluster: {
    etcd: {
      members: 5,
      preVote: false,
      checkQuorum: true,
      heartbeatIntervalMs: 50,
      electionTimeoutMs: 500,
      requestTimeoutMs: 6000,
    },
    network: {
      latencyMsMin: 2,
      latencyMsMax: 8,
      lossProbability: 0.01,
      duplicateProbability: 0.005,
      reorderProbability: 0.25,
    },
  },
  clients: [
    { name: 'app', kind: 'etcd', endpoints: ['etcd-0', 'etcd-1', 'etcd-2', 'etcd-3', 'etcd-4'], source: src(23, 7) },
    { name: 'pinned', kind: 'etcd', endpoints: ['etcd-0', 'etcd-1'], source: src(25, 7) },
  ],
  timeline: [
    { atMs: 5000, action: { verb: 'put', client: 'app', key: '/demo/a', value: '1', id: 'w1' }, as: [], source: src(27, 7) },
    {
      atMs: 6000,
      action: { verb: 'get', client: 'app', key: '/demo/a', consistency: 'serializable', id: 'r1' },
      as: [],
      source: src(29, 7),
    },
    {
      atMs: 10_000,
      action: { verb: 'partition', groups: [['leader', 'a follower'], ['rest']] },
      as: ['minority', 'majority'],
      source: src(31, 7),
    },
    {
      atMs: 11_000,
      action: { verb: 'put', client: 'app', key: '/demo/b', value: '2', via: ['minority'], id: 'w2' },
      as: [],
      source: src(34, 7),
    },
    { atMs: 12_000, action: { verb: 'cut', from: ['leader'], to: ['etcd-3', 'etcd-4'] }, as: [], source: src(36, 7) },
    { atMs: 13_000, action: { verb: 'isolate', targets: ['a follower'] }, as: ['lonely'], source: src(38, 7) },
    { atMs: 14_000, action: { verb: 'crash', targets: ['lonely', 'etcd-0'] }, as: [], source: src(41, 7) },
    { atMs: 20_000, action: { verb: 'restart', targets: ['lonely'] }, as: [], source: src(43, 7) },
    { atMs: 60_000, action: { verb: 'delete', client: 'pinned', key: '/demo/a', via: ['etcd-0'] }, as: [], source: src(45, 7) },
    { atMs: 30_000, action: { verb: 'heal', targets: 'all' }, as: [], source: src(47, 7) },
    { atMs: 31_500, action: { verb: 'heal', targets: ['etcd-1', 'etcd-2'] }, as: [], source: src(49, 7) },
    {
      atMs: 32_000,
      action: { verb: 'get', client: 'app', key: '/demo/a', consistency: 'linearizable' },
      as: [],
      source: src(51, 7),
    },
  ],
  expectations: [
    {
      name: "the minority's leader steps down",
      when: { mode: 'within', afterMs: 10_000, limitMs: 2000 },
      etcd: { group: ['minority'], leader: { kind: 'none' } },
      source: src(54, 7),
    },
    {
      name: 'the majority elects a leader of a higher term',
      when: { mode: 'within', afterMs: 10_000, limitMs: 3000 },
      etcd: { group: ['majority'], leader: { kind: 'any' }, termAboveAtMs: 10_000 },
      source: src(57, 7),
    },
    {
      name: 'the write through the minority is never acknowledged',
      when: { mode: 'always', fromMs: 11_000, toMs: 60_000 },
      op: { client: 'app', key: '/demo/b', acknowledged: false },
      source: src(60, 7),
    },
    {
      name: 'logs converge after heal',
      when: { mode: 'at', atMs: 40_000 },
      etcd: {
        logsIdentical: true,
        value: { key: '/demo/a', equals: '1' },
        role: { member: 'etcd-2', is: 'follower' },
        term: { member: 'etcd-2', atLeast: 3 },
        leader: { kind: 'oneOf', targets: ['majority', 'etcd-0'] },
      },
      source: src(63, 7),
    },
    {
      name: 'the read saw the write',
      when: { mode: 'at', atMs: 50_000 },
      op: { id: 'r1', result: 'ok', readValue: '1' },
      source: src(72, 7),
    },
    {
      name: 'w2 timed out',
      when: { mode: 'at', atMs: 50_000 },
      op: { id: 'w2', result: 'timeout' },
      source: src(75, 7),
    },
    {
      name: 'b is gone',
      when: { mode: 'at', atMs: 50_000 },
      etcd: { value: { key: '/demo/b', absent: true }, term: { member: 'leader', equals: 4 } },
      source: src(78, 7),
    },
  ],
};

describe('loading a valid scenario', () => {
  it('converts a full file to the exact ScenarioSpec', () => {
    assert.deepEqual(loadScenarioText(FULL, 'scenarios/full.yaml'), FULL_SPEC);
  });

  it('fills in every default', () => {
    const spec = loadScenarioText(
      `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: minimal
spec:
  duration: 10s
  cluster:
    etcd:
      members: 3
`,
      'min.yaml',
    );
    assert.deepEqual(spec, {
      apiVersion: 'kubesim.io/v1alpha1',
      name: 'minimal',
      description: '',
      file: 'min.yaml',
      seed: '1',
      durationMs: 10_000,
      maxEvents: 5_000_000,
      cluster: {
        etcd: {
          members: 3,
          preVote: true,
          checkQuorum: true,
          heartbeatIntervalMs: 100,
          electionTimeoutMs: 1000,
          requestTimeoutMs: 7000,
        },
        network: { latencyMsMin: 1, latencyMsMax: 5, lossProbability: 0, duplicateProbability: 0, reorderProbability: 0 },
      },
      clients: [],
      timeline: [],
      expectations: [],
    } satisfies ScenarioSpec);
  });

  it('derives requestTimeout from electionTimeout, and reads single latencies and string seeds', () => {
    const spec = loadScenarioText(HEAD.replace('members: 3', 'members: 3, electionTimeout: 2s') + '  seed: abc\n', 'x.yaml');
    assert.equal(spec.cluster.etcd.requestTimeoutMs, 9000);
    assert.equal(spec.seed, 'abc');
    const single = loadScenarioText(HEAD.replace('{etcd: {members: 3}}', '{etcd: {members: 3}, network: {latency: 2ms}}'), 'x.yaml');
    assert.equal(single.cluster.network.latencyMsMin, 2);
    assert.equal(single.cluster.network.latencyMsMax, 2);
  });

  it('lets overrides.seed replace the file seed', () => {
    assert.equal(loadScenarioText(FULL, 'f.yaml', { seed: '7' }).seed, '7');
    assert.equal(loadScenarioText(FULL, 'f.yaml').seed, '42');
  });

  it('keeps the digits of a seed too large for a double', () => {
    const spec = loadScenarioText(HEAD + '  seed: 123456789012345678901234567890\n', 'x.yaml');
    assert.equal(spec.seed, '123456789012345678901234567890');
  });

  it('reports the path as given in file and in every source', () => {
    const spec = loadScenarioText(FULL, './rel/../full.yaml');
    assert.equal(spec.file, './rel/../full.yaml');
    assert.equal(spec.timeline[0]?.source.file, './rel/../full.yaml');
  });

  it('is deterministic', () => {
    assert.deepEqual(loadScenarioText(FULL, 'f.yaml'), loadScenarioText(FULL, 'f.yaml'));
  });
});

// ------------------------------------------------------------------------------------------------

describe('errors, one per class', () => {
  it('YAML syntax error: position and message from the yaml library', () => {
    const err = fixtureError('syntax-error.yaml');
    assertProblem(err, 9, 3, ['YAML syntax', 'Flow map', 'must be sufficiently indented']);
    assert.equal(err.file, fixture('syntax-error.yaml'));
  });

  it('unknown field, with the allowed ones and a suggestion', () => {
    assertProblem(fixtureError('unknown-field.yaml'), 11, 7, [
      'unknown field "lattency" in spec.cluster.network',
      'allowed: latency, loss, duplication, reorder',
      'did you mean "latency"?',
    ]);
  });

  it('unknown field without a near miss', () => {
    assertProblem(textError(HEAD + '  nodes: 3\n'), 8, 3, ['unknown field "nodes" in spec', 'allowed: seed, duration,', 'remove it']);
  });

  it('a misspelt required field is reported once, as unknown', () => {
    const err = textError(HEAD.replace('duration: 60s', 'duraton: 60s'));
    assertProblem(err, 5, 3, ['unknown field "duraton"', 'did you mean "duration"?']);
    assert.equal(err.problems.length, 1);
  });

  it('unknown member', () => {
    assertProblem(fixtureError('unknown-member.yaml'), 18, 14, [
      'unknown member "etcd-7" in spec.timeline[3].crash',
      'members are etcd-0..etcd-4',
      'Fix: use one of those names, a group bound with "as", or a role: leader, a follower, followers, all.',
    ]);
  });

  it('unsupported member count 4', () => {
    assertProblem(fixtureError('member-count.yaml'), 9, 16, [
      'unsupported member count 4 in spec.cluster.etcd.members',
      'kubesim simulates etcd groups of 3 or 5 members',
    ]);
  });

  it('unparseable duration, with the accepted forms and a corrected spelling', () => {
    assertProblem(fixtureError('bad-duration.yaml'), 11, 11, [
      'invalid duration "10 sec" in spec.timeline[0].at',
      'accepted: a number with a unit, like 500ms, 10s, 1m30s, 1.5s or 2h',
      'Fix: write at: 10s.',
    ]);
    assertProblem(textError(HEAD + '  timeline: [{at: 5, crash: leader}]\n'), 8, 19, ['"5"', 'a number needs a unit', 'write at: 5s']);
    assertProblem(textError(HEAD + '  timeline: [{at: -5s, crash: leader}]\n'), 8, 19, ['cannot be negative']);
    assertProblem(textError(HEAD + '  timeline: [{at: 0.5ms, crash: leader}]\n'), 8, 19, ['not a whole number of milliseconds', 'write at: 1ms']);
  });

  it('time beyond the duration', () => {
    assertProblem(fixtureError('beyond-duration.yaml'), 13, 11, [
      'spec.timeline[1].at is 1m30s, after the end of the scenario',
      'spec.duration is 1m',
    ]);
    assertProblem(
      textError(HEAD + '  expect: [{name: x, within: {after: 50s, limit: 20s}, that: {etcd: {leader: any}}}]\n'),
      8,
      50,
      ['spec.expect[0].within ends at 1m10s', 'after the end of the scenario'],
    );
  });

  it('duplicate id', () => {
    assertProblem(fixtureError('duplicate-id.yaml'), 17, 56, [
      'duplicate id "w1" in spec.timeline[1].put.id',
      'already used by spec.timeline[0].put at line 15',
    ]);
  });

  it('id referenced but never defined', () => {
    assertProblem(textError(HEAD + '  expect: [{name: x, at: 1s, that: {op: {id: w9, result: ok}}}]\n'), 8, 46, [
      'unknown op id "w9" in spec.expect[0].that.op.id',
      'no timeline step defines an id',
    ]);
  });

  it('unknown group, with a suggestion', () => {
    assertProblem(fixtureError('unknown-group.yaml'), 15, 14, [
      'unknown target "minorty" in spec.timeline[1].crash',
      'groups bound so far: minority, majority',
      'did you mean "minority"?',
    ]);
  });

  it('group used before the step that binds it', () => {
    assertProblem(fixtureError('group-before-binding.yaml'), 12, 14, [
      'group "minority" in spec.timeline[0].crash is used before the step that binds it, spec.timeline[1] (line 15)',
    ]);
  });

  it('group bound later in time than the step that uses it', () => {
    const err = textError(HEAD + '  timeline:\n    - {at: 5s, crash: leader, as: g}\n    - {at: 2s, restart: g}\n');
    assertProblem(err, 10, 25, ['group "g"', 'is bound at 5s', 'after this step at 2s']);
  });

  it('wrong "as" arity', () => {
    assertProblem(fixtureError('as-arity.yaml'), 13, 11, [
      'spec.timeline[0].as has 2 names, but the partition has 3 groups',
      'write as: [minority, majority, third]',
    ]);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, crash: leader, as: [a, b]}]\n'), 8, 42, [
      'spec.timeline[0].as is a list, but crash binds all its targets to a single name',
    ]);
  });

  it('missing required field', () => {
    assertProblem(fixtureError('missing-field.yaml'), 8, 5, ['missing required field "members" in spec.cluster.etcd', 'Fix: add members: 3.']);
  });

  it('wrong type', () => {
    assertProblem(fixtureError('wrong-type.yaml'), 9, 16, [
      'spec.cluster.etcd.members must be an integer, got the string "five"',
      'write it like members: 3',
    ]);
    assertProblem(textError(HEAD.replace('members: 3', 'members: "3"')), 6, 29, ['must be an integer', 'write the bare number: members: 3']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, put: {client: app, key: k, value: 1}}]\n'), 8, 57, [
      'spec.timeline[0].put.value must be a string, got the number 1',
      'quote it: value: "1"',
    ]);
  });

  it('rest outside a partition or cut.to', () => {
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, crash: rest}]\n'), 8, 30, ['"rest" cannot be used in spec.timeline[0].crash']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, partition: [rest, leader]}]\n'), 8, 35, ['"rest" cannot be used']);
  });

  it('unknown client', () => {
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, get: {client: ap, key: k}}]\n'), 8, 37, [
      'unknown client "ap" in spec.timeline[0].get.client',
      'clients are app',
      'did you mean "app"?',
    ]);
  });

  it('names clashing with roles, members and clients', () => {
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, crash: etcd-0, as: leader}]\n'), 8, 42, ['"leader" in spec.timeline[0].as cannot name a group', 'reserved word']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, crash: etcd-0, as: etcd-9}]\n'), 8, 42, ['looks like a member name']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, crash: etcd-0, as: app}]\n'), 8, 42, ['a client has that name']);
    assertProblem(textError(HEAD.replace('name: app', 'name: followers')), 7, 20, ['cannot name a client', 'reserved word']);
  });

  it('a step with no verb, or two', () => {
    assertProblem(textError(HEAD + '  timeline: [{at: 1s}]\n'), 8, 14, ['spec.timeline[0] has no verb', 'exactly one of: partition, cut, isolate']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, crash: leader, restart: etcd-1}]\n'), 8, 38, [
      'spec.timeline[0] has more than one verb: crash and restart',
      'several steps with the same "at"',
    ]);
    const misspelt = textError(HEAD + '  timeline: [{at: 1s, crsh: leader}]\n');
    assertProblem(misspelt, 8, 23, ['unknown field "crsh" in spec.timeline[0]', 'did you mean "crash"?']);
    assert.equal(misspelt.problems.length, 1, 'the missing verb is not reported on top of the misspelt one');
  });

  it('electionTimeout must be at least 5 heartbeats and a whole multiple', () => {
    assertProblem(textError(HEAD.replace('members: 3', 'members: 3, electionTimeout: 1050ms')), 6, 49, [
      'is not a whole multiple of heartbeatInterval (100ms)',
      'use electionTimeout: 1s or 1.1s',
    ]);
    assertProblem(textError(HEAD.replace('members: 3', 'members: 3, electionTimeout: 400ms')), 6, 49, ['shorter than 5 heartbeat intervals']);
  });

  it('missing and unreadable files', () => {
    const err = failure(() => loadScenarioFile('no/such/scenario.yaml'));
    assert.equal(err.format(), 'no/such/scenario.yaml: cannot read the scenario: no such file. Fix: check the path.');
    const dir = failure(() => loadScenarioFile(fixture('')));
    assert.match(dir.message, /it is a folder/);
  });

  it('an empty file', () => {
    assertProblem(textError(''), 1, 1, ['the file has no scenario in it']);
  });
});

describe('collecting problems', () => {
  it(`reports up to ${MAX_REPORTED_PROBLEMS} problems, sorted by position, and counts the rest`, () => {
    const err = fixtureError('many-problems.yaml');
    assert.equal(err.problems.length, MAX_REPORTED_PROBLEMS);
    assert.equal(err.omitted, 2);
    const lines = err.format().split('\n');
    assert.equal(lines.length, MAX_REPORTED_PROBLEMS + 1);
    assert.match(lines[0] ?? '', /many-problems\.yaml:4:9: metadata\.name "Many_Problems" is not a DNS-1123 label.*Fix: write name: many-problems\./);
    assert.match(lines[1] ?? '', /:10:16: spec\.cluster\.etcd\.preVote must be true or false/);
    assert.match(lines[2] ?? '', /:12:13: spec\.cluster\.network\.loss is 200%, above 100%/);
    assert.match(lines[3] ?? '', /:14:23: unknown member "etcd-3"/);
    assert.match(lines[10] ?? '', /2 more problems not shown/);
    const positions = err.problems.map((p) => p.line * 1000 + p.column);
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
  });

  it('the stack of a ScenarioError is its formatted text', () => {
    const err = fixtureError('member-count.yaml');
    assert.equal(err.stack, err.format());
  });
});

// ------------------------------------------------------------------------------------------------

describe('durations', () => {
  const ok = (text: string, ms: number) => assert.deepEqual(parseDuration(text), { ok: true, ms }, text);
  const bad = (text: string, reason: RegExp, suggestion?: string) => {
    const r = parseDuration(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) {
      assert.match(r.reason, reason, text);
      assert.equal(r.suggestion, suggestion, text);
    }
  };

  it('parses Go durations to whole milliseconds', () => {
    ok('500ms', 500);
    ok('10s', 10_000);
    ok('1m30s', 90_000);
    ok('1.5s', 1500);
    ok('2h', 7_200_000);
    ok('1h2m3.5s', 3_723_500);
    ok('1000us', 1);
    ok('1000000ns', 1);
    ok('2000µs', 2);
    ok('.5s', 500);
    ok('5.s', 5000);
    ok('0', 0);
    ok('0s', 0);
    ok('+3s', 3000);
    ok('0.001s', 1);
    ok('1m0.25s', 60_250);
  });

  it('rejects sub-millisecond precision, negatives and missing units', () => {
    bad('100us', /not a whole number of milliseconds/, '1ms');
    bad('0.5ms', /whole number of milliseconds/, '1ms');
    bad('1.0004s', /whole number of milliseconds/, '1s');
    bad('-5s', /cannot be negative/, '5s');
    bad('5', /needs a unit/, '5s');
    bad('10 sec', /unit/, '10s');
    bad('3 minutes', /unit/, '3m');
    bad('1m 30s', /spaces/, '1m30s');
    bad('', /empty/);
    bad('s', /not a number with a unit/);
    bad('1d', /not a number with a unit/);
    bad('5ss', /not a number with a unit/);
  });

  it('formats milliseconds the way people write them, and round-trips', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(500), '500ms');
    assert.equal(formatDuration(1500), '1.5s');
    assert.equal(formatDuration(60_000), '1m');
    assert.equal(formatDuration(90_000), '1m30s');
    assert.equal(formatDuration(7_200_000), '2h');
    assert.equal(formatDuration(3_723_500), '1h2m3.5s');
    assert.equal(formatDuration(3_600_250), '1h0.25s');
    for (const ms of [0, 1, 999, 1000, 1001, 59_999, 60_000, 61_500, 3_599_999, 3_600_000, 86_400_000, 90_061_001]) {
      assert.deepEqual(parseDuration(formatDuration(ms)), { ok: true, ms }, String(ms));
    }
  });
});
