import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RESOURCE_VERSION_SET_ON_CREATE,
  SERVICE_NODE_PORT_RANGE,
  canonicalQuantity,
  decodeError,
  resourceVersionSetOnCreate,
  validateBinding,
  validateCreate,
  validateUpdate,
} from '../../actors/api/validation.ts';
import { applyDefaults, prepareForCreate } from '../../actors/api/defaults.ts';
import { invalid as invalidStatus } from '../../actors/api/errors.ts';
import type { FieldCause } from '../../actors/api/errors.ts';
import type { KubeObject } from '../../actors/api/protocol.ts';

const ctx = { now: '2025-01-01T00:00:05Z', uid: () => 'uid-1', randomInt: () => 0 };

/** A pod as the registry sees it on create: defaulted and prepared. */
function pod(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'web', namespace: 'default' }): KubeObject {
  return prepareForCreate(applyDefaults({ apiVersion: 'v1', kind: 'Pod', metadata, spec }), ctx);
}

/** `field: message` lines, the way kubectl prints them. */
function lines(causes: FieldCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

const nginx = { name: 'web', image: 'nginx:1.27' };

test('a valid pod has no causes', () => {
  assert.deepEqual(validateCreate(pod({ containers: [nginx] })), []);
});

test('metadata.name: required, and the RFC 1123 subdomain message', () => {
  assert.deepEqual(lines(validateCreate(pod({ containers: [nginx] }, { namespace: 'default' }))), [
    'metadata.name: Required value: name or generateName is required',
  ]);
  assert.deepEqual(lines(validateCreate(pod({ containers: [nginx] }, { name: 'Foo_bar', namespace: 'default' }))), [
    `metadata.name: Invalid value: "Foo_bar": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  ]);
  const causes = validateCreate(pod({ containers: [nginx] }, { name: 'Foo_bar', namespace: 'default' }));
  assert.deepEqual(
    causes.map((c) => c.reason),
    ['FieldValueInvalid'],
  );
});

test('metadata.namespace is required for namespaced kinds and forbidden on cluster-scoped ones', () => {
  assert.deepEqual(lines(validateCreate(pod({ containers: [nginx] }, { name: 'web' }))), ['metadata.namespace: Required value']);
  const ns = prepareForCreate(applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', namespace: 'x' } }), ctx);
  assert.deepEqual(lines(validateCreate(ns)), ['metadata.namespace: Forbidden: not allowed on this type']);
  const dotted = prepareForCreate(applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team.a' } }), ctx);
  assert.deepEqual(lines(validateCreate(dotted)), ['metadata.name: Invalid value: "team.a": must not contain dots']);
});

test('containers: required, image required, duplicate names', () => {
  assert.deepEqual(lines(validateCreate(pod({ containers: [] }))), ['spec.containers: Required value']);
  assert.deepEqual(lines(validateCreate(pod({ containers: [{ name: 'web' }] }))), ['spec.containers[0].image: Required value']);
  assert.deepEqual(lines(validateCreate(pod({ containers: [{ name: 'x', image: 'a' }, { name: 'x', image: 'b' }] }))), [
    'spec.containers[1].name: Duplicate value: "x"',
  ]);
  assert.deepEqual(lines(validateCreate(pod({ containers: [{ name: 'Web', image: 'a' }] }))), [
    `spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
  ]);
});

test('resources: a request above its limit, in canonical quantities', () => {
  const p = pod({ containers: [{ ...nginx, resources: { requests: { cpu: '2000m' }, limits: { cpu: '1000m' } } }] });
  assert.deepEqual(validateCreate(p), [
    {
      field: 'spec.containers[0].resources.requests',
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "2": must be less than or equal to cpu limit of 1',
    },
  ]);
  const mem = pod({ containers: [{ ...nginx, resources: { requests: { memory: '1.5Gi' }, limits: { memory: '1Gi' } } }] });
  assert.deepEqual(lines(validateCreate(mem)), ['spec.containers[0].resources.requests: Invalid value: "1536Mi": must be less than or equal to memory limit of 1Gi']);
});

test('resources: negative quantities are field errors, unparseable ones are decode errors', () => {
  const negative = pod({ containers: [{ ...nginx, resources: { limits: { memory: '-1Gi' } } }] });
  // The limit is copied into the request by defaulting, so both paths report it.
  assert.deepEqual(lines(validateCreate(negative)), [
    'spec.containers[0].resources.limits[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
    'spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
  ]);
  const garbage: KubeObject = { apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ ...nginx, resources: { requests: { cpu: 'lots' } } }] } };
  assert.equal(
    decodeError(garbage),
    `Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
  );
  assert.equal(decodeError(pod({ containers: [{ ...nginx, resources: { requests: { cpu: 1 } } }] })), undefined, 'a JSON number is a quantity');
  const rq: KubeObject = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'd' }, spec: { hard: { pods: '1500m' } } };
  assert.deepEqual(lines(validateCreate(rq)), ['spec.hard[pods]: Invalid value: "1500m": must be an integer']);
});

test('canonical quantity strings', () => {
  const table: [string, string][] = [
    ['2000m', '2'],
    ['500m', '500m'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['0.1', '100m'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['100Mi', '100Mi'],
    ['0', '0'],
    ['1e3', '1e3'],
    ['-2000m', '-2'],
  ];
  for (const [input, expected] of table) assert.equal(canonicalQuantity(input), expected, input);
});

test('ports and probes', () => {
  const p = pod({
    containers: [
      {
        ...nginx,
        ports: [{ containerPort: 0 }, { name: 'HTTP', containerPort: 70000 }, { name: 'web', containerPort: 80 }, { name: 'web', containerPort: 81 }],
        livenessProbe: { periodSeconds: 5 },
      },
    ],
  });
  assert.deepEqual(lines(validateCreate(p)), [
    'spec.containers[0].ports[0].containerPort: Required value',
    'spec.containers[0].ports[1].name: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    'spec.containers[0].ports[1].name: Invalid value: "HTTP": must contain at least one letter (a-z)',
    'spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'spec.containers[0].ports[3].name: Duplicate value: "web"',
    'spec.containers[0].livenessProbe: Required value: must specify a handler type',
  ]);
});

test('pod spec enums and node names', () => {
  const p = pod({ containers: [nginx], restartPolicy: 'Sometimes', dnsPolicy: 'Nope', nodeName: 'Node_A' });
  assert.deepEqual(lines(validateCreate(p)), [
    'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    'spec.dnsPolicy: Unsupported value: "Nope": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    `spec.nodeName: Invalid value: "Node_A": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  ]);
  const tol = pod({ containers: [nginx], tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }, { key: 'k', effect: 'NoSchedule', tolerationSeconds: 5 }] });
  assert.deepEqual(lines(validateCreate(tol)), [
    "spec.tolerations[0].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'",
    "spec.tolerations[1].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
  ]);
});

