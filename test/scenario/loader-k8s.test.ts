import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ManifestDoc, NodeSpec, ScenarioSpec, SourceRef } from '../../actors/scenario/spec.ts';
import { ScenarioError, loadScenarioFile, loadScenarioText } from '../../cli/loader/index.ts';
import { parseObjectRef } from '../../cli/loader/kinds.ts';
import { selectorProblem } from '../../cli/loader/labels.ts';
import { resolvePlain } from '../../cli/loader/manifests.ts';
import { parseQuantity } from '../../cli/loader/quantity.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function failure(load: () => unknown): ScenarioError {
  try {
    load();
  } catch (err) {
    assert.ok(err instanceof ScenarioError, `expected a ScenarioError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ScenarioError, but the scenario loaded');
}

/** The scenario is written to a fixtures path (so manifest paths resolve there) but read from text. */
const textError = (text: string): ScenarioError => failure(() => loadScenarioText(text, fixture('inline.yaml')));
const fixtureError = (name: string): ScenarioError => failure(() => loadScenarioFile(fixture(name)));

function assertProblem(err: ScenarioError, file: string, line: number, column: number, words: (string | RegExp)[]): void {
  assert.equal(`${err.file}:${err.line}:${err.column}`, `${file}:${line}:${column}`, err.format());
  for (const w of words) {
    if (typeof w === 'string') assert.ok(err.message.includes(w), `message lacks ${JSON.stringify(w)}: ${err.message}`);
    else assert.match(err.message, w);
  }
  assert.equal(err.format().split('\n')[0], `${file}:${line}:${column}: ${err.message}`);
  assert.doesNotMatch(err.format(), /^\s+at /m, 'no stack trace');
}

const INLINE = fixture('inline.yaml');

/** An etcd scenario with the control plane on: 3 workers, a user, an etcd client. */
const HEAD = `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: t}
spec:
  duration: 60s
  cluster:
    etcd: {members: 3}
    nodes: [{name: worker, count: 3}]
  users: [{name: alice, groups: [developers]}]
  clients: [{name: app, kind: etcd}]
`;

// ------------------------------------------------------------------------------------------------
// The full file

const F = fixture('k8s-full.yaml');
const at = (line: number, column: number, file = F): SourceRef => ({ file, line, column });
const manifest = (name: string): string => fixture(`manifests/${name}`);

const DEFAULT_CAPACITY = { cpuMilli: 4000, memoryBytes: 8 * 2 ** 30, pods: 110 };
const MI50 = 50 * 2 ** 20;

const worker = (name: string, source: SourceRef): NodeSpec => ({
  name,
  capacity: { ...DEFAULT_CAPACITY },
  labels: { disktype: 'ssd', 'topology.kubernetes.io/zone': 'zone-a' },
  taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
  imagePullBytesPerSecond: MI50,
  source,
});

const WEB_DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '500m', memory: '128Mi' } } }] },
    },
  },
};
const WEB_SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
};
const ROLE = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'pod-reader', namespace: 'default' },
  rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
};
const ROLE_BINDING = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'developers-read-pods', namespace: 'default' },
  subjects: [{ kind: 'Group', name: 'developers', apiGroup: 'rbac.authorization.k8s.io' }],
  roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: 'rbac.authorization.k8s.io' },
};
const rbac = (): ManifestDoc[] => [
  { object: ROLE, source: at(1, 1, manifest('rbac.yaml')) },
  { object: ROLE_BINDING, source: at(9, 1, manifest('rbac.yaml')) },
];

const FULL_SPEC: ScenarioSpec = {
  apiVersion: 'kubesim.io/v1alpha1',
  name: 'k8s-full',
  description: 'Every Kubernetes feature of the scenario format, once.',
  file: F,
  seed: '7',
  durationMs: 120_000,
  maxEvents: 5_000_000,
  cluster: {
    etcd: { members: 3, preVote: true, checkQuorum: true, heartbeatIntervalMs: 100, electionTimeoutMs: 1000, requestTimeoutMs: 7000 },
    network: { latencyMsMin: 1, latencyMsMax: 5, lossProbability: 0, duplicateProbability: 0, reorderProbability: 0 },
    kubernetes: {
      apiservers: 3,
      schedulers: 2,
      controllerManagers: 1,
      nodes: [
        worker('worker-0', at(13, 9)),
        worker('worker-1', at(13, 9)),
        worker('worker-2', at(13, 9)),
        { name: 'edge', capacity: { ...DEFAULT_CAPACITY }, labels: {}, taints: [], imagePullBytesPerSecond: MI50, source: at(20, 9) },
      ],
      users: [
        { name: 'admin', token: 'admin-token', groups: ['system:masters'], source: at(0, 0) },
        { name: 'alice', token: 'alice-token', groups: ['developers'], source: at(22, 7) },
        { name: 'bob', token: 's3cret', groups: [], source: at(23, 7) },
      ],
      workload: [
        { object: WEB_DEPLOYMENT, source: at(2, 1, manifest('web.yaml')) },
        { object: WEB_SERVICE, source: at(21, 1, manifest('web.yaml')) },
        ...rbac(),
        { object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'batch' } }, source: at(29, 7) },
      ],
    },
  },
  clients: [{ name: 'app', kind: 'etcd', endpoints: ['etcd-0', 'etcd-1', 'etcd-2'], source: at(25, 7) }],
  timeline: [
    {
      atMs: 10_000,
      action: {
        verb: 'apply',
        user: 'alice',
        id: 'a1',
        manifests: [
          {
            // Read as kubectl reads it: 0644 is octal, `no` is false.
            object: {
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name: 'big' },
              spec: {
                containers: [{ name: 'big', image: 'busybox', resources: { requests: { cpu: '12' } } }],
                volumes: [{ name: 'config', configMap: { name: 'big', defaultMode: 420 } }],
                enableServiceLinks: false,
              },
            },
            source: at(1, 1, manifest('big-pod.yaml')),
          },
        ],
      },
      as: [],
      source: at(33, 7),
    },
    {
      atMs: 12_000,
      action: {
        verb: 'apply',
        user: 'admin',
        manifests: [
          {
            object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'batch' }, data: { mode: 'on', level: 3 } },
            source: at(38, 11),
          },
        ],
      },
      as: [],
      source: at(35, 7),
    },
    {
      atMs: 14_000,
      action: {
        verb: 'apply',
        user: 'bob',
        manifests: [...rbac(), { object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { generateName: 'robot-' } }, source: at(46, 13) }],
      },
      as: [],
      source: at(42, 7),
    },
    { atMs: 20_000, action: { verb: 'kubectl-delete', user: 'admin', object: { kind: 'pod', name: 'big', namespace: 'default' } }, as: [], source: at(48, 7) },
    {
      atMs: 20_000,
      action: { verb: 'kubectl-delete', user: 'alice', object: { kind: 'pod', name: 'web-0', namespace: 'batch' }, gracePeriodSeconds: 0, id: 'd1' },
      as: [],
      source: at(50, 7),
    },
    { atMs: 21_000, action: { verb: 'delete', client: 'app', key: '/demo/a', id: 'e1' }, as: [], source: at(52, 7) },
    {
      atMs: 22_000,
      action: { verb: 'scale', user: 'admin', object: { kind: 'deployment', name: 'web', namespace: 'default' }, replicas: 5, id: 's1' },
      as: [],
      source: at(54, 7),
    },
    {
      atMs: 23_000,
      action: { verb: 'patch', user: 'admin', object: { kind: 'node', name: 'worker-1' }, patch: { spec: { unschedulable: true } }, id: 'p1' },
      as: [],
      source: at(56, 7),
    },
    {
      atMs: 24_000,
      action: {
        verb: 'patch',
        user: 'bob',
        object: { kind: 'deployment', name: 'web', namespace: 'default' },
        patch: { status: { observedGeneration: 2 } },
        subresource: 'status',
      },
      as: [],
      source: at(58, 7),
    },
    { atMs: 25_000, action: { verb: 'cordon', user: 'admin', node: 'worker-1' }, as: [], source: at(60, 7) },
    { atMs: 26_000, action: { verb: 'uncordon', user: 'alice', node: 'worker-1', id: 'u1' }, as: [], source: at(62, 7) },
    {
      atMs: 30_000,
      action: {
        verb: 'add-nodes',
        nodes: [{ name: 'big-0', capacity: { ...DEFAULT_CAPACITY, cpuMilli: 16_000 }, labels: {}, taints: [], imagePullBytesPerSecond: MI50, source: at(65, 18) }],
      },
      as: [],
      source: at(64, 7),
    },
    // More of the worker group: the next numbers, with the group's settings.
    { atMs: 31_000, action: { verb: 'add-nodes', nodes: [worker('worker-3', at(67, 18)), worker('worker-4', at(67, 18))] }, as: [], source: at(66, 7) },
    { atMs: 32_000, action: { verb: 'cordon', user: 'admin', node: 'big-0', id: 'c1' }, as: [], source: at(68, 7) },
    { atMs: 40_000, action: { verb: 'crash', targets: ['worker-1'] }, as: [], source: at(70, 7) },
    { atMs: 41_000, action: { verb: 'crash', targets: ['kube-apiserver-0', 'scheduler-leader'] }, as: [], source: at(72, 7) },
    {
      atMs: 42_000,
      action: { verb: 'partition', groups: [['worker-3', 'alice'], ['etcd-0', 'kube-controller-manager-0']] },
      as: ['edge-side', 'core-side'],
      source: at(74, 7),
    },
    { atMs: 43_000, action: { verb: 'isolate', targets: ['controller-manager-leader'] }, as: [], source: at(77, 7) },
    { atMs: 44_000, action: { verb: 'cut', from: ['edge'], to: ['kube-apiserver-1', 'kube-apiserver-2'] }, as: [], source: at(79, 7) },
    { atMs: 45_000, action: { verb: 'restart', targets: ['worker-1', 'kube-apiserver-0'] }, as: [], source: at(81, 7) },
    { atMs: 50_000, action: { verb: 'heal', targets: 'all' }, as: [], source: at(83, 7) },
  ],
  expectations: [
    {
      name: 'three web pods run',
      when: { mode: 'within', afterMs: 0, limitMs: 30_000 },
      pods: { namespace: 'default', selector: 'app=web', phase: 'Running', count: 3 },
      source: at(86, 7),
    },
    {
      name: 'web pods are ready and scheduled',
      when: { mode: 'at', atMs: 35_000 },
      pods: { namespace: 'default', selector: 'app in (web), tier!=cache', ready: true, scheduled: true },
      source: at(90, 7),
    },
    {
      name: 'the crashed node goes NotReady',
      when: { mode: 'within', afterMs: 40_000, limitMs: 50_000 },
      node: { name: 'worker-1', condition: { type: 'Ready', status: 'False' } },
      source: at(93, 7),
    },
    {
      name: 'the added node registers',
      when: { mode: 'within', afterMs: 30_000, limitMs: 10_000 },
      node: { name: 'big-0', registered: true },
      source: at(96, 7),
    },
    {
      name: 'web is scaled',
      when: { mode: 'within', afterMs: 22_000, limitMs: 20_000 },
      object: { object: { kind: 'deployment', name: 'web', namespace: 'default' }, field: 'status.readyReplicas', equals: 5 },
      source: at(99, 7),
    },
    {
      name: 'big is gone',
      when: { mode: 'within', afterMs: 20_000, limitMs: 30_000 },
      object: { object: { kind: 'pod', name: 'big', namespace: 'default' }, exists: false },
      source: at(102, 7),
    },
    {
      name: 'the batch namespace is active',
      when: { mode: 'at', atMs: 60_000 },
      object: { object: { kind: 'namespace', name: 'batch' }, field: 'status.phase', equals: 'Active' },
      source: at(105, 7),
    },
    {
      name: 'the service account got a generated name',
      when: { mode: 'at', atMs: 60_000 },
      object: { object: { kind: 'serviceaccount', name: 'default', namespace: 'batch' }, exists: true },
      source: at(108, 7),
    },
    {
      name: 'alice may not delete in batch',
      when: { mode: 'within', afterMs: 20_000, limitMs: 5000 },
      request: { id: 'd1', code: 403, messageContains: 'forbidden' },
      source: at(111, 7),
    },
    {
      name: 'cordon worked',
      when: { mode: 'within', afterMs: 32_000, limitMs: 5000 },
      request: { id: 'c1', code: 200 },
      source: at(114, 7),
    },
    {
      name: 'big does not fit',
      when: { mode: 'within', afterMs: 10_000, limitMs: 10_000 },
      event: { reason: 'FailedScheduling', messageContains: '0/4 nodes are available', object: { kind: 'pod', name: 'big', namespace: 'default' } },
      source: at(117, 7),
    },
    {
      name: 'the etcd delete completed',
      when: { mode: 'within', afterMs: 21_000, limitMs: 5000 },
      op: { id: 'e1', result: 'ok' },
      source: at(120, 7),
    },
    {
      name: 'a leader in the core side',
      when: { mode: 'within', afterMs: 42_000, limitMs: 5000 },
      etcd: { leader: { kind: 'any' } },
      source: at(123, 7),
    },
    {
      name: 'web pods keep off worker-1',
      when: { mode: 'within', afterMs: 10_000, limitMs: 30_000 },
      pods: { namespace: 'default', selector: 'app=web', nodeName: { not: ['worker-1'] }, count: 3 },
      source: at(126, 7),
    },
    {
      name: 'compared values take not and in',
      when: { mode: 'at', atMs: 60_000 },
      object: { object: { kind: 'namespace', name: 'batch' }, field: 'status.phase', equals: { in: ['Active', 'Terminating'] } },
      source: at(129, 7),
    },
  ],
};

describe('loading a scenario with Kubernetes', () => {
  it('converts a file using every Kubernetes feature to the exact ScenarioSpec', () => {
    assert.deepEqual(loadScenarioFile(F), FULL_SPEC);
  });

  it('fills in every Kubernetes default', () => {
    const spec = loadScenarioText(
      `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: minimal}
