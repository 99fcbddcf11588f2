import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyDefaults,
  generateName,
  imagePullPolicyFor,
  nextGeneration,
  podQOSClass,
  prepareForCreate,
} from '../../actors/api/defaults.ts';
import type { CreateContext } from '../../actors/api/defaults.ts';
import type { KubeObject } from '../../actors/api/protocol.ts';

/** A context whose uid and random draws are scripted, so outputs are exact. */
function context(draws: number[] = []): CreateContext {
  let uid = 0;
  const queue = [...draws];
  return {
    now: '2025-01-01T00:00:05Z',
    uid: () => `uid-${++uid}`,
    randomInt: (max) => (queue.shift() ?? 0) % max,
  };
}

test('a minimal pod gets exactly the apiserver defaults', () => {
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
  const created = prepareForCreate(applyDefaults(pod), context());
  assert.deepEqual(created, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1', creationTimestamp: '2025-01-01T00:00:05Z', generation: 1 },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'nginx',
          imagePullPolicy: 'Always',
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
    },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  });
  assert.equal(pod.spec !== undefined && 'dnsPolicy' in (pod.spec as object), false, 'the input is not mutated');
});

test('container details: ports, probes, pull policy, requests from limits', () => {
  const pod = applyDefaults({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'd' },
    spec: {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'app',
          image: 'registry.local:5000/app:1.2',
          ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
          readinessProbe: { httpGet: { port: 80 }, periodSeconds: 5 },
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
        },
      ],
    },
  }) as { spec: { restartPolicy: string; containers: Record<string, unknown>[] } };
  const c = pod.spec.containers[0]!;
  assert.equal(pod.spec.restartPolicy, 'Never', 'a set field is kept');
  assert.equal(c['imagePullPolicy'], 'IfNotPresent');
  assert.deepEqual(c['ports'], [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }]);
  assert.deepEqual(c['readinessProbe'], {
    httpGet: { port: 80, path: '/', scheme: 'HTTP' },
    periodSeconds: 5,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.deepEqual(c['resources'], { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
  assert.equal(podQOSClass(pod as unknown as KubeObject), 'Burstable');
});

test('image pull policy follows the tag', () => {
  assert.equal(imagePullPolicyFor('nginx'), 'Always');
  assert.equal(imagePullPolicyFor('nginx:latest'), 'Always');
  assert.equal(imagePullPolicyFor('nginx:1.27'), 'IfNotPresent');
  assert.equal(imagePullPolicyFor('localhost:5000/nginx'), 'Always', 'a registry port is not a tag');
  assert.equal(imagePullPolicyFor('nginx@sha256:abc'), 'IfNotPresent');
  assert.equal(imagePullPolicyFor('nginx:latest@sha256:abc'), 'Always');
});

test('QoS classes', () => {
  const pod = (resources: object): KubeObject => ({ kind: 'Pod', spec: { containers: [{ name: 'a', resources }] } });
  assert.equal(podQOSClass(pod({})), 'BestEffort');
  assert.equal(podQOSClass(pod({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1Gi' } })), 'Guaranteed');
  assert.equal(podQOSClass(pod({ limits: { cpu: '1' }, requests: { cpu: '1' } })), 'Burstable', 'memory limit missing');
  assert.equal(podQOSClass(pod({ requests: { 'example.com/gpu': '1' } })), 'BestEffort', 'only cpu and memory count');
});

test('services: ClusterIP, no affinity, TCP, targetPort = port, internal traffic Cluster', () => {
  const svc = applyDefaults({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }] } });
  assert.deepEqual(svc['spec'], {
    selector: { app: 'web' },
    ports: [
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { port: 53, protocol: 'UDP', targetPort: 'dns' },
    ],
    sessionAffinity: 'None',
    type: 'ClusterIP',
    internalTrafficPolicy: 'Cluster',
  });
  const np = applyDefaults({ apiVersion: 'v1', kind: 'Service', spec: { type: 'NodePort', sessionAffinity: 'ClientIP', ports: [{ port: 80 }] } });
  assert.equal((np['spec'] as Record<string, unknown>)['externalTrafficPolicy'], 'Cluster');
  assert.deepEqual((np['spec'] as Record<string, unknown>)['sessionAffinityConfig'], { clientIP: { timeoutSeconds: 10800 } });
});

test('apps/v1 Deployment and ReplicaSet defaults; the template gets pod spec defaults but not pod-only ones', () => {
  const d = applyDefaults({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api' },
    spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'c', image: 'api:1' }] } } },
  }) as { spec: Record<string, unknown> & { template: { spec: Record<string, unknown> } } };
  assert.equal(d.spec['replicas'], 1);
  assert.deepEqual(d.spec['strategy'], { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(d.spec['revisionHistoryLimit'], 10);
  assert.equal(d.spec['progressDeadlineSeconds'], 600);
  assert.equal(d.spec.template.spec['restartPolicy'], 'Always');
  assert.equal(d.spec.template.spec['enableServiceLinks'], undefined, 'enableServiceLinks is a Pod default only');
  const recreate = applyDefaults({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { strategy: { type: 'Recreate' } } });
  assert.deepEqual((recreate['spec'] as Record<string, unknown>)['strategy'], { type: 'Recreate' });
  const rs = applyDefaults({ apiVersion: 'apps/v1', kind: 'ReplicaSet', spec: { template: { metadata: { labels: { a: 'b' } } } } });
  assert.equal((rs['spec'] as Record<string, unknown>)['replicas'], 1);
  assert.equal((rs['spec'] as Record<string, unknown>)['selector'], undefined, 'apps/v1 never invents a selector');
});

