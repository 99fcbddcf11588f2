/**
 * spec.timeline: steps `{at, <one verb>, as?}`. Each verb has an entry in VERBS (the same keys as
 * VERB_KEYS in schema.ts): how to read its value and how many names its `as` takes.
 *
 * Steps are read in three passes: every step's map and `at` first; then the add-nodes steps, in
 * the order they run (time, then file order), so that nodes they add have their names and times
 * before anything refers to them; then every other step, in file order.
 */

import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { ManifestDoc, NetemScope, ObjectRef, TargetRef, TimelineAction, TimelineStep } from '../../actors/scenario/spec.ts';
import { formatDuration } from './durations.ts';
import { kindList, kindWords, parseObjectRef, type KindInfo } from './kinds.ts';
import { readNodeEntry } from './kubernetes.ts';
import { readInlineManifest, readManifestList, readManifestPath, scenarioPlace, toJson } from './manifests.ts';
import { SHAPES, VERB_NAMES, type VerbName } from './schema.ts';
import {
  bindGroups,
  defineId,
  isDnsLabel,
  kubernetesOff,
  readClientRef,
  readNodeRef,
  readTargets,
  readUserRef,
  type IdVerb,
  type State,
  type TargetUse,
} from './targets.ts';
import { closest, listItems, openMap, type Fields, readBool, readDuration, readEnum, readInt, readProbability, readReorderDelay, readString, wrongType, type Ctx, type Val } from './tree.ts';

interface StepInfo {
  index: number;
  atMs: number | undefined;
}

interface Decoded {
  action: TimelineAction;
  /** What `as` binds: 'perGroup' (one name per partition group), 'one' (one name), or nothing. */
  binds: { kind: 'perGroup'; groups: number } | { kind: 'one' } | { kind: 'none'; why: string };
}

type VerbDecoder = (cx: Ctx, st: State, v: Val, step: StepInfo) => Decoded | undefined;

/** What a fault verb's single targets may be: any host, group or role but `rest`. */
const plain = (step: StepInfo): TargetUse => ({ rest: false, step, hosts: true });
/** What `via` may be: etcd members, groups and etcd roles. */
const members = (step: StepInfo): TargetUse => ({ rest: false, step });

const noTargets = (verb: string): Decoded['binds'] => ({ kind: 'none', why: `${verb} has no targets to bind` });
/** heal ends faults: nothing to name (bind the targets of the step that made the fault). */
const HEAL_BINDS: Decoded['binds'] = { kind: 'none', why: 'heal binds nothing (it ends faults; bind the targets of the fault step with its own as)' };

/**
 * At least 2 groups of targets (a partition's, netem's `between`): `rest` once, in a group after
 * the first; a member or host in one group only.
 */
function readGroups(cx: Ctx, st: State, v: Val, step: StepInfo, what: string): TargetRef[][] | undefined {
    const items = listItems(cx, v, 'a list of at least 2 groups, each a target or a list of targets');
    if (!items) return undefined;
    if (items.length < 2) {
      return cx.report(v.node, `${v.path} has ${items.length} group${items.length === 1 ? '' : 's'}`, `${what} at least 2 groups`, `list the groups, like ${v.name}: [[leader, a follower], rest]`);
    }
    const groups: TargetRef[][] = [];
    const seen = new Map<string, number>();
    let restNode: Node | undefined;
    let bad = false;
    items.forEach((item, g) => {
      const targets = readTargets(cx, st, item, { rest: g > 0, step, hosts: true });
      if (!targets) {
        bad = true;
        return;
      }
      const nodes = isSeq(item.node) ? (item.node.items as Node[]) : [item.node];
      targets.forEach((t, k) => {
        const at = nodes[k] ?? item.node;
        if (t === 'rest') {
          if (restNode) {
            cx.report(at, `"rest" appears twice in ${v.path}`, 'rest already takes every member not named before it', 'keep one');
            bad = true;
          }
          restNode = at;
        } else if (/^etcd-\d+$/.test(t) || st.hosts.has(t)) {
          const other = seen.get(t);
          if (other !== undefined && other !== g) {
            cx.report(at, `${/^etcd-\d+$/.test(t) ? 'member' : 'host'} "${t}" is in two groups of ${v.path} (groups ${other} and ${g})`, 'each member is in one group', 'remove it from one of them');
            bad = true;
          }
          seen.set(t, g);
        }
      });
      groups.push(targets);
    });
    return bad ? undefined : groups;
}