spec:
  duration: 10s
  cluster:
    etcd: {members: 3}
    nodes: [{name: node}]
`,
      'min.yaml',
    );
    assert.deepEqual(spec.cluster.kubernetes, {
      apiservers: 1,
      schedulers: 1,
      controllerManagers: 1,
      nodes: [
        {
          name: 'node',
          capacity: { cpuMilli: 4000, memoryBytes: 8_589_934_592, pods: 110 },
          labels: {},
          taints: [],
          imagePullBytesPerSecond: 52_428_800,
          source: { file: 'min.yaml', line: 8, column: 13 },
        },
      ],
      users: [{ name: 'admin', token: 'admin-token', groups: ['system:masters'], source: { file: 'min.yaml', line: 0, column: 0 } }],
      workload: [],
    });
  });

  it('turns the control plane on with controlPlane alone, even empty', () => {
    const spec = loadScenarioText(HEAD.replace("    nodes: [{name: worker, count: 3}]\n", '    controlPlane: {}\n'), 'x.yaml');
    assert.equal(spec.cluster.kubernetes?.apiservers, 1);
    assert.deepEqual(spec.cluster.kubernetes?.nodes, []);
  });

  it('keeps etcd-only scenarios free of a kubernetes section', () => {
    const spec = loadScenarioFile('scenarios/etcd-split-brain.yaml');
    assert.equal('kubernetes' in spec.cluster, false);
  });

  it('reads quantities, taints without value, and kubectl object references in all their spellings', () => {
    const spec = loadScenarioText(
      HEAD.replace('count: 3}', 'count: 3, capacity: {cpu: 1500m, memory: "1G", pods: "2k"}, taints: [{key: example.com/spot, effect: NoExecute}], imagePullBandwidth: 1e6}') +
        `  timeline:
    - {at: 1s, delete: Deployments/web}
    - {at: 1s, delete: {object: deployment.apps/web, namespace: kube-system}}
    - {at: 1s, delete: rs/web-1}
    - {at: 1s, delete: clusterrolebinding/system:public}
    - {at: 1s, delete: lease.coordination.k8s.io/kube-scheduler}