test('namespaces: name label, Active phase, and the kubernetes finalizer on create', () => {
  const ns = prepareForCreate(applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }), context());
  assert.deepEqual(ns, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' }, uid: 'uid-1', creationTimestamp: '2025-01-01T00:00:05Z' },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
});

test('nodes: allocatable defaults to capacity', () => {
  const node = applyDefaults({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } });
  assert.deepEqual((node['status'] as Record<string, unknown>)['allocatable'], { cpu: '4', memory: '8Gi', pods: '110' });
});

test('other kinds: PriorityClass, bindings, LimitRange', () => {
  assert.equal(applyDefaults({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', value: 10 })['preemptionPolicy'], 'PreemptLowerPriority');
  const rb = applyDefaults({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    roleRef: { kind: 'Role', name: 'r' },
    subjects: [{ kind: 'User', name: 'alice' }, { kind: 'ServiceAccount', name: 'default', namespace: 'd' }],
  });
  assert.deepEqual(rb['roleRef'], { kind: 'Role', name: 'r', apiGroup: 'rbac.authorization.k8s.io' });
  assert.deepEqual(rb['subjects'], [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount', name: 'default', namespace: 'd' }]);
  const lr = applyDefaults({ apiVersion: 'v1', kind: 'LimitRange', spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }] } });
  assert.deepEqual((lr['spec'] as { limits: unknown[] }).limits[0], {
    type: 'Container',
    max: { cpu: '2' },
    min: { memory: '64Mi' },
    default: { cpu: '2' },
    defaultRequest: { cpu: '2', memory: '64Mi' },
  });
});

test('create metadata: system fields wiped and refilled, generateName, generation only where tracked', () => {
  const ctx = context([0, 1, 2, 26, 27]);
  const svc = prepareForCreate(
    { apiVersion: 'v1', kind: 'Service', metadata: { generateName: 'web-', uid: 'client-set', deletionTimestamp: '2020-01-01T00:00:00Z', resourceVersion: '5' } },
    ctx,
  );
  // Exact: no generation, since services do not track it.
  assert.deepEqual(svc.metadata, { generateName: 'web-', uid: 'uid-1', creationTimestamp: '2025-01-01T00:00:05Z', name: 'web-bcd9b', resourceVersion: '5' });
  assert.deepEqual(svc['status'], { loadBalancer: {} });
  assert.equal(generateName('x'.repeat(70), () => 3), `${'x'.repeat(58)}fffff`, 'the base is cut to 58 characters');
  assert.equal(prepareForCreate({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }, context()).metadata!.generation, 1);
});

test('generation bumps only when the spec changes', () => {
  const old: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { generation: 3 }, spec: { replicas: 1 } };
  assert.equal(nextGeneration({ ...old, metadata: { labels: { a: 'b' } } }, old), 3);
  assert.equal(nextGeneration({ ...old, spec: { replicas: 2 } }, old), 4);
});