function rs(selector: unknown, templateLabels: Record<string, string>): KubeObject {
  return prepareForCreate(
    applyDefaults({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector, template: { metadata: { labels: templateLabels }, spec: { containers: [nginx] } } },
    }),
    ctx,
  );
}

test('ReplicaSet selector must match the template labels', () => {
  assert.deepEqual(validateCreate(rs({ matchLabels: { app: 'web' } }, { app: 'web', tier: 'fe' })), []);
  assert.deepEqual(lines(validateCreate(rs({ matchLabels: { app: 'web' } }, { app: 'db' }))), [
    'spec.template.metadata.labels: Invalid value: {"app":"db"}: `selector` does not match template `labels`',
  ]);
  assert.deepEqual(lines(validateCreate(rs({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, { app: 'api' }))), []);
  assert.deepEqual(lines(validateCreate(rs({}, { app: 'web' }))), ['spec.selector: Invalid value: {}: empty selector is invalid for deployment']);
  assert.deepEqual(lines(validateCreate(rs(undefined, { app: 'web' }))), [
    'spec.selector: Required value',
    'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
  ]);
});

test('ReplicaSet templates must restart Always', () => {
  const bad = prepareForCreate(
    applyDefaults({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { restartPolicy: 'Never', containers: [nginx] } } },
    }),
    ctx,
  );
  assert.deepEqual(lines(validateCreate(bad)), ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
});

test('Job podFailurePolicy: restartPolicy Never, one matcher per rule, exit codes ordered and not 0 with In', () => {
  const job = (restartPolicy: string, rules: unknown[]) =>
    prepareForCreate(
      applyDefaults({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'pi', namespace: 'default' },
        spec: { podFailurePolicy: { rules }, template: { spec: { restartPolicy, containers: [nginx] } } },
      }),
      ctx,
    );
  const ok = job('Never', [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1, 42] } }, { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }]);
  assert.deepEqual(lines(validateCreate(ok)), []);
  const bad = job('OnFailure', [
    { action: 'Explode', onExitCodes: { operator: 'In', values: [0, 42, 3, 3] } },
    { action: 'Count' },
    { action: 'FailIndex', onExitCodes: { operator: 'Is', values: [1] }, onPodConditions: [{ type: 'X', status: 'Maybe' }] },
  ]);
  assert.deepEqual(lines(validateCreate(bad)), [
    'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Never"',
    'spec.podFailurePolicy.rules[0].action: Unsupported value: "Explode": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
    'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
    'spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Invalid value: 3: must be ordered',
    'spec.podFailurePolicy.rules[0].onExitCodes.values[3]: Duplicate value: 3',
    'spec.podFailurePolicy.rules[1]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required',
    'spec.podFailurePolicy.rules[2].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
    'spec.podFailurePolicy.rules[2]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported',
    'spec.podFailurePolicy.rules[2].onExitCodes.operator: Unsupported value: "Is": supported values: "In", "NotIn"',
    'spec.podFailurePolicy.rules[2].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
  ]);
});

