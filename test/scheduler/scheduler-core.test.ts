/**
 * The scheduler's loop (scheduler-core) driven by hand: API results and watch events go in as
 * data, the requests, timers and traces it asks for come out. No kernel, no network.
 *
 * - Start-up: a pod queued before the node informer has synced is tried once the node list
 *   arrives (cycles are skipped until then and must be re-armed), and node events drain activeQ.
 * - Preemption: the PostFilter's decision is carried out through the API (DisruptionTarget,
 *   graceful DELETE, `Preempted` event, `status.nominatedNodeName`), and the preemptor binds to
 *   the nominated node once its victim is gone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { ApiRequest, KubeObject } from '../../actors/api/protocol.ts';
import { newApiClient } from '../../actors/client/api-client.ts';
import { newOutput, type Output } from '../../actors/kernel/output.ts';
import { newScheduler, onApiResult, onApiWatch, onCycle, type SchedulerState } from '../../actors/scheduler/scheduler-core.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

const T = { timeout: 60_000 };

class Harness {
  readonly s: SchedulerState;
  now = 1_000;
  rv = 10;
  /** Every output since the harness started, in order. */
  readonly outs: Output[] = [];

  constructor() {
    const client = newApiClient({ name: 'kube-scheduler-0', token: 't', server: 'kube-apiserver', requestTimeoutMs: 10_000, readIdleTimeoutMs: 120_000 });
    this.s = newScheduler('kube-scheduler-0_1', client, () => 0, () => this.now);
    this.s.leader.isLeader = true;
  }

  private run(fn: (out: Output) => void): Output {
    const out = newOutput();
    fn(out);
    this.outs.push(out);
    return out;
  }

  list(informer: 'nodes' | 'pods' | 'namespaces', items: (V1Node | V1Pod)[]): Output {
    return this.run((out) => onApiResult(this.s, { tag: `${informer}:list`, reqId: 0, code: 200, body: { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(++this.rv) }, items } as unknown as KubeObject }, this.now, out));
  }

  watch(informer: 'nodes' | 'pods', type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: V1Node | V1Pod): Output {
    const object = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } } as unknown as KubeObject;
    return this.run((out) => onApiWatch(this.s, { tag: `${informer}:watch`, reqId: 0, events: [{ type, object }], ended: false }, this.now, out));
  }

  result(tag: string, code: number, body: object = {}): Output {
    return this.run((out) => onApiResult(this.s, { tag, reqId: 0, code, body: body as KubeObject }, this.now, out));
  }

  cycle(): Output {
    return this.run((out) => onCycle(this.s, this.now, out));
  }
}

const cycleTimers = (out: Output) => out.timers.filter((t) => t.event.type === 'SchedulerCycle');
const requests = (out: Output): ApiRequest[] => out.sends.map((s) => s.msg as unknown as ApiRequest).filter((m) => m.type === 'ApiRequest');
const withTag = (h: Harness, prefix: string): string[] => {
  const tags: string[] = [];
  for (const [, p] of h.s.client.pending) if (p.tag.startsWith(prefix)) tags.push(p.tag);
  return tags;
};

describe('scheduler core: start-up', () => {
  it('a pod queued before the node list arrives is tried as soon as the node informer syncs', T, () => {
    const h = new Harness();
    h.list('namespaces', []);
    const pod = makePod('web').req({ cpu: '500m' }).obj();
    h.list('pods', [pod]);
    // The pod informer synced first: a cycle that fires now is skipped (the node informer has not synced).
    h.now += 5;
    const skipped = h.cycle();
    assert.deepEqual(skipped.traces, []);
    assert.deepEqual(cycleTimers(skipped), [], 'a skipped cycle does not poll');
    assert.equal(h.s.queue.where(pod.metadata!.uid!), 'active');
    h.now += 200;
    const afterNodes = h.list('nodes', [makeNode('worker').capacity({ cpu: '2', memory: '4Gi' }).obj()]);
    assert.equal(cycleTimers(afterNodes).length, 1, 'the node list must arm a cycle for the pod waiting in activeQ');
    assert.equal(cycleTimers(afterNodes)[0]!.delayMs, 0);
    const ran = h.cycle();
    const schedule = ran.traces.find((t) => t.kind === 'k8s.schedule');
    assert.equal(schedule?.fields['node'], 'worker');
    assert.equal(requests(ran).find((r) => r.subresource === 'binding')?.name, 'web');
  });

  it('a node event arms a cycle for pods already in activeQ, not only for unschedulable ones', T, () => {
    const h = new Harness();
    h.list('nodes', []);
    h.list('pods', []);
    h.s.cycleAtMs = null; // as after a skipped cycle: nothing armed
    h.s.queue.add(makePod('web').req({ cpu: '500m' }).obj(), h.now);
    const out = h.watch('nodes', 'ADDED', makeNode('worker').capacity({ cpu: '2', memory: '4Gi' }).obj());
    assert.equal(cycleTimers(out).length, 1, 'a node event must make sure activeQ is drained');
  });

  it('pods waiting out a backoff get a cycle at the end of it when the informers sync', T, () => {
    const h = new Harness();
    h.list('pods', []);
    h.cycle(); // skipped: the node informer has not synced
    h.s.queue.add(makePod('web').obj(), h.now);
    const info = h.s.queue.pop(h.now)!;
    h.s.queue.requeueAfterError(info, h.now); // 1 s backoff
    const out = h.list('nodes', []);
    assert.deepEqual(cycleTimers(out).map((t) => t.delayMs), [1_000]);
  });
});