const VERBS: Record<VerbName, VerbDecoder> = {
  partition(cx, st, v, step) {
    const groups = readGroups(cx, st, v, step, 'a partition splits the members into');
    return groups && { action: { verb: 'partition', groups }, binds: { kind: 'perGroup', groups: groups.length } };
  },

  cut(cx, st, v, step) {
    const f = openMap(cx, v, SHAPES.cut, 'a map {from: <targets>, to: <targets>}');
    if (!f) return undefined;
    const fromV = f.get('from');
    const toV = f.get('to');
    const from = fromV && readTargets(cx, st, fromV, plain(step));
    const to = toV && readTargets(cx, st, toV, { rest: true, step, hosts: true });
    if (!from || !to) return undefined;
    return { action: { verb: 'cut', from, to }, binds: { kind: 'one' } };
  },

  isolate(cx, st, v, step) {
    const targets = readTargets(cx, st, v, plain(step));
    return targets && { action: { verb: 'isolate', targets }, binds: { kind: 'one' } };
  },

  heal(cx, st, v, step) {
    if (isScalar(v.node) && v.node.value === 'all') {
      return { action: { verb: 'heal', targets: 'all' }, binds: HEAL_BINDS };
    }
    const targets = readTargets(cx, st, v, plain(step));
    if (!targets) return undefined;
    if (targets.includes('all')) {
      if (targets.length === 1) return { action: { verb: 'heal', targets: 'all' }, binds: HEAL_BINDS };
      return cx.report(v.node, `${v.path} lists "all" with other targets`, 'all already heals every fault', 'write heal: all');
    }
    return { action: { verb: 'heal', targets }, binds: HEAL_BINDS };
  },

  netem(cx, st, v, step) {
    const f = openMap(cx, v, SHAPES.netem, 'a map {loss, duplication, reorder, reorderDelay, for, on | between}');
    if (!f) return undefined;
    const onV = f.get('on');
    const betweenV = f.get('between');
    const on = onV && readTargets(cx, st, onV, plain(step));
    const groups = betweenV && readGroups(cx, st, betweenV, step, 'between takes');
    const figure = (key: 'loss' | 'duplication' | 'reorder'): number | undefined => {
      const fv = f.get(key);
      return fv ? readProbability(cx, fv) : 0;
    };
    const loss = figure('loss');
    const duplication = figure('duplication');
    const reorder = figure('reorder');
    const reorderDelayV = f.get('reorderDelay');
    const reorderDelay = reorderDelayV && readReorderDelay(cx, reorderDelayV);
    const forV = f.get('for');
    let durationMs = forV && readDuration(cx, forV);
    if (forV && durationMs === 0) {
      durationMs = cx.report(forV.node, `${forV.path} is 0s`, 'how long the degradation lasts: a duration above 0', 'write it like for: 10s, or leave it out to last until a heal');
    }
    if ((onV && !on) || (betweenV && !groups) || loss === undefined || duplication === undefined || reorder === undefined) return undefined;
    if ((reorderDelayV && reorderDelay === undefined) || (forV && durationMs === undefined)) return undefined;
    const scope: NetemScope = on ? { kind: 'on', targets: on } : groups ? { kind: 'between', groups } : { kind: 'all' };
    return {
      action: {
        verb: 'netem',
        scope,
        lossProbability: loss,
        duplicateProbability: duplication,
        reorderProbability: reorder,
        ...(reorderDelay !== undefined ? { reorderDelayMsMax: reorderDelay } : {}),
        ...(durationMs !== undefined ? { durationMs } : {}),
      },
      binds: groups ? { kind: 'perGroup', groups: groups.length } : on ? { kind: 'one' } : { kind: 'none', why: 'netem on every link has no targets to bind (bind the hosts of on or the groups of between)' },
    };
  },

  crash(cx, st, v, step) {
    const targets = readTargets(cx, st, v, plain(step));
    return targets && { action: { verb: 'crash', targets }, binds: { kind: 'one' } };
  },

  restart(cx, st, v, step) {
    const targets = readTargets(cx, st, v, plain(step));
    return targets && { action: { verb: 'restart', targets }, binds: { kind: 'one' } };
  },

  put(cx, st, v, step) {
    const f = openMap(cx, v, SHAPES.put, 'a map {client, key, value}');
    if (!f) return undefined;
    const common = clientOp(cx, st, f, 'put', step);
    const valueV = f.get('value');
    const value = valueV && readString(cx, valueV);
    if (!common || value === undefined) return undefined;
    return { action: { verb: 'put', client: common.client, key: common.key, value, ...common.extra }, binds: common.binds };
  },

  get(cx, st, v, step) {
    const f = openMap(cx, v, SHAPES.get, 'a map {client, key}');
    if (!f) return undefined;
    const common = clientOp(cx, st, f, 'get', step);
    const consistencyV = f.get('consistency');
    const consistency = consistencyV ? readEnum(cx, consistencyV, ['linearizable', 'serializable'] as const) : 'linearizable';
    if (!common || consistency === undefined) return undefined;
    return { action: { verb: 'get', client: common.client, key: common.key, consistency, ...common.extra }, binds: common.binds };
  },

  delete(cx, st, v, step) {
    // Two verbs share the word, told apart by shape: kubectl's `delete: pod/web` or
    // `{object: …}`, and the etcd client's `{client, key}`.
    const keys = isMap(v.node) ? v.node.items.map((p) => (isScalar(p.key) ? p.key.value : undefined)) : [];
    const kubectl = isScalar(v.node) || keys.includes('object') || (!keys.includes('client') && !keys.includes('key') && keys.some((k) => k === 'namespace' || k === 'user' || k === 'gracePeriod' || k === 'cascade'));
    if (isMap(v.node) && !kubectl && !keys.includes('client') && !keys.includes('key')) {
      return cx.report(
        v.key ?? v.node,
        `${v.path} is neither a kubectl delete nor an etcd delete`,
        'a kubectl delete names an object: delete: pod/web, or {object: pod/web, namespace, user, gracePeriod, id}; an etcd delete is {client, key, via, id}',
        'write delete: pod/web, or delete: {client: app, key: /demo/a}',
      );
    }
    if (kubectl) return kubectlDelete(cx, st, v);
    const f = openMap(cx, v, SHAPES.delete, 'a map {client, key}');
    if (!f) return undefined;
    const common = clientOp(cx, st, f, 'delete', step);
    if (!common) return undefined;
    return { action: { verb: 'delete', client: common.client, key: common.key, ...common.extra }, binds: common.binds };
  },

  apply(cx, st, v) {
    if (!st.kubernetes) return kubernetesOff(cx, v);
    if (isScalar(v.node)) {
      const manifests = readManifestPath(cx, v);
      return manifests && { action: { verb: 'apply', user: 'admin', manifests }, binds: noTargets('apply') };
    }
    const f = openMap(cx, v, SHAPES.apply, 'a file path, or a map {path | manifest | manifests, user, id}');
    if (!f) return undefined;
    const common = kubectlCommon(cx, st, f, 'apply');
    const pathV = f.get('path');
    const manifestV = f.get('manifest');
    const manifestsV = f.get('manifests');
    let manifests: ManifestDoc[] | undefined;
    if (pathV) manifests = readManifestPath(cx, pathV);
    else if (manifestV) {
      manifests = isMap(manifestV.node)
        ? readInlineManifest(cx, manifestV)
        : wrongType(cx, manifestV, 'one Kubernetes object (a map)', 'write the object under manifest:, or use manifests: for a list');
    } else if (manifestsV) {
      manifests = readManifestList(cx, manifestsV);
      if (manifests?.length === 0) {
        manifests = cx.report(manifestsV.node, `${manifestsV.path} is an empty list`, 'kubectl apply needs at least one object', 'list manifests, like manifests: [{path: manifests/web.yaml}]');
      }
    } else return undefined; // openMap reported the missing manifest
    if (!common || !manifests) return undefined;
    return { action: { verb: 'apply', user: common.user, manifests, ...common.extra }, binds: noTargets('apply') };
  },

  scale(cx, st, v) {
    if (!st.kubernetes) return kubernetesOff(cx, v);
    const f = openMap(cx, v, SHAPES.scale, 'a map {object: deployment/web, replicas: 5}');
    if (!f) return undefined;
    const common = kubectlCommon(cx, st, f, 'scale');
    const object = readObjectField(cx, f, (info, objectV) =>
      SCALABLE.includes(info.kind)
        ? true
        : cx.report(objectV.node, `${objectV.path} is a ${info.kind.toLowerCase()}, which cannot be scaled`, `scale works on ${SCALABLE.map((k) => k.toLowerCase() + 's').join(', ')}`, 'scale a deployment/<name>, replicaset/<name>, statefulset/<name> or replicationcontroller/<name>'),
    );
    const replicasV = f.get('replicas');
    const replicas = replicasV && readInt(cx, replicasV, 0, MAX_REPLICAS);
    if (!common || !object || replicas === undefined) return undefined;
    return { action: { verb: 'scale', user: common.user, object, replicas, ...common.extra }, binds: noTargets('scale') };
  },

  patch(cx, st, v) {
    if (!st.kubernetes) return kubernetesOff(cx, v);
    const f = openMap(cx, v, SHAPES.patch, 'a map {object: node/worker-1, patch: {…}}');
    if (!f) return undefined;
    const common = kubectlCommon(cx, st, f, 'patch');
    const object = readObjectField(cx, f);
    const patchV = f.get('patch');
    let patch: Record<string, unknown> | undefined;
    if (patchV) {
      if (!isMap(patchV.node)) {
        wrongType(cx, patchV, 'a JSON merge patch: a map, like {spec: {unschedulable: true}}');
      } else {
        patch = toJson(scenarioPlace(cx), patchV.node) as Record<string, unknown> | undefined;
      }
    }
    const subresourceV = f.get('subresource');
    const subresource = subresourceV && readEnum(cx, subresourceV, ['status'] as const);
    if (!common || !object || !patch || (subresourceV && subresource === undefined)) return undefined;
    return {
      action: { verb: 'patch', user: common.user, object, patch, ...(subresource ? { subresource } : {}), ...common.extra },
      binds: noTargets('patch'),
    };
  },

  rollout(cx, st, v) {
    if (!st.kubernetes) return kubernetesOff(cx, v);
    const f = openMap(cx, v, SHAPES.rollout, 'a map {undo: deployment/web}, or pause, resume, restart');
    if (!f) return undefined;
    const common = kubectlCommon(cx, st, f, 'rollout');
    const action = (['undo', 'pause', 'resume', 'restart'] as const).find((a) => f.has(a));
    if (!action) return undefined; // openMap reported it
    const actionV = f.get(action)!;
    const kinds = action === 'undo' || action === 'pause' || action === 'resume' ? ['Deployment'] : ['Deployment', 'StatefulSet', 'DaemonSet'];
    const object = readObjectRef(cx, actionV, f.get('namespace'), (info, objectV) =>
      kinds.includes(info.kind)
        ? true
        : cx.report(objectV.node, `${objectV.path} is a ${info.kind.toLowerCase()}, which kubectl rollout ${action} does not take`, `rollout ${action} works on ${kinds.map((k) => k.toLowerCase() + 's').join(', ')}`, `write rollout: {${action}: deployment/<name>}`),
    );
    const toRevisionV = f.get('toRevision');
    if (toRevisionV && action !== 'undo') {
      cx.report(toRevisionV.key ?? toRevisionV.node, `${toRevisionV.path} is given, but only rollout undo takes a revision`, undefined, 'remove toRevision, or use undo');
      return undefined;
    }
    const toRevision = toRevisionV && readInt(cx, toRevisionV, 1, 2 ** 31 - 1);
    if (!common || !object || (toRevisionV && toRevision === undefined)) return undefined;
    return {
      action: { verb: 'rollout', action, user: common.user, object, ...(toRevision !== undefined ? { toRevision } : {}), ...common.extra },
      binds: noTargets('rollout'),
    };
  },

  'set-image'(cx, st, v) {
    if (!st.kubernetes) return kubernetesOff(cx, v);
    const f = openMap(cx, v, SHAPES.setImage, 'a map {object: deployment/web, container: web, image: nginx:1.26}');
    if (!f) return undefined;
    const common = kubectlCommon(cx, st, f, 'set-image');
    const object = readObjectField(cx, f, (info, objectV) =>
      POD_TEMPLATE_KINDS.includes(info.kind)
        ? true
        : cx.report(objectV.node, `${objectV.path} is a ${info.kind.toLowerCase()}, which has no pod template`, `set image works on ${POD_TEMPLATE_KINDS.map((k) => k.toLowerCase() + 's').join(', ')}`, 'name a deployment/<name> or another workload'),
    );
    const containerV = f.get('container');
    const container = containerV && readString(cx, containerV, { nonEmpty: true });
    const imageV = f.get('image');
    const image = imageV && readString(cx, imageV, { nonEmpty: true });
    if (!common || !object || container === undefined || image === undefined) return undefined;
    return { action: { verb: 'set-image', user: common.user, object, container, image, ...common.extra }, binds: noTargets('set-image') };
  },

  dig(cx, st, v, step) {
    if (!st.kubernetes) return kubernetesOff(cx, v);
    const f = openMap(cx, v, SHAPES.dig, 'a map {node, name, type, id}');
    if (!f) return undefined;
    const nodeV = f.get('node');
    const node = nodeV && readNodeRef(cx, st, nodeV, step);
    const nameV = f.get('name');
    let name = nameV && readString(cx, nameV, { nonEmpty: true });
    if (nameV && name !== undefined && !/^[A-Za-z0-9_]([-A-Za-z0-9_]*)(\.[-A-Za-z0-9_]+)*\.?$/.test(name)) {
      name = cx.report(nameV.node, `${nameV.path} is "${name}", not a DNS name`, 'a name like web.default.svc.cluster.local or _http._tcp.web.default.svc.cluster.local', 'write the fully qualified name (dig uses no search list)');
    }
    const typeV = f.get('type');
    const qtype = typeV ? readEnum(cx, typeV, ['A', 'AAAA', 'SRV', 'PTR', 'CNAME'] as const) : 'A';
    const idV = f.get('id');
    const id = idV && defineId(cx, st, idV, 'dig');
    if (node === undefined || name === undefined || qtype === undefined || id === undefined) return undefined;
    return { action: { verb: 'dig', node, name, qtype, id }, binds: noTargets('dig') };
  },
  cordon: (cx, st, v, step) => cordon(cx, st, v, step, 'cordon'),
  uncordon: (cx, st, v, step) => cordon(cx, st, v, step, 'uncordon'),
  drain,

  'add-nodes'(cx, st, v, step) {
    if (!st.kubernetes) return kubernetesOff(cx, v);
    const nodes = readNodeEntry(cx, st, v, { atMs: step.atMs, stepIndex: step.index, line: cx.position(v.node).line });
    return (
      nodes && {
        action: { verb: 'add-nodes', nodes },
        binds: { kind: 'none', why: 'add-nodes names its nodes: use them by name (a count gives <name>-0, <name>-1, …)' },
      }
    );
  },
};