test('Deployment rolling update bounds', () => {
  const d = prepareForCreate(
    applyDefaults({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [nginx] } },
      },
    }),
    ctx,
  );
  assert.deepEqual(lines(validateCreate(d)), ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0']);
});

function stored<T extends KubeObject>(obj: T, rv = '7'): T {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: rv } };
}

test('updates need a resourceVersion and keep identity fields', () => {
  const old = stored(pod({ containers: [nginx] }));
  const noRv = { ...old, metadata: { ...old.metadata, resourceVersion: undefined } };
  assert.deepEqual(lines(validateUpdate(noRv, old)), ['metadata.resourceVersion: Invalid value: "": must be specified for an update']);
  const renamed = { ...old, metadata: { ...old.metadata, uid: 'other' } };
  assert.deepEqual(lines(validateUpdate(renamed, old)), ['metadata.uid: Invalid value: "other": field is immutable']);
});

test('pod updates: image changes pass, anything else is forbidden with the real prefix', () => {
  const old = stored(pod({ containers: [nginx] }));
  const newImage = { ...old, spec: { ...(old['spec'] as object), containers: [{ ...(old['spec'] as { containers: object[] }).containers[0], image: 'nginx:1.28' }] } };
  assert.deepEqual(validateUpdate(newImage, old), []);

  const moved = { ...old, spec: { ...(old['spec'] as object), nodeName: 'node-b' } };
  const causes = validateUpdate(moved, old);
  assert.equal(causes.length, 1);
  assert.equal(causes[0]!.field, 'spec');
  assert.equal(causes[0]!.reason, 'FieldValueForbidden');
  assert.ok(
    causes[0]!.message.startsWith(
      'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
    ),
    causes[0]!.message,
  );
  assert.match(causes[0]!.message, /changed: spec\.nodeName/);

  const added = { ...old, spec: { ...(old['spec'] as object), containers: [nginx, { name: 'b', image: 'b' }] } };
  const addCauses = validateUpdate(applyDefaults(added), old);
  assert.deepEqual(lines(addCauses), ['spec.containers: Forbidden: pod updates may not add or remove containers']);
});

test('pod status updates may not bind; binding bodies need a target', () => {
  const old = stored(pod({ containers: [nginx] }));
  const bound = { ...old, spec: { ...(old['spec'] as object), nodeName: 'node-a' } };
  assert.deepEqual(lines(validateUpdate(bound, old, { subresource: 'status' })), ['status.nodeName: Forbidden: may not be changed directly']);
  assert.deepEqual(lines(validateBinding({ apiVersion: 'v1', kind: 'Binding', target: { kind: 'Pod' } })), [
    'target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"',
    'target.name: Required value',
  ]);
  assert.deepEqual(validateBinding({ apiVersion: 'v1', kind: 'Binding', target: { kind: 'Node', name: 'node-a' } }), []);
});

test('the selector is immutable through apps/v1 but not through extensions/v1beta1', () => {
  const old = stored(rs({ matchLabels: { app: 'web' } }, { app: 'web', v: '1' }));
  const changed = { ...old, spec: { ...(old['spec'] as object), selector: { matchLabels: { app: 'web', v: '1' } } } };
  assert.deepEqual(lines(validateUpdate(changed, old, { requestApiVersion: 'apps/v1' })), [
    'spec.selector: Invalid value: {"matchLabels":{"app":"web","v":"1"}}: field is immutable',
  ]);
  assert.deepEqual(validateUpdate(changed, old, { requestApiVersion: 'extensions/v1beta1' }), []);
});

