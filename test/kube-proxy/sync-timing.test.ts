/**
 * kube-proxy's sync timing, driven through the core's step: the periodic sync comes
 * syncPeriod after the last sync of any kind (upstream's runner restarts its maxInterval timer
 * after every run), not on a fixed 30-s cadence that would hold back a change made just after it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newApiClient } from '../../actors/client/api-client.ts';
import type { Output } from '../../actors/kernel/output.ts';
import { DEFAULT_KUBE_PROXY_CONFIG, kubeProxyCore, newKubeProxy, type KubeProxyState } from '../../actors/kube-proxy/kube-proxy-core.ts';
import { AddressPlan } from '../../actors/traffic/addresses.ts';

function syncedProxy(): KubeProxyState {
  const addresses = new AddressPlan();
  addresses.addNode('worker-0', 0);
  const client = newApiClient({ name: 'kube-proxy-worker-0', token: 't', server: 'apiserver', requestTimeoutMs: 60_000, readIdleTimeoutMs: 300_000 });
  const p = newKubeProxy('worker-0', DEFAULT_KUBE_PROXY_CONFIG, client, addresses, () => 0);
  p.services.synced = true;
  p.slices.synced = true;
  return p;
}

const timer = (out: Output, id: string) => out.timers.find((t) => t.id === id);
const syncs = (out: Output) => out.traces.filter((t) => t.kind === 'k8s.proxy').length;

describe('kube-proxy sync timing', () => {
  it('re-arms the periodic sync 30 s after every sync, a change-driven one included', () => {
    const p = syncedProxy();
    const boot = kubeProxyCore.step(p, { type: 'KubeProxyStart' }, 0);
    assert.equal(timer(boot, 'kube-proxy-periodic')?.delayMs, 30_000);
    // A change synced at 12 s: the periodic timer is cancelled and re-armed for 42 s, not left at 30 s.
    const change = kubeProxyCore.step(p, { type: 'KubeProxySync', periodic: false }, 12_000);
    assert.equal(syncs(change), 1);
    assert.ok(change.cancels.includes('kube-proxy-periodic'));
    assert.equal(timer(change, 'kube-proxy-periodic')?.delayMs, 30_000);
    // The periodic one at 42 s syncs and arms the next for 72 s.
    const periodic = kubeProxyCore.step(p, { type: 'KubeProxySync', periodic: true }, 42_000);
    assert.equal(syncs(periodic), 1);
    assert.equal(timer(periodic, 'kube-proxy-periodic')?.delayMs, 30_000);
    assert.equal(p.lastSyncMs, 42_000);
  });

  it('before its informers have synced, the periodic timer only re-arms itself', () => {
    const p = syncedProxy();
    p.slices.synced = false;
    const out = kubeProxyCore.step(p, { type: 'KubeProxySync', periodic: true }, 30_000);
    assert.equal(syncs(out), 0, 'nothing to program yet');
    assert.equal(timer(out, 'kube-proxy-periodic')?.delayMs, 30_000);
    assert.equal(p.syncs, 0);
  });
});