const MAX_REPLICAS = 10_000;
/** Kinds with a scale subresource (kubectl scale). */
const SCALABLE = ['Deployment', 'ReplicaSet', 'StatefulSet', 'ReplicationController'];
/** Kinds with containers kubectl set image can change. */
const POD_TEMPLATE_KINDS = ['Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ReplicationController', 'Job', 'CronJob'];

function kubectlDelete(cx: Ctx, st: State, v: Val): Decoded | undefined {
  if (!st.kubernetes) return kubernetesOff(cx, v);
  if (isScalar(v.node)) {
    const object = readObjectRef(cx, v, undefined);
    return object && { action: { verb: 'kubectl-delete', user: 'admin', object }, binds: noTargets('delete') };
  }
  const f = openMap(cx, v, SHAPES.kubectlDelete, 'pod/web, or a map {object: pod/web, namespace, user, gracePeriod, id}');
  if (!f) return undefined;
  const common = kubectlCommon(cx, st, f, 'kubectl-delete');
  const object = readObjectField(cx, f);
  const cascadeV = f.get('cascade');
  const cascade = cascadeV && readEnum(cx, cascadeV, ['background', 'foreground', 'orphan'] as const);
  const graceV = f.get('gracePeriod');
  let gracePeriodSeconds: number | undefined;
  if (graceV) {
    const ms = readDuration(cx, graceV);
    if (ms !== undefined && ms % 1000 !== 0) {
      cx.report(graceV.node, `${graceV.path} is ${formatDuration(ms)}, not a whole number of seconds`, 'kubectl counts the grace period in seconds', `write gracePeriod: ${formatDuration(Math.round(ms / 1000) * 1000)}`);
    } else if (ms !== undefined) gracePeriodSeconds = ms / 1000;
  }
  if (!common || !object || (graceV && gracePeriodSeconds === undefined) || (cascadeV && cascade === undefined)) return undefined;
  return {
    action: { verb: 'kubectl-delete', user: common.user, object, ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}), ...(cascade ? { cascade } : {}), ...common.extra },
    binds: noTargets('delete'),
  };
}

