/**
 * ResourceQuota admission and the quantity formatting its messages depend on: exceeded and
 * must-specify texts, usage returned as data, scopes, object counts, and LimitRanger defaults
 * satisfying a quota through the whole chain.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admit } from '../../actors/api/admission/chain.ts';
import { addQty, formatQty, parseQty } from '../../actors/api/admission/quantity-format.ts';
import { podQuotaUsed, podUsage, validateResourceQuota } from '../../actors/api/admission/resource-quota.ts';
import { formatList } from '../../actors/api/admission/quantity-format.ts';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { createAttrs, lookupOf, pod, readyNamespace } from '../../actors/api/admission/testing.ts';

function quota(name: string, hard: Record<string, string>, used?: Record<string, string>, spec: Record<string, unknown> = {}, ns = 'team'): [string, KubeObject] {
  return [
    'resourcequotas',
    { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: ns }, spec: { hard, ...spec }, status: { hard, ...(used ? { used } : {}) } },
  ];
}

describe('quantity formatting (Quantity.String)', () => {
  const cases: [string, string][] = [
    ['0.5', '500m'],
    ['1500m', '1500m'],
    ['1000m', '1'],
    ['2000', '2k'],
    ['1.5Gi', '1536Mi'],
    ['1024Mi', '1Gi'],
    ['1000Ki', '1000Ki'],
    ['512', '512'],
    ['1e3', '1e3'],
    ['100M', '100M'],
    ['0', '0'],
  ];
  for (const [input, printed] of cases) {
    it(`prints ${input} as ${printed}`, () => assert.equal(formatQty(parseQty(input)), printed));
  }

  it('keeps the left operand’s format, except that zero adopts the right one', () => {
    assert.equal(formatQty(addQty(parseQty('1Gi'), parseQty('512Mi'))), '1536Mi');
    assert.equal(formatQty(addQty(parseQty('0'), parseQty('1Gi'))), '1Gi');
    assert.equal(formatQty(addQty(parseQty('1G'), parseQty('1Gi'))), '2073741824');
  });
});

describe('ResourceQuota admission', () => {
  it('refuses a pod over the cpu quota with the exact upstream text', () => {
    const lookup = lookupOf(quota('compute', { 'requests.cpu': '2' }, { 'requests.cpu': '1500m' }));
    const { error } = validateResourceQuota(createAttrs('pods', pod('web', 'team', [{ requests: { cpu: '1' } }])), lookup);
    assert.equal(error?.code, 403);
    assert.equal(error?.reason, 'Forbidden');
    assert.equal(error?.message, 'pods "web" is forbidden: exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=1500m, limited: requests.cpu=2');
  });

  it('refuses a pod over the pod-count quota', () => {
    const lookup = lookupOf(quota('pod-count', { pods: '2' }, { pods: '2' }));
    const { error } = validateResourceQuota(createAttrs('pods', pod('web', 'team')), lookup);
    assert.equal(error?.message, 'pods "web" is forbidden: exceeded quota: pod-count, requested: pods=1, used: pods=2, limited: pods=2');
  });

  it('lists only the exceeded resources, sorted', () => {
    const lookup = lookupOf(
      quota('mixed', { pods: '10', 'limits.memory': '1Gi', cpu: '1' }, { pods: '1', 'limits.memory': '768Mi', cpu: '900m' }),
    );
    const p = pod('web', 'team', [{ requests: { cpu: '200m', memory: '128Mi' }, limits: { memory: '512Mi' } }]);
    const { error } = validateResourceQuota(createAttrs('pods', p), lookup);
    assert.equal(
      error?.message,
      'pods "web" is forbidden: exceeded quota: mixed, requested: cpu=200m,limits.memory=512Mi, used: cpu=900m,limits.memory=768Mi, limited: cpu=1,limits.memory=1Gi',
    );
  });

  it('requires containers to state tracked cpu/memory: `failed quota: q: must specify …`', () => {
    const lookup = lookupOf(quota('compute', { 'limits.cpu': '4', 'requests.cpu': '2' }, { 'limits.cpu': '0', 'requests.cpu': '0' }));
    const p = pod('web', 'team', [{ name: 'app' }, { name: 'sidecar', requests: { cpu: '100m' } }]);
    const { error } = validateResourceQuota(createAttrs('pods', p), lookup);
    assert.equal(error?.code, 403);
    assert.equal(error?.message, 'pods "web" is forbidden: failed quota: compute: must specify limits.cpu for: app,sidecar; requests.cpu for: app');
  });

  it('admits within quota and returns the new status.used as data', () => {
    const lookup = lookupOf(
      quota('compute', { pods: '10', 'requests.cpu': '4', 'requests.memory': '4Gi' }, { pods: '1', 'requests.cpu': '500m', 'requests.memory': '1Gi' }),
      quota('objects', { 'count/pods': '100' }, { 'count/pods': '0' }),
    );
    const result = validateResourceQuota(createAttrs('pods', pod('web', 'team', [{ requests: { cpu: '250m', memory: '512Mi' } }])), lookup);
    assert.equal(result.error, undefined);
    assert.deepEqual(result.quotaUsage, [
      { quota: 'compute', namespace: 'team', used: { pods: '2', 'requests.cpu': '750m', 'requests.memory': '1536Mi' } },
      { quota: 'objects', namespace: 'team', used: { 'count/pods': '1' } },
    ]);
  });

  it('refuses while the quota controller has not reported usage', () => {
    const lookup = lookupOf(quota('fresh', { pods: '5', 'requests.cpu': '1' }));
    const { error } = validateResourceQuota(createAttrs('pods', pod('web', 'team', [{ requests: { cpu: '1' } }])), lookup);
    assert.equal(error?.message, 'pods "web" is forbidden: status unknown for quota: fresh, resources: pods,requests.cpu');
  });

  it('applies a scoped quota only to matching pods', () => {
    const lookup = lookupOf(quota('besteffort', { pods: '0' }, { pods: '0' }, { scopes: ['BestEffort'] }));
    assert.equal(validateResourceQuota(createAttrs('pods', pod('burst', 'team', [{ requests: { cpu: '1' } }])), lookup).error, undefined);
    const { error } = validateResourceQuota(createAttrs('pods', pod('be', 'team')), lookup);
    assert.equal(error?.message, 'pods "be" is forbidden: exceeded quota: besteffort, requested: pods=1, used: pods=0, limited: pods=0');
  });

  it('counts other objects by count/<resource> and legacy names', () => {
    const lookup = lookupOf(quota('objects', { configmaps: '1', 'count/deployments.apps': '3' }, { configmaps: '1', 'count/deployments.apps': '0' }));
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'team' } };
    assert.equal(
      validateResourceQuota(createAttrs('configmaps', cm), lookup).error?.message,
      'configmaps "cfg" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=1, limited: configmaps=1',
    );
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'team' } };
    assert.deepEqual(validateResourceQuota(createAttrs('deployments', deploy), lookup).quotaUsage, [
      { quota: 'objects', namespace: 'team', used: { configmaps: '1', 'count/deployments.apps': '1' } },
    ]);
  });

  it('ignores updates, deletes and subresources', () => {
    const lookup = lookupOf(quota('pod-count', { pods: '0' }, { pods: '0' }));
    const p = pod('web', 'team');
    assert.equal(validateResourceQuota({ ...createAttrs('pods', p), operation: 'UPDATE', oldObject: p }, lookup).error, undefined);
    assert.equal(validateResourceQuota({ ...createAttrs('pods', p), subresource: 'binding' }, lookup).error, undefined);
  });

  it('is satisfied by LimitRanger defaults when the whole chain runs, and refuses without them', () => {
    const compute = quota('compute', { 'requests.cpu': '1', 'limits.cpu': '2' }, { 'requests.cpu': '0', 'limits.cpu': '0' });
    const defaults: [string, KubeObject] = [
      'limitranges',
      { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'd', namespace: 'team' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '200m' } }] } },
    ];
    const ok = admit(createAttrs('pods', pod('web', 'team')), lookupOf(...readyNamespace('team'), compute, defaults));
    assert.equal(ok.error, undefined);
    assert.deepEqual(ok.quotaUsage, [{ quota: 'compute', namespace: 'team', used: { 'limits.cpu': '500m', 'requests.cpu': '200m' } }]);
    const refused = admit(createAttrs('pods', pod('web', 'team')), lookupOf(...readyNamespace('team'), compute));
    assert.equal(refused.error?.message, 'pods "web" is forbidden: failed quota: compute: must specify limits.cpu for: app; requests.cpu for: app');
  });
});

describe('pod quota usage', () => {
  it('sums containers, raises to the largest init container, and adds overhead', () => {
    const p = pod('p', 'team', [{ requests: { cpu: '100m', memory: '1Gi' } }, { requests: { cpu: '200m' } }], {
      initContainers: [{ name: 'init', resources: { requests: { cpu: '500m' } } }],
      overhead: { cpu: '10m' },
    });
    assert.deepEqual(formatList(podUsage(p)), {
      'count/pods': '1',
      cpu: '510m',
      memory: '1Gi',
      pods: '1',
      'requests.cpu': '510m',
      'requests.memory': '1Gi',
    });
  });

  it('charges finished pods only for count/pods', () => {
    const done = { ...pod('p', 'team', [{ requests: { cpu: '1' } }]), status: { phase: 'Succeeded' } };
    assert.deepEqual(formatList(podUsage(done)), { 'count/pods': '1' });
  });

  it('computes status.used for the quota controller, starting at zero', () => {
    const [, q] = quota('compute', { pods: '10', 'requests.cpu': '4' });
    assert.deepEqual(podQuotaUsed(q, []), { pods: '0', 'requests.cpu': '0' });
    const pods = [pod('a', 'team', [{ requests: { cpu: '250m' } }]), pod('b', 'team', [{ requests: { cpu: '1' } }])];
    assert.deepEqual(podQuotaUsed(q, pods), { pods: '2', 'requests.cpu': '1250m' });
  });
});
