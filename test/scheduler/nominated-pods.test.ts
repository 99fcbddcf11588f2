/**
 * Nominated pods in the scheduling cycle (kube `RunFilterPluginsWithNominatedPods` /
 * `addGENominatedPods`) and the nominator's bookkeeping (`backend/queue/nominator.go`):
 * a pod nominated to a node counts there for pods of lower or equal priority, never for itself
 * or for higher-priority pods; a node passes only if it passes both with the nominated pods and
 * without them; preemption's dry run sees them too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { newPodInfo, type PodInfo } from '../../actors/scheduler/framework/pod-info.ts';
import { INITIAL_ROTATION, scheduleOne, type ScheduleOneResult } from '../../actors/scheduler/framework/schedule-one.ts';
import { buildSnapshot } from '../../actors/scheduler/framework/snapshot.ts';
import { Nominator } from '../../actors/scheduler/nominator.ts';
import { defaultProfile } from '../../actors/scheduler/plugins/registry.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

const T = { timeout: 60_000 };

function node(name: string, cpu: string): V1Node {
  return makeNode(name).capacity({ cpu, memory: '16Gi' }).obj();
}

function nominatedTo(map: Record<string, V1Pod[]>): (n: string) => readonly PodInfo[] {
  const infos = Object.fromEntries(Object.entries(map).map(([n, pods]) => [n, pods.map(newPodInfo)]));
  return (n) => infos[n] ?? [];
}

function placed(r: ScheduleOneResult): string | null {
  return 'node' in r ? r.node : null;
}

describe('nominated pods reserve room on their node', () => {
  // a: 4 cpu, half used; b: 4 cpu, a bit more used. Without nominations a 2-cpu pod goes to a.
  const snapshot = () =>
    buildSnapshot([node('a', '4'), node('b', '4')], [makePod('a1').req({ cpu: '2' }).nodeName('a').obj(), makePod('b1').req({ cpu: '2500m' }).nodeName('b').obj()]);
  const pending = (priority: number) => makePod('p').req({ cpu: '2' }).priority(priority).obj();
  const nominee = (priority: number) => makePod('nominee').req({ cpu: '1' }).priority(priority).nominatedNodeName('a').obj();

  it('for lower- and equal-priority pods', T, () => {
    assert.equal(placed(scheduleOne(defaultProfile(), snapshot(), pending(10), INITIAL_ROTATION, () => 0)), 'a');
    for (const priority of [10, 100]) {
      const r = scheduleOne(defaultProfile(), snapshot(), pending(10), INITIAL_ROTATION, () => 0, { nominatedPods: nominatedTo({ a: [nominee(priority)] }) });
      assert.ok('unschedulable' in r, `nominee p${priority}: ${JSON.stringify(r)}`);
      assert.deepEqual(r.unschedulable.reasonsByNode, { a: ['Insufficient cpu'], b: ['Insufficient cpu'] });
    }
  });

  it('not for higher-priority pods, nor for the nominated pod itself', T, () => {
    const r = scheduleOne(defaultProfile(), snapshot(), pending(50), INITIAL_ROTATION, () => 0, { nominatedPods: nominatedTo({ a: [nominee(10)] }) });
    assert.equal(placed(r), 'a');
    const self = makePod('nominee').req({ cpu: '2' }).priority(10).nominatedNodeName('a').obj();
    const r2 = scheduleOne(defaultProfile(), snapshot(), self, INITIAL_ROTATION, () => 0, { nominatedPods: nominatedTo({ a: [self] }) });
    assert.equal(placed(r2), 'a');
  });

  it('a node must pass without the nominated pods too (they may never arrive)', T, () => {
    // The pending pod needs pod affinity to app=db on the same host. Only the nominated pod on a
    // is app=db: with it the filter passes, without it fails, so a is rejected.
    const snap = buildSnapshot([node('a', '4')], []);
    const db = makePod('db').label('app', 'db').req({ cpu: '1' }).priority(100).nominatedNodeName('a').obj();
    const p = makePod('p').req({ cpu: '1' }).priority(10).obj();
    p.spec!.affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    const r = scheduleOne(defaultProfile(), snap, p, INITIAL_ROTATION, () => 0, { nominatedPods: nominatedTo({ a: [db] }) });
    assert.equal(placed(r), null);
  });

  it("preemption's dry run counts them: no candidate where a nominee holds the room", T, () => {
    // n: 4 cpu, low (p1, 2 cpu) and a nominee (p200, 2 cpu) waiting for n. A p100 pod of 3 cpu:
    // evicting low frees 2 cpu, but the nominee's 2 cpu are reserved → preemption does not help.
    const snap = buildSnapshot([node('n', '4')], [makePod('low').req({ cpu: '2' }).priority(1).nodeName('n').obj()]);
    const holder = makePod('holder').req({ cpu: '2' }).priority(200).nominatedNodeName('n').obj();
    const preemptor = makePod('p').req({ cpu: '3' }).priority(100).obj();
    const without = scheduleOne(defaultProfile(), snap, preemptor, INITIAL_ROTATION, () => 0);
    assert.ok('unschedulable' in without && without.unschedulable.nominatedNodeName === 'n');
    const r = scheduleOne(defaultProfile(), snap, preemptor, INITIAL_ROTATION, () => 0, { nominatedPods: nominatedTo({ n: [holder] }) });
    assert.ok('unschedulable' in r);
    assert.equal(r.unschedulable.nominatedNodeName, '');
    assert.equal(r.unschedulable.victims, undefined);
  });
});

describe('Nominator', () => {
  const pi = (nominated?: string) => {
    const w = makePod('p').uid('uid-p');
    return newPodInfo((nominated ? w.nominatedNodeName(nominated) : w).obj());
  };

  it('set, delete, podsOn', T, () => {
    const n = new Nominator();
    n.set(pi(), 'a');
    assert.deepEqual(n.podsOn('a').map((p) => p.key), ['uid-p']);
    n.set(pi(), 'b');
    assert.deepEqual([n.podsOn('a').length, n.nominatedNode('uid-p')], [0, 'b']);
    n.set(pi(), '');
    assert.equal(n.size, 0);
    assert.equal(n.delete('uid-p'), false);
  });

  it('an update without a nomination on either side keeps the in-memory one; the status decides otherwise', T, () => {
    const n = new Nominator();
    n.onAdd(pi());
    assert.equal(n.size, 0);
    n.set(pi(), 'a'); // preemption nominated it; the patch has not come back yet
    n.onUpdate(pi().pod, pi());
    assert.equal(n.nominatedNode('uid-p'), 'a');
    n.onUpdate(pi().pod, pi('b'));
    assert.equal(n.nominatedNode('uid-p'), 'b');
    n.onUpdate(pi('b').pod, pi());
    assert.equal(n.nominatedNode('uid-p'), undefined);
  });
});