function cordon(cx: Ctx, st: State, v: Val, step: StepInfo, verb: 'cordon' | 'uncordon'): Decoded | undefined {
  if (!st.kubernetes) return kubernetesOff(cx, v);
  if (isScalar(v.node)) {
    const node = readNodeRef(cx, st, v, step);
    return node === undefined ? undefined : { action: { verb, user: 'admin', node }, binds: noTargets(verb) };
  }
  const f = openMap(cx, v, SHAPES.cordon, `a node name, or a map {node, user, id}`);
  if (!f) return undefined;
  const common = kubectlCommon(cx, st, f, verb);
  const nodeV = f.get('node');
  const node = nodeV && readNodeRef(cx, st, nodeV, step);
  if (!common || node === undefined) return undefined;
  return { action: { verb, user: common.user, node, ...common.extra }, binds: noTargets(verb) };
}

/** kubectl drain's default --timeout is 0 (no limit); a drain here gives up after this. */
export const DRAIN_TIMEOUT_DEFAULT_MS = 600_000;

function drain(cx: Ctx, st: State, v: Val, step: StepInfo): Decoded | undefined {
  if (!st.kubernetes) return kubernetesOff(cx, v);
  const flags = { ignoreDaemonsets: false, deleteEmptydirData: false, force: false };
  if (isScalar(v.node)) {
    const node = readNodeRef(cx, st, v, step);
    return node === undefined ? undefined : { action: { verb: 'drain', user: 'admin', node, ...flags, timeoutSeconds: DRAIN_TIMEOUT_DEFAULT_MS / 1000 }, binds: noTargets('drain') };
  }
  const f = openMap(cx, v, SHAPES.drain, 'a node name, or a map {node, ignoreDaemonsets, deleteEmptydirData, force, timeout, gracePeriod, user, id}');
  if (!f) return undefined;
  const common = kubectlCommon(cx, st, f, 'drain');
  const nodeV = f.get('node');
  const node = nodeV && readNodeRef(cx, st, nodeV, step);
  let ok = true;
  for (const flag of ['ignoreDaemonsets', 'deleteEmptydirData', 'force'] as const) {
    const fv = f.get(flag);
    if (!fv) continue;
    const b = readBool(cx, fv);
    if (b === undefined) ok = false;
    else flags[flag] = b;
  }
  const seconds = (name: 'timeout' | 'gracePeriod', min: number): number | undefined | null => {
    const dv = f.get(name);
    if (!dv) return undefined;
    const ms = readDuration(cx, dv);
    if (ms === undefined) return null;
    if (ms % 1000 !== 0 || ms < min * 1000) {
      cx.report(dv.node, `${dv.path} is ${formatDuration(ms)}, not a whole number of seconds of at least ${min}s`, 'kubectl counts it in seconds', `write ${name}: ${formatDuration(Math.max(min, Math.round(ms / 1000)) * 1000)}`);
      return null;
    }
    return ms / 1000;
  };
  const timeoutSeconds = seconds('timeout', 1);
  const gracePeriodSeconds = seconds('gracePeriod', 0);
  if (!common || node === undefined || !ok || timeoutSeconds === null || gracePeriodSeconds === null) return undefined;
  return {
    action: { verb: 'drain', user: common.user, node, ...flags, timeoutSeconds: timeoutSeconds ?? DRAIN_TIMEOUT_DEFAULT_MS / 1000, ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}), ...common.extra },
    binds: noTargets('drain'),
  };
}