`,
      'x.yaml',
    );
    const node = spec.cluster.kubernetes?.nodes[0];
    assert.deepEqual(node?.capacity, { cpuMilli: 1500, memoryBytes: 1_000_000_000, pods: 2000 });
    assert.deepEqual(node?.taints, [{ key: 'example.com/spot', effect: 'NoExecute' }]);
    assert.equal(node?.imagePullBytesPerSecond, 1_000_000);
    const objects = spec.timeline.map((s) => (s.action.verb === 'kubectl-delete' ? s.action.object : undefined));
    assert.deepEqual(objects, [
      { kind: 'deployment', name: 'web', namespace: 'default' },
      { kind: 'deployment', name: 'web', namespace: 'kube-system' },
      { kind: 'replicaset', name: 'web-1', namespace: 'default' },
      { kind: 'clusterrolebinding', name: 'system:public' },
      { kind: 'lease', name: 'kube-scheduler', namespace: 'default' },
    ]);
  });

  it('gives each reference to a manifest file its own copy of the objects', () => {
    const spec = loadScenarioText(HEAD + '  workload: [{path: manifests/rbac.yaml}]\n  timeline: [{at: 1s, apply: manifests/rbac.yaml}]\n', INLINE);
    const first = spec.cluster.kubernetes?.workload[0]?.object;
    const step = spec.timeline[0]?.action;
    assert.ok(step?.verb === 'apply');
    assert.deepEqual(step.manifests[0]?.object, first);
    assert.notEqual(step.manifests[0]?.object, first);
  });

  it('expands kind: List into its items, as kubectl does', () => {
    const spec = loadScenarioText(
      HEAD + '  workload:\n    - apiVersion: v1\n      kind: List\n      items:\n        - {apiVersion: v1, kind: Pod, metadata: {name: a}}\n        - {apiVersion: v1, kind: Pod, metadata: {name: b}}\n',
      'x.yaml',
    );
    const workload = spec.cluster.kubernetes?.workload ?? [];
    assert.deepEqual(
      workload.map((m) => [(m.object.metadata as { name: string }).name, m.source.line]),
      [
        ['a', 15],
        ['b', 16],
      ],
    );
  });

  it('lets etcd clients and users be fault targets, and checks nodes added later by time', () => {
    const spec = loadScenarioText(HEAD + '  timeline:\n    - {at: 5s, add-nodes: {name: late}}\n    - {at: 5s, crash: [late, app, alice]}\n', 'x.yaml');
    assert.deepEqual(spec.timeline[1]?.action, { verb: 'crash', targets: ['late', 'app', 'alice'] });
  });
});

// ------------------------------------------------------------------------------------------------

describe('Kubernetes errors', () => {
  it('unknown node in cordon, with a suggestion', () => {
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, cordon: workr-1}]\n'), INLINE, 11, 31, [
      'unknown node "workr-1" in spec.timeline[0].cordon',
      'nodes are worker-0..worker-2',
      'did you mean "worker-1"?',
    ]);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, uncordon: {node: alice}}]\n'), INLINE, 11, 40, ['"alice" in spec.timeline[0].uncordon.node is a user, not a node']);
  });

  it('a node used before the step that adds it', () => {
    assertProblem(textError(HEAD + '  timeline:\n    - {at: 2s, cordon: big-0}\n    - {at: 9s, add-nodes: {name: big, count: 1}}\n'), INLINE, 12, 24, [
      'node "big-0" in spec.timeline[0].cordon is added at 9s by spec.timeline[1] (line 13), after this step at 2s',
    ]);
  });

  it('unknown user', () => {
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, scale: {object: deploy/web, replicas: 2, user: alise}}]\n'), INLINE, 11, 70, [
      'unknown user "alise" in spec.timeline[0].scale.user',
      'users are admin (built in), alice',
      'did you mean "alice"?',
    ]);
  });

  it('bad quantity in capacity, with a corrected spelling', () => {
    assertProblem(textError(HEAD.replace('count: 3}', 'count: 3, capacity: {memory: 8GB}}')), INLINE, 8, 57, [
      'invalid quantity "8GB" in spec.cluster.nodes[0].capacity.memory',
      'a Kubernetes quantity',
      'Fix: write memory: 8G, or 8Gi for powers of 1024.',
    ]);
    assertProblem(textError(HEAD.replace('count: 3}', 'count: 3, capacity: {cpu: 4 cores}}')), INLINE, 8, 54, ['invalid quantity "4 cores"', 'write cpu: 4']);
    assertProblem(textError(HEAD.replace('count: 3}', 'count: 3, capacity: {cpu: "0"}}')), INLINE, 8, 54, ['capacity.cpu is 0', 'a quantity above 0']);
    assertProblem(textError(HEAD.replace('count: 3}', 'count: 3, capacity: {pods: 1.5}}')), INLINE, 8, 55, ['capacity.pods is 1.5, not a whole number']);
  });

  it('duplicate host names', () => {
    assertProblem(textError(HEAD.replace('name: alice', 'name: worker-1')), INLINE, 9, 18, [
      '"worker-1" in spec.users[0].name cannot name a user: a node has that name (line 8)',
      'host names (nodes, users, clients) must differ',
    ]);
    assertProblem(textError(HEAD.replace('count: 3}]', 'count: 3}, {name: kube-apiserver-0}]')), INLINE, 8, 46, ['cannot name a node: it looks like a control-plane host name']);
    assertProblem(textError(HEAD.replace('count: 3}]', 'count: 3}, {name: admin}]')), INLINE, 8, 46, ['cannot name a node: it is the built-in user admin']);
    assertProblem(textError(HEAD.replace('count: 3}]', 'count: 3}, {name: etcd-1}]')), INLINE, 8, 46, ['looks like a member name']);
    assertProblem(textError(HEAD.replace('name: app', 'name: worker-2')), INLINE, 10, 20, ['"worker-2" in spec.clients[0].name cannot name a client: a node has that name']);
    assertProblem(textError(HEAD.replace('count: 3}]', 'count: 3}, {name: worker-2}]')), INLINE, 8, 46, ['duplicate node name "worker-2"', 'already declared at line 8']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, add-nodes: {name: alice}}]\n'), INLINE, 11, 41, ['cannot name a node: a user has that name (line 9)']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, crash: leader, as: worker-0}]\n'), INLINE, 11, 42, ['"worker-0" in spec.timeline[0].as cannot name a group: a node has that name']);
    assertProblem(textError(HEAD.replace('name: alice', 'name: admin')), INLINE, 9, 18, ['"admin" in spec.users[0].name is the built-in user']);
    assertProblem(textError(HEAD.replace('groups: [developers]}', 'groups: [developers]}, {name: bob, token: alice-token}')), INLINE, 9, 67, [
      'user "bob" would have the token "alice-token" of user "alice"',
    ]);
  });

  it('manifest file missing: the scenario line that references it', () => {
    const err = fixtureError('k8s-manifest-missing.yaml');
    assertProblem(err, fixture('k8s-manifest-missing.yaml'), 12, 13, [
      `cannot read the manifest "${manifest('not-there.yaml')}" given in spec.workload[1].path: no such file`,
      "paths are relative to the scenario file's folder",
    ]);
  });

  it("manifest YAML syntax error: the manifest's own file:line:column", () => {
    const err = fixtureError('k8s-manifest-syntax.yaml');
    assertProblem(err, manifest('syntax-error.yaml'), 11, 1, ['YAML syntax: Flow map', 'in the manifest given by spec.workload[0].path at line 11']);
    assert.equal(err.problems.length, 1);
  });

  it('an object without kind: in a manifest file, and inline', () => {
    assertProblem(fixtureError('k8s-manifest-no-kind.yaml'), manifest('no-kind.yaml'), 6, 1, [
      `document 2 of ${manifest('no-kind.yaml')} has no kind`,
      'in the manifest given by spec.timeline[0].apply at line 12',
      'Fix: add kind:, like kind: Deployment.',
    ]);
    assertProblem(textError(HEAD + '  workload:\n    - {apiVersion: v1, metadata: {name: x}}\n'), INLINE, 12, 7, ['spec.workload[0] has no kind']);
    assertProblem(textError(HEAD + '  workload:\n    - {kind: Deployment, metadata: {name: x}}\n'), INLINE, 12, 7, ['has no apiVersion', 'add apiVersion:, like apiVersion: apps/v1']);
    assertProblem(textError(HEAD + '  workload:\n    - {apiVersion: v1, kind: Pod, metadata: {labels: {a: b}}}\n'), INLINE, 12, 45, ['has no metadata.name']);
    assertProblem(textError(HEAD + '  workload:\n    - manifests/web.yaml\n'), INLINE, 12, 7, ['spec.workload[0] must be a manifest', 'write - path: manifests/web.yaml']);
  });

  it('unknown kind in an object reference', () => {
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, delete: pood/web}]\n'), INLINE, 11, 31, [
      'unknown kind "pood" in spec.timeline[0].delete ("pood/web")',
      'kinds: clusterrole, clusterrolebinding, configmap, controllerrevision, cronjob, daemonset, deployment, endpoints, endpointslice,',
      'did you mean "pod/web"?',
    ]);
    assertProblem(textError(HEAD + '  expect: [{name: x, at: 2s, that: {object: {object: ingress/x, exists: true}}}]\n'), INLINE, 11, 54, ['unknown kind "ingress"']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, delete: web}]\n'), INLINE, 11, 31, ['not an object reference: it has no kind', 'like pod/web']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, scale: {object: pod/web, replicas: 2}}]\n'), INLINE, 11, 39, ['is a pod, which cannot be scaled']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, delete: {object: node/worker-0, namespace: x}}]\n'), INLINE, 11, 55, ['a node is not in a namespace', 'remove namespace']);
  });

  it('Kubernetes things in a scenario without the control plane', () => {
    const etcdOnly = HEAD.replace('    nodes: [{name: worker, count: 3}]\n', '');
    assertProblem(textError(etcdOnly), INLINE, 8, 3, ['spec.users needs the Kubernetes control plane, which is off', 'add spec.cluster.nodes']);
    const noUsers = etcdOnly.replace('  users: [{name: alice, groups: [developers]}]\n', '');
    assertProblem(textError(noUsers + '  timeline: [{at: 1s, delete: pod/web}]\n'), INLINE, 9, 23, ['spec.timeline[0].delete needs the Kubernetes control plane']);
    assertProblem(textError(noUsers + '  timeline: [{at: 1s, crash: scheduler-leader}]\n'), INLINE, 9, 30, ['"scheduler-leader" in spec.timeline[0].crash needs the Kubernetes control plane']);
    assertProblem(textError(noUsers + '  expect: [{name: x, at: 1s, that: {pods: {count: 0}}}]\n'), INLINE, 9, 37, ['spec.expect[0].that.pods needs the Kubernetes control plane']);
  });

  it('hosts and Kubernetes roles where only etcd members may be', () => {
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, put: {client: app, key: k, value: v, via: worker-0}}]\n'), INLINE, 11, 65, [
      '"worker-0" in spec.timeline[0].put.via is a node, not an etcd member',
    ]);
    assertProblem(textError(HEAD + '  expect: [{name: x, at: 2s, that: {etcd: {leader: scheduler-leader}}}]\n'), INLINE, 11, 52, ['"scheduler-leader" cannot be used in spec.expect[0].that.etcd.leader']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, crash: kube-scheduler-3}]\n'), INLINE, 11, 30, [
      'unknown host "kube-scheduler-3" in spec.timeline[0].crash',
      'the instances are kube-scheduler-0',
    ]);
  });

  it('ids: that.request needs a kubectl-like step, that.op an etcd operation', () => {
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, put: {client: app, key: k, value: v, id: w1}}]\n  expect: [{name: x, at: 2s, that: {request: {id: w1, code: 200}}}]\n'), INLINE, 12, 51, [
      'id "w1" in spec.expect[0].that.request.id is an etcd put',
    ]);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, cordon: {node: worker-0, id: c1}}]\n  expect: [{name: x, at: 2s, that: {op: {id: c1, result: ok}}}]\n'), INLINE, 12, 46, [
      'id "c1" in spec.expect[0].that.op.id is a kubectl-like step (cordon',
    ]);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, cordon: {node: worker-0, id: c1}}]\n  expect: [{name: x, at: 2s, that: {request: {id: c2, code: 200}}}]\n'), INLINE, 12, 51, [
      'unknown request id "c2"',
      'did you mean "c1"?',
    ]);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, cordon: {node: worker-0, id: c1}}, {at: 2s, delete: {object: pod/x, id: c1}}]\n'), INLINE, 11, 95, ['duplicate id "c1"']);
  });

  it('shapes: an ambiguous delete, a missing manifest, as on a kubectl verb, conditions', () => {
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, delete: {}}]\n'), INLINE, 11, 23, ['spec.timeline[0].delete is neither a kubectl delete nor an etcd delete']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, apply: {user: alice}}]\n'), INLINE, 11, 23, ['spec.timeline[0].apply has no manifest', 'exactly one of: path, manifest, manifests']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, cordon: worker-0, as: g}]\n'), INLINE, 11, 45, ['spec.timeline[0].as is given, but cordon has no targets to bind']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, add-nodes: {name: worker}}]\n'), INLINE, 11, 41, ['"worker" in spec.timeline[0].add-nodes.name names a group of nodes', 'add count:']);
    assertProblem(textError(HEAD + '  expect: [{name: x, at: 2s, that: {pods: {selector: "app=web,,x"}}}]\n'), INLINE, 11, 54, ['invalid label selector "app=web,,x"']);
    assertProblem(textError(HEAD + '  expect: [{name: x, at: 2s, that: {node: {name: worker-0, condition: {type: Ready, status: False}}}}]\n'), INLINE, 11, 93, ['quote it: status: "False"']);
    assertProblem(textError(HEAD + '  expect: [{name: x, at: 2s, that: {object: {object: pod/x, equals: 3}}}]\n'), INLINE, 11, 61, ['equals needs field']);
    assertProblem(textError(HEAD + '  expect: [{name: x, at: 2s, that: {node: {name: worker-0}}}]\n'), INLINE, 11, 37, ['that.node has no assertion', 'condition, registered']);
    assertProblem(textError(HEAD + '  timeline: [{at: 1s, delete: {object: pod/x, gracePeriod: 1500ms}}]\n'), INLINE, 11, 60, ['not a whole number of seconds', 'write gracePeriod: 2s']);
    assertProblem(textError(HEAD.replace('count: 3}', 'count: 3, labels: {rack: 1}}')), INLINE, 8, 53, ['labels.rack must be a string', 'quote it: rack: "1"']);
    assertProblem(textError(HEAD.replace('count: 3}', 'count: 3, taints: [{key: a, effect: NoSchedul}]}')), INLINE, 8, 64, ['did you mean "NoSchedule"?']);
  });
});

// ------------------------------------------------------------------------------------------------

describe('pieces', () => {
  it('reads manifest scalars the way kubectl does (YAML 1.1, sigs.k8s.io/yaml)', () => {
    const cases: [string, unknown][] = [
      ['0644', 420],
      ['0x1F', 31],
      ['0b101', 5],
      ['1_000', 1000],
      ['08', 8],
      ['1e3', 1000],
      ['.5', 0.5],
      ['-7', -7],
      ['yes', true],
      ['On', true],
      ['n', false],
      ['OFF', false],
      ['~', null],
      ['null', null],
      ['', null],
      ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05Z'],
      ['80:80', '80:80'],
      ['nginx', 'nginx'],
      ['1.2.3', '1.2.3'],
      ['v1', 'v1'],
    ];
    for (const [text, value] of cases) assert.deepEqual(resolvePlain(text), value, text);
  });

  it('parses object references', () => {
    const ok = (text: string, kind: string, name: string): void => {
      const r = parseObjectRef(text);
      assert.ok(r.ok, text);
      assert.equal(r.kind.kind, kind, text);
      assert.equal(r.name, name, text);
    };
    ok('po/x', 'Pod', 'x');
    ok('PODS/x', 'Pod', 'x');
    ok('deployments.apps/web', 'Deployment', 'web');
    ok('deployment.v1.apps/web', 'Deployment', 'web');
    ok('no/worker-0', 'Node', 'worker-0');
    ok('ep/web', 'Endpoints', 'web');
    ok('pc/high', 'PriorityClass', 'high');
    for (const bad of ['pod', 'pod/', '/x', 'pod/a/b', 'pod.apps/x', 'pod/a b']) assert.equal(parseObjectRef(bad).ok, false, bad);
  });

  it('checks label selectors like the apiserver', () => {
    for (const good of ['', 'app=web', 'app==web,tier!=cache', 'env in (a, b)', 'env notin (a),!canary', 'app', 'example.com/tier=x', 'a=']) {
      assert.equal(selectorProblem(good), undefined, good);
    }
    for (const bad of ['app=web,', ',', 'env in a', 'env in (a', 'App Name=x', 'a=b c', 'a=-x']) assert.notEqual(selectorProblem(bad), undefined, bad);
  });

  it('parses quantities and suggests fixes', () => {
    assert.deepEqual(parseQuantity('8Gi'), { ok: true, milli: 8n * 2n ** 30n * 1000n });
    assert.deepEqual(parseQuantity('500m'), { ok: true, milli: 500n });
    for (const [bad, suggestion] of [
      ['8GB', '8G'],
      ['8GiB', '8Gi'],
      ['8gi', '8Gi'],
      ['4 cores', '4'],
      ['1K', '1Ki'],
      ['abc', undefined],
    ] as const) {
      const r = parseQuantity(bad);
      assert.equal(r.ok, false, bad);
      if (!r.ok) assert.equal(r.suggestion, suggestion, bad);
    }
  });
});
