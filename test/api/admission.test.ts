/**
 * The admission chain and its plugins: order, each plugin's mutation, each rejection with its
 * exact upstream text and code, purity (inputs never change), idempotence of the defaulting.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admit, createChain, DEFAULT_CHAIN, MUTATING_ORDER, PLUGIN_ORDER, VALIDATING_ORDER } from '../../actors/api/admission/chain.ts';
import { admitDefaultTolerationSeconds } from '../../actors/api/admission/default-toleration-seconds.ts';
import { admitLimitRanger, validateLimitRanger } from '../../actors/api/admission/limit-ranger.ts';
import { admitNamespaceLifecycle } from '../../actors/api/admission/namespace-lifecycle.ts';
import { admitNodeRestriction } from '../../actors/api/admission/node-restriction.ts';
import { admitPriority, validatePriority } from '../../actors/api/admission/priority.ts';
import { admitServiceAccount } from '../../actors/api/admission/service-account.ts';
import { admitTaintNodesByCondition } from '../../actors/api/admission/taint-nodes-by-condition.ts';
import type { AdmissionAttributes } from '../../actors/api/admission/types.ts';
import { nodeUser } from '../../actors/api/auth/types.ts';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { ALICE, createAttrs, lookupOf, namespace, pod, readyNamespace, serviceAccount } from '../../actors/api/admission/testing.ts';

type Spec = Record<string, any>;
const specOf = (o: KubeObject | undefined): Spec => (o?.spec ?? {}) as Spec;

const limitRange = (ns: string, item: Record<string, unknown>, name = 'limits'): [string, KubeObject] => [
  'limitranges',
  { apiVersion: 'v1', kind: 'LimitRange', metadata: { name, namespace: ns }, spec: { limits: [{ type: 'Container', ...item }] } },
];

const priorityClass = (name: string, value: number, extra: Record<string, unknown> = {}): [string, KubeObject] => [
  'priorityclasses',
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra },
];

describe('admission chain', () => {
  it('runs the mutating plugins, then the validating ones, in upstream order', () => {
    assert.deepEqual(MUTATING_ORDER, ['NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'NodeRestriction', 'Priority', 'DefaultTolerationSeconds', 'DefaultStorageClass']);
    assert.deepEqual(VALIDATING_ORDER, ['LimitRanger', 'ServiceAccount', 'Priority', 'ResourceQuota']);
    assert.equal(VALIDATING_ORDER.at(-1), 'ResourceQuota');
    assert.deepEqual(DEFAULT_CHAIN.mutatingOrder, MUTATING_ORDER);
  });

  it('orders plugins upstream-wise whatever order they are enabled in, and refuses unknown ones', () => {
    const chain = createChain(['ResourceQuota', 'DefaultTolerationSeconds', 'TaintNodesByCondition', 'NamespaceLifecycle']);
    assert.deepEqual(chain.mutatingOrder, ['NamespaceLifecycle', 'TaintNodesByCondition', 'DefaultTolerationSeconds']);
    assert.deepEqual(chain.validatingOrder, ['ResourceQuota']);
    assert.ok(PLUGIN_ORDER.indexOf('NodeRestriction') < PLUGIN_ORDER.indexOf('Priority'));
    assert.throws(() => createChain(['AlwaysPullImages']), /admission plugin "AlwaysPullImages" is not known/);
  });

  it('applies every mutation of a pod create and leaves the input untouched', () => {
    const lookup = lookupOf(
      ...readyNamespace('team'),
      limitRange('team', { default: { cpu: '500m' }, defaultRequest: { cpu: '100m' } }),
      priorityClass('high', 1000, { globalDefault: true }),
    );
    const input = pod('web', 'team');
    const before = structuredClone(input);
    const result = admit(createAttrs('pods', input), lookup);
    assert.equal(result.error, undefined);
    assert.deepEqual(input, before, 'admission must not modify its input');
    const spec = specOf(result.object);
    assert.deepEqual(spec.containers[0].resources, { limits: { cpu: '500m' }, requests: { cpu: '100m' } });
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.priorityClassName, 'high');
    assert.equal(spec.priority, 1000);
    assert.equal(spec.preemptionPolicy, 'PreemptLowerPriority');
    assert.deepEqual(
      spec.tolerations.map((t: Spec) => t.key),
      ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'],
    );
  });

  it('stops at the first rejection: NamespaceLifecycle before ServiceAccount', () => {
    const lookup = lookupOf(namespace('dying', 'Terminating'));
    const result = admit(createAttrs('pods', pod('p', 'dying')), lookup);
    assert.equal(result.error?.code, 403);
    assert.match(result.error!.message, /because it is being terminated$/);
  });

  it('lets a DELETE through plugins that only handle CREATE/UPDATE', () => {
    const attrs: AdmissionAttributes = { operation: 'DELETE', resource: 'pods', namespace: 'default', name: 'p', oldObject: pod('p'), user: ALICE };
    const result = admit(attrs, lookupOf(...readyNamespace('default')));
    assert.equal(result.error, undefined);
    assert.equal(result.quotaUsage, undefined);
  });
});

describe('NamespaceLifecycle', () => {
  it('admits a create in an active namespace', () => {
    assert.equal(admitNamespaceLifecycle(createAttrs('pods', pod('p', 'team')), lookupOf(namespace('team'))).error, undefined);
  });

  it('refuses a create in a terminating namespace with 403, the upstream text and cause', () => {
    const { error } = admitNamespaceLifecycle(createAttrs('pods', pod('p', 'dying')), lookupOf(namespace('dying', 'Terminating')));
    assert.equal(error?.code, 403);
    assert.equal(error?.reason, 'Forbidden');
    assert.equal(error?.message, 'pods "p" is forbidden: unable to create new content in namespace dying because it is being terminated');
    assert.deepEqual(error?.details?.causes, [{ reason: 'NamespaceTerminating', message: 'namespace dying is being terminated', field: 'metadata.namespace' }]);
  });

  it('refuses a create or update in a missing namespace with 404', () => {
    for (const operation of ['CREATE', 'UPDATE'] as const) {
      const { error } = admitNamespaceLifecycle({ ...createAttrs('pods', pod('p', 'ghost')), operation }, lookupOf());
      assert.equal(error?.code, 404);
      assert.equal(error?.reason, 'NotFound');
      assert.equal(error?.message, 'namespaces "ghost" not found');
    }
  });

  it('refuses to delete default, kube-system and kube-public, but not other namespaces', () => {
    for (const name of ['default', 'kube-system', 'kube-public']) {
      const { error } = admitNamespaceLifecycle({ operation: 'DELETE', resource: 'namespaces', name, user: ALICE }, lookupOf(namespace(name)));
      assert.equal(error?.code, 403);
      assert.equal(error?.message, `namespaces "${name}" is forbidden: this namespace may not be deleted`);
    }
    const other = admitNamespaceLifecycle({ operation: 'DELETE', resource: 'namespaces', name: 'kube-node-lease', user: ALICE }, lookupOf());
    assert.equal(other.error, undefined);
  });

  it('always allows deletes of namespaced objects and cluster-scoped resources', () => {
    const del: AdmissionAttributes = { operation: 'DELETE', resource: 'pods', namespace: 'dying', name: 'p', user: ALICE };
    assert.equal(admitNamespaceLifecycle(del, lookupOf(namespace('dying', 'Terminating'))).error, undefined);
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } };
    assert.equal(admitNamespaceLifecycle(createAttrs('nodes', node), lookupOf()).error, undefined);
  });
});

describe('LimitRanger', () => {
  it('fills requests and limits of a container that has none, and annotates the pod', () => {
    const lookup = lookupOf(limitRange('team', { default: { cpu: '1', memory: '512Mi' }, defaultRequest: { cpu: '250m', memory: '256Mi' } }));
    const { object } = admitLimitRanger(createAttrs('pods', pod('p', 'team')), lookup);
    assert.deepEqual(specOf(object).containers[0].resources, {
      limits: { cpu: '1', memory: '512Mi' },
      requests: { cpu: '250m', memory: '256Mi' },
    });
    assert.equal(
      object?.metadata?.annotations?.['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app',
    );
  });

  it('keeps what the container sets and fills only the rest', () => {
    const lookup = lookupOf(limitRange('team', { default: { cpu: '1' }, defaultRequest: { cpu: '250m', memory: '64Mi' } }));
    const { object } = admitLimitRanger(createAttrs('pods', pod('p', 'team', [{ requests: { cpu: '300m' } }])), lookup);
    assert.deepEqual(specOf(object).containers[0].resources, { limits: { cpu: '1' }, requests: { cpu: '300m', memory: '64Mi' } });
    assert.equal(object?.metadata?.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: memory request for container app; cpu limit for container app');
  });

  it('defaults like SetDefaults_LimitRangeItem: default ← max, defaultRequest ← default else min', () => {
    const lookup = lookupOf(limitRange('team', { max: { cpu: '2' }, min: { memory: '32Mi' } }));
    const { object } = admitLimitRanger(createAttrs('pods', pod('p', 'team')), lookup);
    assert.deepEqual(specOf(object).containers[0].resources, { limits: { cpu: '2' }, requests: { cpu: '2', memory: '32Mi' } });
  });

  it('does nothing without a LimitRange, or to an update', () => {
    const input = pod('p', 'team');
    assert.equal(admitLimitRanger(createAttrs('pods', input), lookupOf()).object, undefined);
    const lookup = lookupOf(limitRange('team', { default: { cpu: '1' } }));
    assert.equal(admitLimitRanger({ ...createAttrs('pods', input), operation: 'UPDATE', oldObject: input }, lookup).object, undefined);
  });

  it('refuses a request under the minimum: `minimum cpu usage per Container is 100m, but request is 50m`', () => {
    const lookup = lookupOf(limitRange('team', { min: { cpu: '100m' } }));
    const { error } = validateLimitRanger(createAttrs('pods', pod('p', 'team', [{ requests: { cpu: '50m' } }])), lookup);
    assert.equal(error?.code, 403);
    assert.equal(error?.message, 'pods "p" is forbidden: minimum cpu usage per Container is 100m, but request is 50m');
  });

  it('refuses a limit over the maximum: `maximum cpu usage per Container is 1, but limit is 2`', () => {
    const lookup = lookupOf(limitRange('team', { max: { cpu: '1' } }));
    const { error } = validateLimitRanger(createAttrs('pods', pod('p', 'team', [{ requests: { cpu: '500m' }, limits: { cpu: '2' } }])), lookup);
    assert.equal(error?.message, 'pods "p" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
  });

  it('reports a missing limit under a maximum, and aggregates several violations in brackets', () => {
    const lookup = lookupOf(limitRange('team', { max: { cpu: '1', memory: '1Gi' }, min: { cpu: '100m' } }));
    const { error } = validateLimitRanger(createAttrs('pods', pod('p', 'team', [{ requests: { cpu: '50m' }, limits: { memory: '2Gi' } }])), lookup);
    assert.equal(
      error?.message,
      'pods "p" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, ' +
        'maximum cpu usage per Container is 1.  No limit is specified, maximum memory usage per Container is 1Gi, but limit is 2Gi]',
    );
  });

  it('admits a pod that the mutating phase brought within bounds', () => {
    const lookup = lookupOf(...readyNamespace('team'), limitRange('team', { min: { cpu: '100m' }, max: { cpu: '1' }, defaultRequest: { cpu: '200m' } }));
    const result = admit(createAttrs('pods', pod('p', 'team')), lookup);
    assert.equal(result.error, undefined);
    assert.deepEqual(specOf(result.object).containers[0].resources, { limits: { cpu: '1' }, requests: { cpu: '200m' } });
  });
});

describe('ServiceAccount', () => {
  it('sets serviceAccountName: default when absent', () => {
    const { object, error } = admitServiceAccount(createAttrs('pods', pod('p')), lookupOf(serviceAccount('default', 'default')));
    assert.equal(error, undefined);
    assert.equal(specOf(object).serviceAccountName, 'default');
  });

  it('keeps an explicit account and inherits its imagePullSecrets', () => {
    const lookup = lookupOf(serviceAccount('default', 'builder', { imagePullSecrets: [{ name: 'registry' }] }));
    const { object } = admitServiceAccount(createAttrs('pods', pod('p', 'default', [{}], { serviceAccountName: 'builder' })), lookup);
    assert.equal(specOf(object).serviceAccountName, 'builder');
    assert.deepEqual(specOf(object).imagePullSecrets, [{ name: 'registry' }]);
  });

  it('refuses a pod whose service account does not exist (403)', () => {
    const { error } = admitServiceAccount(createAttrs('pods', pod('p', 'team', [{}], { serviceAccountName: 'robot' })), lookupOf());
    assert.equal(error?.code, 403);
    assert.equal(error?.message, 'pods "p" is forbidden: error looking up service account team/robot: serviceaccount "robot" not found');
    const missingDefault = admitServiceAccount(createAttrs('pods', pod('q', 'team')), lookupOf());
    assert.equal(missingDefault.error?.message, 'pods "q" is forbidden: error looking up service account team/default: serviceaccount "default" not found');
  });

  it('names a generateName pod by its prefix in errors', () => {
    const p = pod('x', 'team');
    p.metadata = { generateName: 'web-', namespace: 'team' };
    const { error } = admitServiceAccount(createAttrs('pods', p), lookupOf());
    assert.match(error!.message, /^pods "web-" is forbidden: /);
  });
});

describe('Priority', () => {
  it('resolves to 0 and PreemptLowerPriority without a class or a global default', () => {
    const { object } = admitPriority(createAttrs('pods', pod('p')), lookupOf());
    assert.equal(specOf(object).priority, 0);
    assert.equal(specOf(object).preemptionPolicy, 'PreemptLowerPriority');
    assert.equal(specOf(object).priorityClassName, undefined);
  });

  it('uses the globalDefault class (the lowest if several) and records its name', () => {
    const lookup = lookupOf(priorityClass('b', 500, { globalDefault: true }), priorityClass('a', 700, { globalDefault: true }), priorityClass('c', 10));
    const { object } = admitPriority(createAttrs('pods', pod('p')), lookup);
    assert.equal(specOf(object).priority, 500);
    assert.equal(specOf(object).priorityClassName, 'b');
  });

  it('resolves a named class, with its preemption policy', () => {
    const lookup = lookupOf(priorityClass('batch', 100, { preemptionPolicy: 'Never' }));
    const { object } = admitPriority(createAttrs('pods', pod('p', 'default', [{}], { priorityClassName: 'batch' })), lookup);
    assert.equal(specOf(object).priority, 100);
    assert.equal(specOf(object).preemptionPolicy, 'Never');
  });

  it('knows the system classes even before they are stored', () => {
    const node = admitPriority(createAttrs('pods', pod('p', 'kube-system', [{}], { priorityClassName: 'system-node-critical' })), lookupOf());
    assert.equal(specOf(node.object).priority, 2_000_001_000);
    const cluster = admitPriority(createAttrs('pods', pod('p', 'kube-system', [{}], { priorityClassName: 'system-cluster-critical' })), lookupOf());
    assert.equal(specOf(cluster.object).priority, 2_000_000_000);
  });

  it('refuses an unknown class with 403 `no PriorityClass with name X was found`', () => {
    const { error } = admitPriority(createAttrs('pods', pod('p', 'default', [{}], { priorityClassName: 'gold' })), lookupOf());
    assert.equal(error?.code, 403);
    assert.equal(error?.message, 'pods "p" is forbidden: no PriorityClass with name gold was found');
  });

  it('refuses a pod that sets a priority different from its class', () => {
    const lookup = lookupOf(priorityClass('batch', 100));
    const { error } = admitPriority(createAttrs('pods', pod('p', 'default', [{}], { priorityClassName: 'batch', priority: 7 })), lookup);
    assert.equal(
      error?.message,
      'pods "p" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 100 from the given PriorityClass name',
    );
  });

  it('restores a priority an update dropped', () => {
    const old = pod('p', 'default', [{}], { priority: 100 });
    const { object } = admitPriority({ ...createAttrs('pods', pod('p')), operation: 'UPDATE', oldObject: old }, lookupOf());
    assert.equal(specOf(object).priority, 100);
  });

  it('allows one globalDefault PriorityClass only', () => {
    const lookup = lookupOf(priorityClass('existing', 1, { globalDefault: true }));
    const pc = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'second' }, value: 2, globalDefault: true };
    const { error } = validatePriority(createAttrs('priorityclasses', pc), lookup);
    assert.equal(error?.message, 'priorityclasses.scheduling.k8s.io "second" is forbidden: PriorityClass existing is already marked as default. Only one default can exist');
  });
});

describe('DefaultTolerationSeconds', () => {
  const NOT_READY = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
  const UNREACHABLE = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };

  it('adds not-ready and unreachable NoExecute tolerations of 300 s', () => {
    const { object } = admitDefaultTolerationSeconds(createAttrs('pods', pod('p')), lookupOf());
    assert.deepEqual(specOf(object).tolerations, [NOT_READY, UNREACHABLE]);
  });

  it('adds them once: a second pass (an update, a re-admission) changes nothing', () => {
    const first = admitDefaultTolerationSeconds(createAttrs('pods', pod('p')), lookupOf()).object!;
    const second = admitDefaultTolerationSeconds({ ...createAttrs('pods', first), operation: 'UPDATE', oldObject: first }, lookupOf());
    assert.equal(second.object, undefined);
    const twice = admit(createAttrs('pods', admit(createAttrs('pods', pod('p')), lookupOf(...readyNamespace('default'))).object!), lookupOf(...readyNamespace('default')));
    assert.equal(specOf(twice.object).tolerations.length, 2);
  });

  it('respects a toleration the pod already has, and a wildcard one', () => {
    const own = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 };
    const { object } = admitDefaultTolerationSeconds(createAttrs('pods', pod('p', 'default', [{}], { tolerations: [own] })), lookupOf());
    assert.deepEqual(specOf(object).tolerations, [own, UNREACHABLE]);
    const wildcard = admitDefaultTolerationSeconds(createAttrs('pods', pod('p', 'default', [{}], { tolerations: [{ operator: 'Exists' }] })), lookupOf());
    assert.equal(wildcard.object, undefined);
  });
});

describe('TaintNodesByCondition', () => {
  it('taints a new node not-ready:NoSchedule, once', () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } };
    const { object } = admitTaintNodesByCondition(createAttrs('nodes', node), lookupOf());
    assert.deepEqual(specOf(object).taints, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
    assert.equal(admitTaintNodesByCondition(createAttrs('nodes', object!), lookupOf()).object, undefined);
  });
});

describe('NodeRestriction', () => {
  const kubelet = nodeUser('a');
  const node = (name: string, extra: Spec = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: {}, ...extra });
  const update = (resource: string, obj: KubeObject, old: KubeObject, subresource?: string): AdmissionAttributes => ({
    operation: 'UPDATE',
    resource,
    ...(subresource ? { subresource } : {}),
    ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}),
    name: obj.metadata?.name ?? '',
    object: obj,
    oldObject: old,
    user: kubelet,
  });

  it('lets a kubelet update its own Node and Node status', () => {
    assert.equal(admitNodeRestriction(update('nodes', node('a'), node('a')), lookupOf()).error, undefined);
    assert.equal(admitNodeRestriction(update('nodes', node('a'), node('a'), 'status'), lookupOf()).error, undefined);
  });

  it('refuses another node: `node "a" is not allowed to modify node "b"`', () => {
    const { error } = admitNodeRestriction(update('nodes', node('b'), node('b'), 'status'), lookupOf());
    assert.equal(error?.code, 403);
    assert.equal(error?.message, 'nodes "b" is forbidden: node "a" is not allowed to modify node "b"');
  });

  it('refuses taint changes and restricted labels on its own Node', () => {
    const tainted = node('a', { spec: { taints: [{ key: 'x', effect: 'NoSchedule' }] } });
    assert.equal(admitNodeRestriction(update('nodes', tainted, node('a')), lookupOf()).error?.message, 'nodes "a" is forbidden: node "a" is not allowed to modify taints');
    const relabelled = node('a');
    relabelled.metadata!.labels = { ...relabelled.metadata!.labels, 'node-restriction.kubernetes.io/pool': 'x', 'node.kubernetes.io/ok': 'y' };
    assert.equal(
      admitNodeRestriction(update('nodes', relabelled, node('a')), lookupOf()).error?.message,
      'nodes "a" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool',
    );
  });

  it('lets a kubelet update the status of its own pods only', () => {
    const mine = pod('mine', 'default', [{}], { nodeName: 'a' });
    const theirs = pod('theirs', 'default', [{}], { nodeName: 'b' });
    assert.equal(admitNodeRestriction(update('pods', mine, mine, 'status'), lookupOf()).error, undefined);
    const { error } = admitNodeRestriction(update('pods', theirs, theirs, 'status'), lookupOf());
    assert.equal(error?.code, 403);
    assert.equal(error?.message, 'pods "theirs" is forbidden: node "a" can only update pod status for pods with spec.nodeName set to itself');
  });

  it('refuses pod creates that are not mirror pods, and deletes of other nodes’ pods', () => {
    const created = admitNodeRestriction(createAttrs('pods', pod('p', 'default', [{}], { nodeName: 'a' }), kubelet), lookupOf());
    assert.equal(created.error?.message, 'pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "a" can only create mirror pods');
    const theirs = pod('theirs', 'default', [{}], { nodeName: 'b' });
    const del: AdmissionAttributes = { operation: 'DELETE', resource: 'pods', namespace: 'default', name: 'theirs', oldObject: theirs, user: kubelet };
    assert.equal(admitNodeRestriction(del, lookupOf(['pods', theirs])).error?.message, 'pods "theirs" is forbidden: node "a" can only delete pods with spec.nodeName set to itself');
  });

  it('limits leases to its own one in kube-node-lease', () => {
    const lease = (ns: string, name: string): KubeObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: ns } });
    const attrs = (ns: string, name: string): AdmissionAttributes => ({ ...update('leases', lease(ns, name), lease(ns, name)), apiGroup: 'coordination.k8s.io' });
    assert.equal(admitNodeRestriction(attrs('kube-node-lease', 'a'), lookupOf()).error, undefined);
    assert.equal(
      admitNodeRestriction(attrs('kube-node-lease', 'b'), lookupOf()).error?.message,
      'leases.coordination.k8s.io "b" is forbidden: can only access node lease with the same name as the requesting node',
    );
    assert.equal(
      admitNodeRestriction(attrs('default', 'a'), lookupOf()).error?.message,
      'leases.coordination.k8s.io "a" is forbidden: can only access leases in the "kube-node-lease" system namespace',
    );
  });

  it('does not concern users that are not nodes', () => {
    assert.equal(admitNodeRestriction({ ...update('nodes', node('b'), node('b')), user: ALICE }, lookupOf()).error, undefined);
  });
});