describe('scheduler core: preemption is carried out', () => {
  const worker = () => makeNode('worker').capacity({ cpu: '2', memory: '4Gi' }).obj();
  const filler = (name: string, started: string) => makePod(name).uid(`uid-${name}`).req({ cpu: '900m' }).priority(10).nodeName('worker').startTime(started).obj();
  const urgent = () => makePod('urgent').uid('uid-urgent').req({ cpu: '1' }).priority(1000).obj();

  it('victim: DisruptionTarget, graceful DELETE, Preempted event; preemptor: nominated, then bound there', T, () => {
    const h = new Harness();
    const a = filler('filler-a', '2026-01-01T00:00:00Z');
    const b = filler('filler-b', '2026-01-01T00:00:05Z');
    h.list('nodes', [worker()]);
    h.list('pods', [a, b, urgent()]);
    const first = h.cycle();

    // The cycle: no node fits; preemption nominates the worker, the later-started filler is the victim.
    const schedule = first.traces.find((t) => t.kind === 'k8s.schedule')!;
    assert.deepEqual(
      { node: schedule.fields['node'], nominatedNode: schedule.fields['nominatedNode'], victims: schedule.fields['victims'] },
      { node: null, nominatedNode: 'worker', victims: ['default/filler-b'] },
    );
    const reqs = requests(first);
    const victimStatus = reqs.find((r) => r.name === 'filler-b' && r.subresource === 'status');
    assert.ok(victimStatus, 'the victim gets its DisruptionTarget condition first');
    const conditions = (victimStatus.body as { status: { conditions: Record<string, unknown>[] } }).status.conditions;
    assert.deepEqual(
      conditions.filter((c) => c['type'] === 'DisruptionTarget').map((c) => [c['status'], c['reason'], c['message']]),
      [['True', 'PreemptionByScheduler', 'default-scheduler: preempting to accommodate a higher priority pod']],
    );
    assert.equal(reqs.filter((r) => r.verb === 'delete').length, 0, 'the DELETE waits for the status patch');
    const preemptorStatus = reqs.find((r) => r.name === 'urgent' && r.subresource === 'status');
    assert.equal((preemptorStatus?.body as { status: { nominatedNodeName?: string } }).status.nominatedNodeName, 'worker');
    assert.equal(reqs.filter((r) => r.name === 'filler-a').length, 0, 'only the victims are touched');
    const failed = first.traces.find((t) => t.kind === 'k8s.event' && t.fields['reason'] === 'FailedScheduling');
    assert.equal(failed?.fields['message'], '0/1 nodes are available: 1 Insufficient cpu.');
    assert.equal(h.s.queue.where('uid-urgent'), 'unschedulable');

    // Status patched → graceful DELETE (no options: the pod's own grace period).
    const [statusTag] = withTag(h, 'preempt-status|');
    const deleted = h.result(statusTag!, 200);
    const del = requests(deleted).find((r) => r.verb === 'delete');
    assert.deepEqual([del?.resource, del?.name, del?.options], ['pods', 'filler-b', undefined]);

    // DELETE accepted → the Preempted event, as kube-scheduler words it.
    const [deleteTag] = withTag(h, 'preempt-delete|');
    const evented = h.result(deleteTag!, 200);
    const preempted = evented.traces.find((t) => t.kind === 'k8s.event');
    assert.deepEqual(preempted?.fields, {
      reporter: 'kube-scheduler-0',
      namespace: 'default',
      object: 'pod/filler-b',
      type: 'Normal',
      reason: 'Preempted',
      message: 'Preempted by pod uid-urgent on node worker',
    });
    const eventBody = requests(evented).find((r) => r.resource === 'events')?.body as Record<string, unknown>;
    assert.equal(eventBody['action'], 'Preempting');
    assert.equal((eventBody['related'] as { name?: string }).name, 'urgent');

    // The victim terminates (deletionTimestamp, then gone): the preemptor is retried and bound to the nominated node.
    h.watch('pods', 'MODIFIED', { ...b, metadata: { ...b.metadata, deletionTimestamp: '2026-01-01T00:01:00Z' as unknown as Date, deletionGracePeriodSeconds: 30 } } as unknown as V1Pod);
    h.watch('pods', 'MODIFIED', { ...urgent(), status: { phase: 'Pending', nominatedNodeName: 'worker' } } as V1Pod);
    // A status-only update does not move it; retry it anyway (as the 5-minute flush would).
    assert.equal(h.s.queue.where('uid-urgent'), 'unschedulable');
    assert.ok(h.s.queue.activate('uid-urgent'));
    const retried = h.cycle();
    assert.equal(retried.traces.find((t) => t.kind === 'k8s.schedule')?.fields['node'], null, 'no room while the victim terminates');
    assert.equal(requests(retried).filter((r) => r.verb === 'delete' || r.name === 'filler-b').length, 0, 'a terminating victim is not preempted again');
    h.cycle(); // the follow-up cycle finds the queue empty
    h.now += 30_000;
    const gone = h.watch('pods', 'DELETED', b);
    assert.equal(cycleTimers(gone).length, 1);
    h.now += 1_000;
    const bound = h.cycle();
    assert.equal(bound.traces.find((t) => t.kind === 'k8s.schedule')?.fields['node'], 'worker');
    assert.equal(requests(bound).find((r) => r.subresource === 'binding')?.name, 'urgent');
    assert.equal(h.s.nominator.size, 0, 'an assumed pod leaves the nominator');
  });

  it("the nominated room is kept: a lower-priority pod does not take the victim's place", T, () => {
    const h = new Harness();
    const a = filler('filler-a', '2026-01-01T00:00:00Z');
    const b = filler('filler-b', '2026-01-01T00:00:05Z');
    h.list('nodes', [worker()]);
    h.list('pods', [a, b, urgent()]);
    h.cycle(); // preempts filler-b, nominates urgent to worker
    assert.equal(h.s.nominator.nominatedNode('uid-urgent'), 'worker');
    // The victim is gone, and a lower-priority pod that would fit the freed room is tried first.
    h.s.queue.delete('uid-urgent'); // keep only the nomination in play
    h.watch('pods', 'DELETED', b);
    const late = makePod('late').uid('uid-late').req({ cpu: '500m' }).priority(5).obj();
    h.watch('pods', 'ADDED', late);
    const out = h.cycle();
    const schedule = out.traces.find((t) => t.kind === 'k8s.schedule');
    assert.equal(schedule?.fields['pod'], 'default/late');
    assert.equal(schedule?.fields['node'], null, 'the room is reserved for the nominated preemptor');
  });

  it('a failed DELETE sends the preemptor back to activeQ', T, () => {
    const h = new Harness();
    h.list('nodes', [worker()]);
    h.list('pods', [filler('filler-a', '2026-01-01T00:00:00Z'), filler('filler-b', '2026-01-01T00:00:05Z'), urgent()]);
    h.cycle();
    h.cycle(); // the follow-up cycle finds the queue empty
    h.result(withTag(h, 'preempt-status|')[0]!, 200);
    const out = h.result(withTag(h, 'preempt-delete|')[0]!, 500, { message: 'etcdserver: request timed out' });
    assert.equal(h.s.queue.where('uid-urgent'), 'active');
    assert.equal(cycleTimers(out).length, 1);
    assert.equal(out.traces.filter((t) => t.fields['reason'] === 'Preempted').length, 0);
  });
});