/** `user` (default admin) and `id`, which every kubectl-like verb takes. */
function kubectlCommon(cx: Ctx, st: State, f: Fields, verb: IdVerb): { user: string; extra: { id?: string } } | undefined {
  const userV = f.get('user');
  const idV = f.get('id');
  const user = userV ? readUserRef(cx, st, userV) : 'admin';
  const id = idV && defineId(cx, st, idV, verb);
  if (user === undefined || (idV && id === undefined)) return undefined;
  return { user, extra: id === undefined ? {} : { id } };
}

/** `object` (kind/name) and `namespace` of a map; `check` may reject the kind. */
export function readObjectField(cx: Ctx, f: Fields, check?: (info: KindInfo, v: Val) => true | undefined): ObjectRef | undefined {
  const objectV = f.get('object');
  const namespaceV = f.get('namespace');
  if (!objectV) {
    if (namespaceV) readNamespace(cx, namespaceV);
    return undefined; // openMap reported the missing object
  }
  return readObjectRef(cx, objectV, namespaceV, check);
}

/**
 * An object reference `kind/name` (kubectl's kinds, plurals and short names; see kinds.ts), with
 * its namespace: `namespaceV` when given, `default` for namespaced kinds otherwise, none for
 * cluster-scoped kinds.
 */
