import { digHostName } from './kubernetes-cluster.ts';
import type { KubeObject } from '../api/protocol.ts';
import { timestamp } from '../api/time.ts';
import type { World } from './build.ts';
import type { Outcomes } from './outcomes.ts';
import type { ScenarioSpec, TimelineStep } from './spec.ts';

/**
 * Plays a scenario's timeline: each step runs at its virtual time, resolves its targets then
 * (roles, groups bound earlier with `as`), and acts — a network fault, a crash or restart, an
 * etcd client request, a kubectl-like command, new nodes.
 */
/** kubectl delete --cascade → metav1.DeleteOptions.propagationPolicy. */
const CASCADE = { background: 'Background', foreground: 'Foreground', orphan: 'Orphan' } as const;

export function scheduleTimeline(spec: ScenarioSpec, world: World, outcomes: Outcomes): void {
  const { sim, targets, kube } = world;
  const nextReqId = new Map<string, number>();

  const runStep = (step: TimelineStep): void => {
    const a = step.action;
    const bind = (names: string[]): void => {
      const as = step.as[0];
      if (as !== undefined) targets.groups.set(as, names);
    };
    switch (a.verb) {
      case 'partition': {
        const groups = targets.resolveGroups(a.groups);
        step.as.forEach((name, i) => targets.groups.set(name, groups[i] ?? []));
        sim.network.partition(groups);
        sim.trace.record('fault', { action: 'partition', groups, targets: groups.flat() });
        return;
      }
      case 'cut': {
        const from = targets.resolve(a.from);
        const to = targets.resolve(a.to);
        for (const f of from) for (const t of to) sim.network.cut(f, t);
        bind([...from, ...to]);
        sim.trace.record('fault', { action: 'cut', from, to, targets: [...from, ...to] });
        return;
      }
      case 'isolate': {
        const names = targets.resolve(a.targets);
        for (const n of names) sim.network.isolate(n);
        bind(names);
        sim.trace.record('fault', { action: 'isolate', targets: names });
        return;
      }
      case 'heal': {
        if (a.targets === 'all') {
          sim.network.heal();
          sim.trace.record('fault', { action: 'heal', targets: sim.hostNames() });
        } else {
          const names = targets.resolve(a.targets);
          sim.network.heal(names);
          sim.trace.record('fault', { action: 'heal', targets: names });
        }
        return;
      }
      case 'netem': {
        const net = sim.network;
        const figures = {
          lossProbability: a.lossProbability,
          duplicateProbability: a.duplicateProbability,
          reorderProbability: a.reorderProbability,
          reorderDelayMsMax: a.reorderDelayMsMax ?? net.getOptions().reorderDelayMsMax,
        };
        const untilMs = a.durationMs === undefined ? Infinity : step.atMs + a.durationMs;
        const scope = a.scope;
        let targetNames: string[] = [];
        let fields: Record<string, unknown> = {};
        if (scope.kind === 'all') net.degrade({ kind: 'all' }, figures, untilMs);
        else if (scope.kind === 'on') {
          targetNames = targets.resolve(scope.targets);
          bind(targetNames);
          net.degrade({ kind: 'on', names: targetNames }, figures, untilMs);
          fields = { on: targetNames };
        } else {
          const groups = targets.resolveGroups(scope.groups);
          step.as.forEach((name, i) => targets.groups.set(name, groups[i] ?? []));
          targetNames = groups.flat();
          net.degrade({ kind: 'between', groups }, figures, untilMs);
          fields = { between: groups };
        }
        sim.trace.record('fault', {
          action: 'netem',
          targets: targetNames,
          ...fields,
          loss: a.lossProbability,
          duplication: a.duplicateProbability,
          reorder: a.reorderProbability,
          ...(untilMs === Infinity ? {} : { untilMs }),
        });
        return;
      }
      case 'crash':
      case 'restart': {
        const names = targets.resolve(a.targets);
        bind(names);
        // Traced before acting, so a restarted member's first role change follows its restart.
        sim.trace.record('fault', { action: a.verb, targets: names });
        for (const n of names) (a.verb === 'crash' ? sim.crash(n) : sim.restart(n));
        return;
      }
      case 'apply':
        return kube?.kubectl(a.user, a.id, { type: 'apply', objects: a.manifests.map((d) => d.object as KubeObject) });
      case 'kubectl-delete':
        return kube?.kubectl(a.user, a.id, { type: 'delete', kind: a.object.kind, name: a.object.name, ...(a.object.namespace ? { namespace: a.object.namespace } : {}), ...(a.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: a.gracePeriodSeconds } : {}), ...(a.cascade ? { propagationPolicy: CASCADE[a.cascade] } : {}) });
      case 'rollout': {
        const ns = a.object.namespace ? { namespace: a.object.namespace } : {};
        if (a.action === 'undo') return kube?.kubectl(a.user, a.id, { type: 'undo', kind: a.object.kind, name: a.object.name, ...ns, ...(a.toRevision !== undefined ? { toRevision: a.toRevision } : {}) });
        return kube?.kubectl(a.user, a.id, { type: 'rollout', action: a.action, kind: a.object.kind, name: a.object.name, ...ns, ...(a.action === 'restart' ? { restartedAt: timestamp(step.atMs) } : {}) });
      }
      case 'set-image':
        return kube?.kubectl(a.user, a.id, { type: 'set-image', kind: a.object.kind, name: a.object.name, ...(a.object.namespace ? { namespace: a.object.namespace } : {}), container: a.container, image: a.image });
      case 'patch':
        return kube?.kubectl(a.user, a.id, { type: 'patch', kind: a.object.kind, name: a.object.name, ...(a.object.namespace ? { namespace: a.object.namespace } : {}), patch: a.patch as KubeObject, ...(a.subresource ? { subresource: a.subresource } : {}) });
      case 'scale':
        return kube?.kubectl(a.user, a.id, { type: 'scale', kind: a.object.kind, name: a.object.name, ...(a.object.namespace ? { namespace: a.object.namespace } : {}), replicas: a.replicas });
      case 'cordon':
      case 'uncordon':
        return kube?.kubectl(a.user, a.id, { type: a.verb, node: a.node });
      case 'drain':
        return kube?.kubectl(a.user, a.id, {
          type: 'drain',
          node: a.node,
          ignoreDaemonsets: a.ignoreDaemonsets,
          deleteEmptydirData: a.deleteEmptydirData,
          force: a.force,
          timeoutSeconds: a.timeoutSeconds,
          ...(a.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: a.gracePeriodSeconds } : {}),
        });
      case 'dig':
        sim.inject(digHostName(a.node), { type: 'Dig', id: a.id, question: { name: a.name, qtype: a.qtype } } as { type: string });
        return;
      case 'add-nodes':
        kube?.addNodes(a.nodes);
        sim.trace.record('fault', { action: 'add-nodes', targets: a.nodes.map((n) => n.name) });
        return;
      case 'put':
      case 'get':
      case 'delete': {
        const reqId = (nextReqId.get(a.client) ?? 0) + 1;
        nextReqId.set(a.client, reqId);
        const via = a.via ? targets.resolve(a.via) : undefined;
        const op =
          a.verb === 'put'
            ? { op: 'put' as const, key: a.key, value: a.value }
            : a.verb === 'get'
              ? { op: 'get' as const, key: a.key, consistency: a.consistency }
              : { op: 'delete' as const, key: a.key };
        sim.inject(a.client, { type: 'Invoke', reqId, op, via } as { type: string });
        if (a.id !== undefined) outcomes.nameOp(a.id, a.client, reqId);
        return;
      }
    }
  };

  for (const step of spec.timeline) sim.clock.at(step.atMs, () => runStep(step));
}
