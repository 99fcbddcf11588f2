/**
 * The informer's relist (client-go reflector `relistResourceVersion`): after a watch fails it lists
 * again from the last resourceVersion it delivered — served no older than that, so the reader never
 * goes back in time (kubernetes#59848) — and, when the server says that version is gone (410) or
 * ahead of it ("Too large resource version"), at once with a consistent list (""). Every relist is
 * traced as `k8s.relist` for the Kubernetes safety check ReaderNeverGoesBack; the first list is not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timeout } from '../../actors/api/errors.ts';
import type { ApiRequest, KubeObject } from '../../actors/api/protocol.ts';
import { newApiClient, onResponse, onWatchMessage, type ApiClientState } from '../../actors/client/api-client.ts';
import { newInformer, onResult, onRetry, onWatch, startInformer, type InformerState } from '../../actors/client/informer.ts';
import { newOutput, type Output } from '../../actors/kernel/output.ts';

const client = (): ApiClientState => newApiClient({ name: 'kcm', token: 't', server: 'vip', requestTimeoutMs: 10_000, readIdleTimeoutMs: 90_000 });
const lastSent = (out: Output) => out.sends.map((s) => s.msg as ApiRequest).at(-1)!;
const pod = (name: string, rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', resourceVersion: rv } });

function answerList(inf: InformerState, c: ApiClientState, out: Output, rv: string, items: KubeObject[]): void {
  const r = onResponse(c, { type: 'ApiResponse', from: 'kube-apiserver-0', reqId: lastSent(out).reqId, code: 200, body: { kind: 'List', metadata: { resourceVersion: rv }, items } as KubeObject }, out)!;
  onResult(inf, r, c, out, 0);
}

/** Lists at 9, watches, sees a pod at 12, then the server ends the watch with a 500 ERROR: the informer relists. */
function relistAfterWatchError(): { inf: InformerState; c: ApiClientState; out: Output } {
  const c = client();
  const inf = newInformer({ name: 'pods', apiVersion: 'v1', resource: 'pods' });
  const out = newOutput();
  startInformer(inf, c, out, 0);
  assert.equal(lastSent(out).options?.resourceVersion, '0', 'the first list may come from any cache');
  answerList(inf, c, out, '9', [pod('a', '5')]);
  const watch = lastSent(out);
  const delivery = onWatchMessage(c, { type: 'ApiWatch', ordered: true, from: 'kube-apiserver-0', reqId: watch.reqId, seq: 0, events: [{ type: 'ADDED', object: pod('b', '12') }, { type: 'ERROR', object: { ...timeout('internal error'), code: 500 } as unknown as KubeObject }] }, out, 0)!;
  onWatch(inf, delivery, c, out, 0);
  // The retry timer fired.
  const retry = out.timers.at(-1)!;
  assert.equal(retry.event.what, 'list');
  return { inf, c, out };
}

describe('informer: relist', () => {
  it('relists from the last resourceVersion it delivered, and traces what it held and what it got', () => {
    const { inf, c, out } = relistAfterWatchError();
    const retryOut = newOutput();
    onRetry(inf, 'list', c, retryOut, 0);
    assert.equal(lastSent(retryOut).options?.resourceVersion, '12', 'NotOlderThan the last event');
    answerList(inf, c, retryOut, '15', [pod('a', '5'), pod('b', '12')]);
    assert.deepEqual(
      retryOut.traces.filter((t) => t.kind === 'k8s.relist').map((t) => t.fields),
      [{ client: 'kcm', informer: 'pods', resource: 'pods', listedRv: 9, heldRv: 12, asked: '12', rv: 15 }],
    );
    assert.equal(out.traces.filter((t) => t.kind === 'k8s.relist').length, 0, 'the first list is not traced');
  });

  it('lists again at once, consistently, when the server is behind the asked resourceVersion (504 Too large resource version)', () => {
    const { inf, c } = relistAfterWatchError();
    const out = newOutput();
    onRetry(inf, 'list', c, out, 0);
    const r = onResponse(c, { type: 'ApiResponse', from: 'kube-apiserver-1', reqId: lastSent(out).reqId, code: 504, body: timeout('Too large resource version: 12, current: 10') }, out)!;
    onResult(inf, r, c, out, 0);
    assert.equal(lastSent(out).verb, 'list');
    assert.equal(lastSent(out).options?.resourceVersion, '', 'a consistent list, not a backoff');
    answerList(inf, c, out, '16', []);
    assert.equal(out.traces.find((t) => t.kind === 'k8s.relist')?.fields.asked, '');
  });
});