export function readObjectRef(cx: Ctx, v: Val, namespaceV: Val | undefined, check?: (info: KindInfo, v: Val) => true | undefined): ObjectRef | undefined {
  const text = readString(cx, v, { nonEmpty: true });
  const namespace = namespaceV && readNamespace(cx, namespaceV);
  if (text === undefined) return undefined;
  const r = parseObjectRef(text);
  if (!r.ok) {
    if (r.unknownKind !== undefined) {
      const guess = closest(r.unknownKind, kindWords());
      return cx.report(
        v.node,
        `unknown kind "${r.unknownKind}" in ${v.path} (${JSON.stringify(text)})`,
        `kinds: ${kindList()}, and their plurals and short names as kubectl accepts them`,
        guess ? `did you mean "${guess}/${text.slice(text.indexOf('/') + 1)}"?` : 'write it like deployment/web',
      );
    }
    const noKind = !text.includes('/');
    return cx.report(
      v.node,
      `${v.path} is ${JSON.stringify(text)}, not an object reference: ${r.reason}`,
      'kind/name, as kubectl takes it: pod/web, deployment/web, node/worker-0',
      noKind ? `write it with its kind, like pod/${text.trim()}` : 'write it like deployment/web',
    );
  }
  if (check && check(r.kind, v) === undefined) return undefined;
  if (!r.kind.namespaced) {
    if (namespaceV) {
      return cx.report(namespaceV.key ?? namespaceV.node, `${namespaceV.path} is given, but a ${r.kind.kind.toLowerCase()} is not in a namespace`, `${r.kind.kind.toLowerCase()}s are cluster-scoped`, 'remove namespace');
    }
    return { kind: r.kind.kind.toLowerCase(), name: r.name };
  }
  if (namespaceV && namespace === undefined) return undefined;
  return { kind: r.kind.kind.toLowerCase(), name: r.name, namespace: namespace ?? 'default' };
}

