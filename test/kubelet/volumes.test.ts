/** The kubelet's wait for a pod's claims: which claims, when they count as Bound, the FailedMount text. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { failedMountMessage, isClaimBound, podClaimVolumes } from '../../actors/kubelet/volumes.ts';

describe('kubelet volumes', { timeout: 5_000 }, () => {
  it('lists the claims a pod mounts, by volume, skipping other volume kinds', () => {
    const pod = { spec: { containers: [], volumes: [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }, { name: 'cfg', configMap: { name: 'c' } }, { name: 'logs', persistentVolumeClaim: { claimName: 'logs-web-0' } }] } } as unknown as V1Pod;
    assert.deepEqual(podClaimVolumes(pod), [['www', 'www-web-0'], ['logs', 'logs-web-0']]);
  });
  it('a claim counts only when the GET found it Bound', () => {
    assert.equal(isClaimBound(200, { status: { phase: 'Bound' } }), true);
    assert.equal(isClaimBound(200, { status: { phase: 'Pending' } }), false);
    assert.equal(isClaimBound(404, { status: 'Failure' }), false);
  });
  it('FailedMount names the unmounted volumes', () => {
    assert.equal(failedMountMessage(['www', 'logs']), 'Unable to attach or mount volumes: unmounted volumes=[www logs]: timed out waiting for the condition');
  });
});
