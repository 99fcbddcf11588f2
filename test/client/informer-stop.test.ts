/**
 * stopInformer: what a process exit does to an informer (the controller-manager calls it on a lost
 * lease). The watch is cancelled at the server, a LIST in flight is abandoned so its late answer
 * cannot start a second watch, the retry timer is cancelled, and the cache is emptied, reported as
 * deletions; startInformer then lists afresh.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newApiClient, onRequestDeadline, onResponse, type ApiClientState } from '../../actors/client/api-client.ts';
import { newInformer, onResult, retryTimerId, startInformer, stopInformer } from '../../actors/client/informer.ts';
import { newOutput, type Output } from '../../actors/kernel/output.ts';
import type { ApiRequest, KubeObject } from '../../actors/api/protocol.ts';

const client = (): ApiClientState => newApiClient({ name: 'kcm', token: 't', server: 'vip', requestTimeoutMs: 10_000, readIdleTimeoutMs: 90_000 });
const sent = (out: Output) => out.sends.map((s) => s.msg as ApiRequest & { type: string });
const pod = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', resourceVersion: '5' } });

function listAnswer(c: ApiClientState, reqId: number, items: KubeObject[], out: Output) {
  return onResponse(c, { type: 'ApiResponse', from: 'kube-apiserver-0', reqId, code: 200, body: { kind: 'List', metadata: { resourceVersion: '9' }, items } as KubeObject }, out);
}

describe('informer: stopInformer', () => {
  it('cancels the watch, empties the cache as deletions, and a restart lists again', () => {
    const c = client();
    const inf = newInformer({ name: 'pods', apiVersion: 'v1', resource: 'pods' });
    const out = newOutput();
    startInformer(inf, c, out, 0);
    const list = sent(out)[0]!;
    const result = listAnswer(c, list.reqId, [pod('a'), pod('b')], out);
    assert.ok(result);
    onResult(inf, result, c, out, 0);
    const watchReqId = inf.watchReqId!;
    assert.equal(c.watches.has(watchReqId), true);

    const stop = newOutput();
    const deltas = stopInformer(inf, c, stop);
    assert.deepEqual(deltas.map((d) => `${d.type} ${d.object.metadata?.name}`), ['deleted a', 'deleted b']);
    assert.equal(inf.store.size, 0);
    assert.equal(inf.synced, false);
    assert.equal(inf.resourceVersion, '');
    assert.equal(c.watches.has(watchReqId), false, 'the client forgets the watch');
    assert.deepEqual(sent(stop).map((m) => `${m.type} ${m.reqId}`), [`ApiWatchCancel ${watchReqId}`], 'and tells the server');
    assert.ok(stop.cancels.includes(retryTimerId(inf)));

    const again = newOutput();
    startInformer(inf, c, again, 0);
    assert.deepEqual(sent(again).map((m) => `${m.verb} ${m.options?.resourceVersion}`), ['list 0']);
  });

  it('abandons a LIST in flight: its late answer is ignored', () => {
    const c = client();
    const inf = newInformer({ name: 'pods', apiVersion: 'v1', resource: 'pods' });
    const out = newOutput();
    startInformer(inf, c, out, 0);
    const list = sent(out)[0]!;
    const stop = newOutput();
    stopInformer(inf, c, stop);
    assert.equal(c.pending.has(list.reqId), false);
    const timedOut: unknown[] = [];
    onRequestDeadline(c, 10_000, newOutput(), timedOut, (into, r) => into.push(r));
    assert.deepEqual(timedOut, [], 'its client-side timeout does not fire');
    assert.equal(listAnswer(c, list.reqId, [pod('a')], newOutput()), null, 'a late answer is no result');
  });
});