/** A namespace name: a DNS-1123 label. */
export function readNamespace(cx: Ctx, v: Val): string | undefined {
  const value = readString(cx, v, { nonEmpty: true });
  if (value === undefined) return undefined;
  if (isDnsLabel(value)) return value;
  return cx.report(v.node, `${v.path} "${value}" is not a valid namespace name`, 'a DNS-1123 label: lowercase letters, digits and "-", at most 63 characters', 'write it like namespace: default');
}

/** The fields put, get and delete share: client, key, via, id. */
function clientOp(
  cx: Ctx,
  st: State,
  f: Fields,
  verb: 'put' | 'get' | 'delete',
  step: StepInfo,
): { client: string; key: string; extra: { via?: TargetRef[]; id?: string }; binds: Decoded['binds'] } | undefined {
  const clientV = f.get('client');
  const keyV = f.get('key');
  const viaV = f.get('via');
  const idV = f.get('id');
  const client = clientV && readClientRef(cx, st, clientV, verb, 'etcd');
  const key = keyV && readString(cx, keyV, { nonEmpty: true });
  const via = viaV && readTargets(cx, st, viaV, members(step));
  const id = idV && defineId(cx, st, idV, verb);
  if (client === undefined || key === undefined || (viaV && !via) || (idV && id === undefined)) return undefined;
  const extra: { via?: TargetRef[]; id?: string } = {};
  if (via) extra.via = via;
  if (id !== undefined) extra.id = id;
  return {
    client,
    key,
    extra,
    // The members of via are not bound: name them where a fault step binds them, or by name.
    binds: { kind: 'none', why: `${verb} binds nothing (as is for fault verbs; name the members of via by name, a role or a group bound by a fault step)` },
  };
}

/** Pre-pass: every name bound by any step's `as`, so a use before the binding step is told apart from a typo. */
function collectBindings(cx: Ctx, st: State, items: readonly Val[]): void {
  items.forEach((item, index) => {
    if (!isMap(item.node)) return;
    const asPair = item.node.items.find((p) => isScalar(p.key) && p.key.value === 'as');
    const value = asPair?.value as Node | null | undefined;
    if (!value) return;
    const nodes = isSeq(value) ? (value.items as Node[]) : [value];
    for (const n of nodes) {
      if (isScalar(n) && typeof n.value === 'string' && !st.laterGroups.has(n.value)) {
        st.laterGroups.set(n.value, { stepIndex: index, line: cx.position(n).line });
      }
    }
  });
}