test('services', () => {
  const svc = (spec: Record<string, unknown>, name = 'web'): KubeObject =>
    prepareForCreate(applyDefaults({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec }), ctx);
  assert.deepEqual(validateCreate(svc({ selector: { app: 'web' }, ports: [{ port: 80 }] })), []);
  assert.deepEqual(lines(validateCreate(svc({ selector: { app: 'web' } }))), ['spec.ports: Required value']);
  assert.deepEqual(validateCreate(svc({ clusterIP: 'None' })), [], 'a headless service needs no ports');
  assert.deepEqual(lines(validateCreate(svc({ ports: [{ port: 80 }, { port: 443 }] }))), ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value']);
  assert.deepEqual(lines(validateCreate(svc({ type: 'Magic', ports: [{ port: 80 }] }))), [
    'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
  ]);
  assert.deepEqual(lines(validateCreate(svc({ ports: [{ port: 80 }] }, '1web'))), [
    `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
  ]);
  assert.deepEqual(validateCreate(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })), [], 'defaulting fills externalTrafficPolicy');
  assert.deepEqual(lines(validateCreate(svc({ externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }))), [
    'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
  ]);
  assert.deepEqual(lines(validateCreate(svc({ ports: [{ port: 80, nodePort: 30080 }] }))), [
    "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
  ]);
});

test('a nodePort outside --service-node-port-range is refused by the allocator, alone and before validation', { timeout: 5_000 }, () => {
  const svc = (spec: Record<string, unknown>, name = 'web'): KubeObject =>
    prepareForCreate(applyDefaults({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec }), ctx);
  const out = svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 40000 }] });
  const causes = validateCreate(out);
  assert.deepEqual(lines(causes), ['spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767']);
  assert.equal(
    invalidStatus('Service', '', 'web', causes).message,
    'Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767',
  );
  assert.deepEqual(SERVICE_NODE_PORT_RANGE, { base: 30000, size: 2768 });
  // The allocator's error comes alone: a validation error in the same object is not reported with it.
  assert.deepEqual(lines(validateCreate(svc({ type: 'LoadBalancer', sessionAffinity: 'Sticky', ports: [{ port: 80, nodePort: 80 }] }))), [
    'spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
  ]);
  // The edges of the range, and a ClusterIP service (no node ports allocated: validation's Forbidden instead).
  assert.deepEqual(validateCreate(svc({ type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30000 }, { name: 'b', port: 81, nodePort: 32767 }] })), []);
  assert.deepEqual(lines(validateCreate(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 29999 }] }))), [
    'spec.ports[0].nodePort: Invalid value: 29999: provided port is not in the valid range. The range of valid ports is 30000-32767',
  ]);
  assert.deepEqual(lines(validateCreate(svc({ ports: [{ port: 80, nodePort: 40000 }] }))), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
  // An update allocates only the node ports the old service did not hold.
  const old: KubeObject = { ...svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }), metadata: { name: 'web', namespace: 'default', resourceVersion: '5', uid: 'uid-1', creationTimestamp: ctx.now } };
  const moved = structuredClone(old);
  ((moved.spec as { ports: { nodePort: number }[] }).ports[0]!).nodePort = 40001;
  assert.deepEqual(lines(validateUpdate(moved, old)), [
    'spec.ports[0].nodePort: Invalid value: 40001: provided port is not in the valid range. The range of valid ports is 30000-32767',
  ]);
});

test('causes render through errors.ts as the apiserver 422 message', () => {
  const causes = validateCreate(pod({ containers: [{ name: 'web' }, { name: 'web', image: 'x' }] }));
  const status = invalidStatus('Pod', '', 'web', causes);
  assert.equal(status.code, 422);
  assert.equal(status.message, 'Pod "web" is invalid: [spec.containers[0].image: Required value, spec.containers[1].name: Duplicate value: "web"]');
});

test('a create carrying a resourceVersion is refused by storage (500), except for "0" and unparseable values', () => {
  assert.equal(resourceVersionSetOnCreate({ metadata: { resourceVersion: '12' } }), RESOURCE_VERSION_SET_ON_CREATE);
  assert.equal(RESOURCE_VERSION_SET_ON_CREATE, 'resourceVersion should not be set on objects to be created');
  assert.equal(resourceVersionSetOnCreate({ metadata: { resourceVersion: '0' } }), undefined);
  assert.equal(resourceVersionSetOnCreate({ metadata: { resourceVersion: '-1' } }), undefined);
  assert.equal(resourceVersionSetOnCreate({ metadata: {} }), undefined);
});

test('generateName is validated as a prefix, which may end in a dash', () => {
  const p = pod({ containers: [nginx] }, { generateName: 'web-', namespace: 'default' });
  assert.equal(p.metadata!.name, 'web-bbbbb');
  assert.deepEqual(validateCreate(p), []);
  const bad = pod({ containers: [nginx] }, { generateName: 'Web-', namespace: 'default' });
  assert.deepEqual(
    bad.metadata!.name !== undefined && lines(validateCreate(bad)).map((l) => l.split(':')[0]),
    ['metadata.generateName', 'metadata.name'],
  );
});

test('namespace status phase follows the deletion timestamp, at Go\'s status.Phase path', () => {
  const ns = stored(prepareForCreate(applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }), ctx));
  const terminating = { ...ns, status: { phase: 'Terminating' } };
  assert.deepEqual(lines(validateUpdate(terminating, ns, { subresource: 'status' })), [
    "status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty",
  ]);
});
