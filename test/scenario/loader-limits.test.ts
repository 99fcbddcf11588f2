/**
 * The loader's bounds: what a user may give that would otherwise crash or hang kubesim — huge
 * quantities, files that are not files, manifests outside the scenario's folder, deep or
 * alias-bombed YAML, `as` where nothing is bound — and the default maxEvents that scales with the
 * scenario. Each case: a ScenarioError with a located, one-line message, in bounded time.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MAX_MILLI, parseQuantityMilli } from '../../actors/api/quantity.ts';
import { ScenarioError, loadScenarioFile, loadScenarioText } from '../../cli/loader/index.ts';
import { MAX_INPUT_BYTES } from '../../cli/loader/files.ts';
import { defaultMaxEvents } from '../../cli/loader/scenario.ts';

const T = { timeout: 20_000 };

function failure(load: () => unknown): ScenarioError {
  try {
    load();
  } catch (err) {
    assert.ok(err instanceof ScenarioError, `expected a ScenarioError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ScenarioError, but the scenario loaded');
}

/** Asserts the first problem's position, words, one line per problem and no stack. */
function assertProblem(err: ScenarioError, where: string | RegExp, words: (string | RegExp)[]): void {
  const first = err.format().split('\n')[0] ?? '';
  if (typeof where === 'string') assert.ok(first.startsWith(`${where}: `), `expected ${where}: …, got ${first}`);
  else assert.match(first, where);
  for (const w of words) {
    if (typeof w === 'string') assert.ok(first.includes(w), `message lacks ${JSON.stringify(w)}: ${first}`);
    else assert.match(first, w);
  }
  assert.doesNotMatch(err.format(), /^\s+at /m, 'no stack trace');
}

const scratch = mkdtempSync(join(tmpdir(), 'kubesim-limits-'));

const K8S = (nodes: string, extra = ''): string => `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: t}
spec:
  duration: 60s
  cluster:
    etcd: {members: 3}
    nodes:
      - ${nodes}
${extra}`;

describe('node quantities are bounded like Kubernetes quantities', () => {
  for (const [field, value] of [
    ['cpu', '"1e20"'],
    ['cpu', '"1e400"'],
    ['cpu', '"1e99999999"'],
    ['cpu', '100000Ei'],
    ['memory', '100000Ei'],
    ['memory', '"1e400"'],
  ] as const) {
    it(`${field}: ${value} is too large, at its line`, T, () => {
      const err = failure(() => loadScenarioText(K8S(`{name: w, capacity: {${field}: ${value}}}`), 'x.yaml'));
      assertProblem(err, `x.yaml:9:${field === 'cpu' ? 35 : 38}`, [`spec.cluster.nodes[0].capacity.${field} is ${value.replace(/"/g, '')}, too large`, /at most (8Pi|9223372036854775807m)/, 'int64']);
    });
  }

  it('imagePullBandwidth is bounded too', T, () => {
    const err = failure(() => loadScenarioText(K8S('{name: w, imagePullBandwidth: 9Ei}'), 'x.yaml'));
    assertProblem(err, 'x.yaml:9:39', ['spec.cluster.nodes[0].imagePullBandwidth is 9Ei, too large', 'at most 8Pi']);
  });

  it('a quantity of 200 characters is refused without parsing it', T, () => {
    const err = failure(() => loadScenarioText(K8S(`{name: w, capacity: {cpu: "${'9'.repeat(200)}"}}`), 'x.yaml'));
    assertProblem(err, 'x.yaml:9:35', ['invalid quantity', 'longer than 128 characters']);
  });

  it('the largest accepted values load', T, () => {
    const spec = loadScenarioText(K8S('{name: w, capacity: {cpu: "9223372036854775", memory: 8Pi}}'), 'x.yaml');
    const node = spec.cluster.kubernetes?.nodes[0];
    assert.equal(node?.capacity.memoryBytes, 2 ** 53);
    assert.ok((node?.capacity.cpuMilli ?? 0) > 9e18);
  });

  it('the parser saturates huge exponents instead of computing them (one implementation, actors/api/quantity.ts)', T, () => {
    const started = Date.now();
    assert.ok(parseQuantityMilli('1e999999999') > MAX_MILLI);
    assert.ok(parseQuantityMilli('-1e999999999') < -MAX_MILLI);
    assert.equal(parseQuantityMilli('1e-999999999'), 1n);
    assert.equal(parseQuantityMilli('0e999999999'), 0n);
    assert.equal(parseQuantityMilli('1.5Gi'), 1_610_612_736_000n);
    assert.equal(parseQuantityMilli('9223372036854775807m'), MAX_MILLI);
    assert.ok(Date.now() - started < 1000);
  });
});