export function readTimeline(cx: Ctx, st: State, v: Val): TimelineStep[] | undefined {
  const items = listItems(cx, v, 'a list of steps, each a map {at: <time>, <verb>: …}');
  if (!items) return undefined;
  collectBindings(cx, st, items);
  const opened = items.map((item) => openStep(cx, st, item));
  const decoded = new Map<number, Decoded | undefined>();
  const decode = (index: number): void => {
    const o = opened[index];
    if (!o?.verb || !o.verbV) return;
    decoded.set(index, VERBS[o.verb](cx, st, o.verbV, { index, atMs: o.atMs }));
  };
  // Nodes first, in the order they are added when the run goes.
  opened
    .map((o, index) => ({ o, index }))
    .filter(({ o }) => o?.verb === 'add-nodes')
    .sort((a, b) => (a.o?.atMs ?? Infinity) - (b.o?.atMs ?? Infinity) || a.index - b.index)
    .forEach(({ index }) => decode(index));
  const steps: TimelineStep[] = [];
  let bad = false;
  opened.forEach((o, index) => {
    if (!decoded.has(index)) decode(index);
    const step = o && finishStep(cx, st, o, decoded.get(index), index);
    if (step) steps.push(step);
    else bad = true;
  });
  return bad ? undefined : steps;
}

interface OpenStep {
  v: Val;
  f: Fields;
  atMs: number | undefined;
  verb: VerbName | undefined;
  verbV: Val | undefined;
}

function openStep(cx: Ctx, st: State, v: Val): OpenStep | undefined {
  const f = openMap(cx, v, SHAPES.step, 'a map {at: <time>, <verb>: …}');
  if (!f) return undefined;
  const atV = f.get('at');
  const atMs = atV && readTime(cx, st, atV);
  const verb = VERB_NAMES.find((name) => f.has(name));
  return { v, f, atMs, verb, verbV: verb && f.get(verb) };
}

function finishStep(cx: Ctx, st: State, o: OpenStep, decoded: Decoded | undefined, index: number): TimelineStep | undefined {
  const asV = o.f.get('as');
  const as = asV ? readAs(cx, st, asV, decoded, o.verb, index, o.atMs) : [];
  if (o.atMs === undefined || !decoded || !as) return undefined;
  return { atMs: o.atMs, action: decoded.action, as, source: cx.source(o.v.node) };
}

/** `as`: one name per group for a partition, a single name otherwise. */
function readAs(
  cx: Ctx,
  st: State,
  v: Val,
  decoded: Decoded | undefined,
  verb: VerbName | undefined,
  index: number,
  atMs: number | undefined,
): string[] | undefined {
  const names: Val[] = isSeq(v.node) ? (listItems(cx, v) ?? []) : [v];
  // Bind what we can even if the arity is wrong, so later uses are not reported as unknown.
  const bound = bindGroups(cx, st, names, index, atMs);
  if (!decoded || !verb) return bound;
  const binds = decoded.binds;
  if (binds.kind === 'none') {
    return cx.report(v.node, `${v.path} is given, but ${binds.why}`, undefined, 'remove as');
  }
  if (binds.kind === 'perGroup') {
    if (!isSeq(v.node)) {
      return wrongType(cx, v, `a list of ${binds.groups} names, one per partition group`, `write as: [${exampleNames(binds.groups)}]`);
    }
    if (names.length !== binds.groups) {
      return cx.report(
        v.node,
        `${v.path} has ${names.length} name${names.length === 1 ? '' : 's'}, but the partition has ${binds.groups} groups`,
        'one name per group, in the same order',
        `write as: [${exampleNames(binds.groups)}]`,
      );
    }
    return bound;
  }
  if (isSeq(v.node)) {
    return cx.report(
      v.node,
      `${v.path} is a list, but ${verb} binds all its targets to a single name`,
      'a list of names is only for partition, one name per group',
      'write as: <name>, like as: lonely',
    );
  }
  return bound;
}

function exampleNames(n: number): string {
  const names = ['minority', 'majority', 'third', 'fourth', 'fifth'];
  return Array.from({ length: n }, (_, i) => names[i] ?? `group-${i}`).join(', ');
}

/** A point in virtual time: a duration from the start, at most spec.duration. */
export function readTime(cx: Ctx, st: State, v: Val): number | undefined {
  const ms = readDuration(cx, v);
  if (ms === undefined) return undefined;
  return checkWithinRun(cx, st, v, ms, ms);
}

/** Reports a time (or a window ending at `endMs`) past the end of the run. */
export function checkWithinRun(cx: Ctx, st: State, v: Val, value: number, endMs: number, what?: string): number | undefined {
  const end = st.durationMs;
  if (end !== undefined && endMs > end) {
    return cx.report(
      v.node,
      what ?? `${v.path} is ${formatDuration(endMs)}, after the end of the scenario`,
      `spec.duration is ${formatDuration(end)}`,
      `use a time up to ${formatDuration(end)}, or make spec.duration longer`,
    );
  }
  return value;
}