describe('files that are not scenario files', () => {
  it('a missing file: "no such file", with no bogus position', T, () => {
    const err = failure(() => loadScenarioFile(join(scratch, 'nope.yaml')));
    assert.equal(err.format(), `${join(scratch, 'nope.yaml')}: cannot read the scenario: no such file. Fix: check the path.`);
  });

  it('/dev/zero is refused at once, not read forever', T, () => {
    const err = failure(() => loadScenarioFile('/dev/zero'));
    assert.equal(err.format(), '/dev/zero: cannot read the scenario: it is not a regular file (a device, a pipe or a socket). Fix: give the path of a file.');
  });

  it('a FIFO is refused without blocking on open', T, () => {
    const fifo = join(scratch, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    const err = failure(() => loadScenarioFile(fifo));
    assertProblem(err, fifo, ['not a regular file']);
  });

  it(`a file larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB is refused`, T, () => {
    const big = join(scratch, 'big.yaml');
    writeFileSync(big, Buffer.alloc(MAX_INPUT_BYTES + 1, 0x61));
    assertProblem(failure(() => loadScenarioFile(big)), big, ['larger than 16 MiB']);
  });

  it('a binary file is refused, and its content is not echoed', T, () => {
    const bin = join(scratch, 'bin.yaml');
    writeFileSync(bin, Buffer.from([0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x00, 0xff]));
    const err = failure(() => loadScenarioFile(bin));
    assertProblem(err, bin, ['binary file']);
    assert.doesNotMatch(err.format(), /secret/);
  });

  it('a text file that is not a scenario: described, never quoted', T, () => {
    const text = join(scratch, 'passwd.yaml');
    writeFileSync(text, 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n');
    const err = failure(() => loadScenarioFile(text));
    assertProblem(err, `${text}:1:1`, ['the file is not a scenario: it holds plain text']);
    assert.doesNotMatch(err.format(), /root|daemon/);
  });
});

describe('manifest paths stay inside the scenario folder', () => {
  const folder = join(scratch, 'scenario');
  mkdirSync(join(folder, 'manifests'), { recursive: true });
  writeFileSync(join(folder, 'manifests', 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: c, image: nginx}]}\n');
  writeFileSync(join(scratch, 'outside.yaml'), 'root:x:0:0:root:/root:/bin/bash\n');
  const load = (path: string): ScenarioError => {
    const file = join(folder, 's.yaml');
    writeFileSync(file, K8S('{name: w}', `  workload:\n    - path: ${path}\n`));
    return failure(() => loadScenarioFile(file));
  };

  it('a path inside the folder tree loads', T, () => {
    const file = join(folder, 'ok.yaml');
    writeFileSync(file, K8S('{name: w}', '  workload:\n    - path: manifests/pod.yaml\n    - path: manifests\n'));
    assert.equal(loadScenarioFile(file).cluster.kubernetes?.workload.length, 2);
  });

  it('"../" out of the folder is refused without reading the file, and says how to fix it', T, () => {
    const err = load('../outside.yaml');
    assertProblem(err, `${join(folder, 's.yaml')}:11:13`, [
      'the manifest "../outside.yaml" given in spec.workload[0].path leads out of the scenario\'s folder',
      'Fix: copy the manifest into',
    ]);
    assert.doesNotMatch(err.format(), /root:x/);
  });

  it('an absolute path elsewhere (/etc/passwd, /dev/zero) is refused', T, () => {
    assertProblem(load('/etc/passwd'), `${join(folder, 's.yaml')}:11:13`, ['leads out of the scenario\'s folder']);
    assertProblem(load('/dev/zero'), `${join(folder, 's.yaml')}:11:13`, ['leads out of the scenario\'s folder']);
  });

  it('a symbolic link that leads out is refused', T, () => {
    symlinkSync(join(scratch, 'outside.yaml'), join(folder, 'link.yaml'));
    const err = load('link.yaml');
    assertProblem(err, `${join(folder, 's.yaml')}:11:13`, ['symbolic link that leads out of the scenario\'s folder']);
    assert.doesNotMatch(err.format(), /root:x/);
  });

  it('a folder holding a link that leads out is refused', T, () => {
    mkdirSync(join(folder, 'linked'));
    symlinkSync(join(scratch, 'outside.yaml'), join(folder, 'linked', 'evil.yaml'));
    const err = load('linked');
    assertProblem(err, `${join(folder, 's.yaml')}:11:13`, ['evil.yaml in it is a symbolic link that leads out of the scenario\'s folder']);
    assert.doesNotMatch(err.format(), /root:x/);
  });

  it('a device or FIFO inside the folder is refused as not a regular file', T, () => {
    execFileSync('mkfifo', [join(folder, 'fifo.yaml')]);
    assertProblem(load('fifo.yaml'), `${join(folder, 's.yaml')}:11:13`, ['cannot read the manifest', 'not a regular file']);
  });

  it('a manifest that is not an object is described by its type, never quoted', T, () => {
    writeFileSync(join(folder, 'text.yaml'), 'root:x:0:0:root:/root:/bin/bash\n');
    const err = load('text.yaml');
    assertProblem(err, `${join(folder, 'text.yaml')}:1:1`, ['is a text of 31 characters, not a Kubernetes object']);
    assert.doesNotMatch(err.format(), /root:x/);
  });
});

describe('YAML nesting and aliases are bounded', () => {
  const HEAD = 'apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: d}\nspec:\n  duration: 10s\n  cluster: {etcd: {members: 3}}\n';

  it('5000 levels of flow lists: the nesting limit, at the 101st level', T, () => {
    const err = failure(() => loadScenarioText(`${HEAD}  timeline: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, 'x.yaml'));
    // spec and the root map are two levels: the 99th "[" is the 101st level (column 13 + 98).
    assertProblem(err, 'x.yaml:7:111', ['YAML nests deeper than 100 levels here']);
    assert.doesNotMatch(err.format(), /call stack/);
  });

  it('5000 levels of block maps: the same', T, () => {
    let deep = `${HEAD}  x:\n`;
    for (let i = 0; i < 5000; i++) deep += `${' '.repeat(4 + i)}k:\n`;
    const err = failure(() => loadScenarioText(deep, 'x.yaml'));
    assertProblem(err, 'x.yaml:106:103', ['YAML nests deeper than 100 levels here']);
  });

  it('100 levels load (the limit is not hit by a deep inline manifest within it)', T, () => {
    const data = `${'{a: '.repeat(90)}1${'}'.repeat(90)}`;
    const text = K8S('{name: w}', `  workload:\n    - {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: ${data}}\n`);
    assert.equal(loadScenarioText(text, 'x.yaml').cluster.kubernetes?.workload.length, 1);
  });

  it('a "billion laughs" manifest is refused where the expansion passes the bound', T, () => {
    let laughs = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\nl0: &l0 [a, a, a, a, a, a, a, a, a, a]\n';
    for (let i = 1; i < 10; i++) laughs += `l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]\n`;
    const started = Date.now();
    const err = failure(() => loadScenarioText(K8S('{name: w}', `  workload:\n    - ${laughs.trim().split('\n').join('\n      ')}\n`), 'x.yaml'));
    // l5's 8th alias: 123,400 values from l1..l4, then 111,110 more per alias.
    assertProblem(err, 'x.yaml:19:51', ['the aliases up to here expand to more than 1,000,000 values']);
    assert.ok(Date.now() - started < 5000);
  });

  it('an alias to a value that contains it is refused', T, () => {
    const err = failure(() => loadScenarioText(K8S('{name: w}', '  workload:\n    - {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: &a {x: *a}}\n'), 'x.yaml'));
    assertProblem(err, 'x.yaml:11:75', ['the alias *a refers to a map or list that contains it']);
  });

  it('many aliases resolve in linear time', T, () => {
    const items = Array.from({ length: 20_000 }, () => '*t').join(', ');
    const started = Date.now();
    const err = failure(() => loadScenarioText(`${HEAD}  clients: [{name: app, kind: etcd}]\n  x: &t 1\n  timeline: [${items}]\n`, 'x.yaml'));
    assertProblem(err, 'x.yaml:8:3', ['unknown field "x"']);
    assert.ok(Date.now() - started < 10_000);
  });
});

describe('"as" binds only what the runner binds', () => {
  const HEAD = 'apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  duration: 60s\n  cluster: {etcd: {members: 3}}\n  clients: [{name: app, kind: etcd}]\n';

  it('as on heal is refused', T, () => {
    const err = failure(() => loadScenarioText(`${HEAD}  timeline:\n    - {at: 1s, heal: all, as: healed}\n    - {at: 2s, crash: healed}\n`, 'x.yaml'));
    assertProblem(err, 'x.yaml:9:31', ['spec.timeline[0].as is given, but heal binds nothing', 'Fix: remove as']);
  });

  it('as on heal with targets is refused', T, () => {
    const err = failure(() => loadScenarioText(`${HEAD}  timeline:\n    - {at: 1s, heal: [etcd-0], as: healed}\n`, 'x.yaml'));
    assertProblem(err, 'x.yaml:9:36', ['heal binds nothing']);
  });

  for (const verb of ['get: {client: app, key: /k', 'put: {client: app, key: /k, value: v', 'delete: {client: app, key: /k']) {
    it(`as on ${verb.split(':')[0]} with via is refused`, T, () => {
      const err = failure(() => loadScenarioText(`${HEAD}  timeline:\n    - {at: 1s, ${verb}, via: leader}, as: g}\n    - {at: 2s, crash: g}\n`, 'x.yaml'));
      assertProblem(err, /^x\.yaml:9:\d+: /, [`spec.timeline[0].as is given, but ${verb.split(':')[0]} binds nothing`, 'Fix: remove as']);
    });
  }
});

describe('the default maxEvents scales with the scenario', () => {
  it('is at least 5,000,000 and at most 100,000,000', T, () => {
    assert.equal(defaultMaxEvents(60_000, 3), 5_000_000);
    assert.equal(defaultMaxEvents(24 * 3_600_000, 1000), 100_000_000);
  });

  it('an idle 5-node cluster of 24h gets far more than the ~12.6M events it needs (measured: 87,658 per 10 minutes)', T, () => {
    const spec = loadScenarioText(K8S('{name: worker, count: 5}').replace('duration: 60s', 'duration: 24h'), 'x.yaml');
    // 3 etcd members, 3 control-plane instances, 5 nodes, admin: 12 hosts × 24 h × 250,000.
    assert.equal(spec.maxEvents, 72_000_000);
    assert.ok(spec.maxEvents > 2 * 144 * 87_658);
  });

  it('counts nodes added by add-nodes; an explicit maxEvents wins', T, () => {
    const base = K8S('{name: worker, count: 5}').replace('duration: 60s', 'duration: 10h');
    assert.equal(loadScenarioText(base, 'x.yaml').maxEvents, 30_000_000);
    const added = `${base}  timeline:\n    - {at: 1s, add-nodes: {name: worker, count: 4}}\n`;
    assert.equal(loadScenarioText(added, 'x.yaml').maxEvents, 40_000_000);
    assert.equal(loadScenarioText(base.replace('duration: 10h', 'duration: 10h\n  maxEvents: 1000'), 'x.yaml').maxEvents, 1000);
  });
});
