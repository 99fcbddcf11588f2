/**
 * Defaulting as kube-apiserver does it when it decodes a request body (pkg/apis/<group>/<v>/
 * defaults.go `SetDefaults_*`), for the fields kubesim models, plus what create adds on top
 * (the create handler's WipeObjectMetaSystemFields, the registry's FillObjectMetaSystemFields,
 * name generation and each strategy's PrepareForCreate).
 *
 * Order inside the apiserver, which callers should follow:
 *   applyDefaults (request version) → convert to the storage version → prepareForCreate →
 *   admission → validateCreate → storage.
 *
 * Everything here is pure: the clock, UIDs and randomness come in through CreateContext, and
 * every function returns a new object, leaving its input alone.
 */

import { canonicalJson, canonicalJsonEqual } from '../kernel/canonical-json.ts';
import type { KubeObject } from './protocol.ts';
import { defaultsFor, type WorkloadDefaults } from './conversion.ts';
import { lookupByKind } from './resources.ts';
import { parseQuantityMilli } from './quantity.ts';
import { cloneJson } from './clone-json.ts';

/**
 * Kubernetes JSON of many kinds, walked and filled field by field. The shape is checked by
 * validation afterwards, as in the apiserver, so defaulting tolerates anything.
 */
type Json = Record<string, any>;

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const TERMINATION_MESSAGE_PATH_DEFAULT = '/dev/termination-log';
/** v1.DefaultClientIPServiceAffinitySeconds (3 hours). */
export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10_800;
/** The namespace label every namespace gets (v1.LabelMetadataName). */
export const LABEL_METADATA_NAME = 'kubernetes.io/metadata.name';
export const FINALIZER_KUBERNETES = 'kubernetes';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns `parent[key]` as an object, creating `{}` when absent. */
function child(parent: Json, key: string): Json {
  if (!isObject(parent[key])) parent[key] = {};
  return parent[key] as Json;
}

function setIfAbsent(target: Json, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null || target[key] === '') target[key] = value;
}

/**
 * SetDefaults_Container's pull policy: Always when the image's tag is `latest` or there is no
 * tag (and no digest), else IfNotPresent. `registry:5000/app` has a port, not a tag.
 */
export function imagePullPolicyFor(image: string): 'Always' | 'IfNotPresent' {
  // An unparseable reference (here: an empty one) has no tag, and Go then picks IfNotPresent.
  if (image === '') return 'IfNotPresent';
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : at >= 0 ? '' : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: unknown): void {
  if (!isObject(probe)) return;
  setIfAbsent(probe, 'timeoutSeconds', 1);
  setIfAbsent(probe, 'periodSeconds', 10);
  setIfAbsent(probe, 'successThreshold', 1);
  setIfAbsent(probe, 'failureThreshold', 3);
  if (isObject(probe['httpGet'])) {
    setIfAbsent(probe['httpGet'], 'path', '/');
    setIfAbsent(probe['httpGet'], 'scheme', 'HTTP');
  }
}

function defaultContainer(c: Json): void {
  setIfAbsent(c, 'imagePullPolicy', imagePullPolicyFor(typeof c['image'] === 'string' ? c['image'] : ''));
  setIfAbsent(c, 'terminationMessagePath', TERMINATION_MESSAGE_PATH_DEFAULT);
  setIfAbsent(c, 'terminationMessagePolicy', 'File');
  // A non-pointer struct in Go: the apiserver always returns it, empty or not.
  if (!isObject(c['resources'])) c['resources'] = {};
  if (Array.isArray(c['ports'])) for (const p of c['ports']) if (isObject(p)) setIfAbsent(p, 'protocol', 'TCP');
  defaultProbe(c['livenessProbe']);
  defaultProbe(c['readinessProbe']);
  defaultProbe(c['startupProbe']);
}

function containersOf(spec: Json): Json[] {
  const all: Json[] = [];
  for (const key of ['initContainers', 'containers']) {
    if (Array.isArray(spec[key])) for (const c of spec[key]) if (isObject(c)) all.push(c);
  }
  return all;
}

/** SetDefaults_PodSpec and its containers: also what a Deployment's or ReplicaSet's pod template gets. */
function defaultPodSpec(spec: Json): void {
  setIfAbsent(spec, 'dnsPolicy', 'ClusterFirst');
  setIfAbsent(spec, 'restartPolicy', 'Always');
  if (!isObject(spec['securityContext'])) spec['securityContext'] = {};
  if (typeof spec['terminationGracePeriodSeconds'] !== 'number') spec['terminationGracePeriodSeconds'] = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  setIfAbsent(spec, 'schedulerName', DEFAULT_SCHEDULER_NAME);
  for (const c of containersOf(spec)) defaultContainer(c);
}

/** SetDefaults_Pod: the pod spec, plus what only a real Pod (not a template) gets. Priority stays unset until admission. */
function defaultPod(pod: Json): void {
  const spec = child(pod, 'spec');
  defaultPodSpec(spec);
  for (const c of containersOf(spec)) {
    // A limit with no request makes the request equal to the limit.
    const resources = child(c, 'resources');
    if (isObject(resources['limits'])) {
      const requests = child(resources, 'requests');
      for (const [name, value] of Object.entries(resources['limits'] as Json)) if (requests[name] === undefined) requests[name] = value;
    }
  }
  if (typeof spec['enableServiceLinks'] !== 'boolean') spec['enableServiceLinks'] = true;
  if (spec['hostNetwork'] === true) {
    for (const c of containersOf(spec)) {
      if (!Array.isArray(c['ports'])) continue;
      for (const p of c['ports']) if (isObject(p) && !p['hostPort']) p['hostPort'] = p['containerPort'];
    }
  }
}

function externallyAccessible(spec: Json): boolean {
  return (
    spec['type'] === 'LoadBalancer' ||
    spec['type'] === 'NodePort' ||
    (spec['type'] === 'ClusterIP' && Array.isArray(spec['externalIPs']) && spec['externalIPs'].length > 0)
  );
}

/** SetDefaults_Service. clusterIP(s) and ipFamilies are allocated by the registry, not defaulted. */
function defaultService(svc: Json): void {
  const spec = child(svc, 'spec');
  setIfAbsent(spec, 'sessionAffinity', 'None');
  if (spec['sessionAffinity'] === 'None') delete spec['sessionAffinityConfig'];
  if (spec['sessionAffinity'] === 'ClientIP') {
    const timeout = spec['sessionAffinityConfig']?.clientIP?.timeoutSeconds;
    if (typeof timeout !== 'number') spec['sessionAffinityConfig'] = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
  }
  setIfAbsent(spec, 'type', 'ClusterIP');
  if (Array.isArray(spec['ports'])) {
    for (const p of spec['ports']) {
      if (!isObject(p)) continue;
      setIfAbsent(p, 'protocol', 'TCP');
      if (p['targetPort'] === undefined || p['targetPort'] === 0 || p['targetPort'] === '') p['targetPort'] = p['port'];
    }
  }
  if (externallyAccessible(spec)) setIfAbsent(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec['internalTrafficPolicy'] === undefined && ['ClusterIP', 'NodePort', 'LoadBalancer'].includes(spec['type'])) {
    spec['internalTrafficPolicy'] = 'Cluster';
  }
  if (spec['type'] === 'LoadBalancer' && typeof spec['allocateLoadBalancerNodePorts'] !== 'boolean') spec['allocateLoadBalancerNodePorts'] = true;
}

/** extensions/v1beta1 only: selector and object labels from the template's labels (when it has a label map). */
function defaultSelectorFromTemplate(obj: Json, spec: Json): void {
  const templateLabels = spec['template']?.metadata?.labels;
  if (!isObject(templateLabels)) return;
  if (spec['selector'] === undefined || spec['selector'] === null) spec['selector'] = { matchLabels: { ...templateLabels } };
  const meta = child(obj, 'metadata');
  if (!isObject(meta['labels']) || Object.keys(meta['labels']).length === 0) meta['labels'] = { ...templateLabels };
}

function defaultTemplate(spec: Json): void {
  if (isObject(spec['template'])) defaultPodSpec(child(spec['template'], 'spec'));
}

function defaultReplicaSet(rs: Json, d: WorkloadDefaults): void {
  const spec = child(rs, 'spec');
  if (d.selectorFromTemplateLabels) defaultSelectorFromTemplate(rs, spec);
  if (typeof spec['replicas'] !== 'number') spec['replicas'] = d.replicas;
  defaultTemplate(spec);
}

function defaultDeployment(deploy: Json, d: WorkloadDefaults): void {
  const spec = child(deploy, 'spec');
  if (d.selectorFromTemplateLabels) defaultSelectorFromTemplate(deploy, spec);
  if (typeof spec['replicas'] !== 'number') spec['replicas'] = d.replicas;
  const strategy = child(spec, 'strategy');
  setIfAbsent(strategy, 'type', d.strategyType);
  if (strategy['type'] === 'RollingUpdate') {
    const rolling = child(strategy, 'rollingUpdate');
    if (rolling['maxUnavailable'] === undefined || rolling['maxUnavailable'] === null) rolling['maxUnavailable'] = d.maxUnavailable;
    if (rolling['maxSurge'] === undefined || rolling['maxSurge'] === null) rolling['maxSurge'] = d.maxSurge;
  }
  if (typeof spec['revisionHistoryLimit'] !== 'number') spec['revisionHistoryLimit'] = d.revisionHistoryLimit;
  if (typeof spec['progressDeadlineSeconds'] !== 'number') spec['progressDeadlineSeconds'] = d.progressDeadlineSeconds;
  defaultTemplate(spec);
}

/** SetDefaults_Namespace (the name label) and SetDefaults_NamespaceStatus. */
function defaultNamespace(ns: Json): void {
  const meta = child(ns, 'metadata');
  if (typeof meta['name'] === 'string' && meta['name'] !== '') child(meta, 'labels')[LABEL_METADATA_NAME] = meta['name'];
  setIfAbsent(child(ns, 'status'), 'phase', 'Active');
}

/** SetDefaults_NodeStatus: allocatable defaults to capacity. */
function defaultNode(node: Json): void {
  const status = node['status'];
  if (isObject(status) && isObject(status['capacity']) && !isObject(status['allocatable'])) status['allocatable'] = { ...status['capacity'] };
}

/** SetDefaults_EndpointPort: protocol TCP. */
function defaultEndpoints(ep: Json): void {
  if (!Array.isArray(ep['subsets'])) return;
  for (const subset of ep['subsets']) {
    if (isObject(subset) && Array.isArray(subset['ports'])) for (const p of subset['ports']) if (isObject(p)) setIfAbsent(p, 'protocol', 'TCP');
  }
}

/** SetDefaults_LimitRangeItem, Container items: default ← max, defaultRequest ← default, then ← min. */
function defaultLimitRange(lr: Json): void {
  const limits = lr['spec']?.limits;
  if (!Array.isArray(limits)) return;
  for (const item of limits) {
    if (!isObject(item) || item['type'] !== 'Container') continue;
    const dflt: Json = { ...(isObject(item['default']) ? item['default'] : {}) };
    const dfltRequest: Json = { ...(isObject(item['defaultRequest']) ? item['defaultRequest'] : {}) };
    for (const [k, v] of Object.entries(isObject(item['max']) ? item['max'] : {})) if (dflt[k] === undefined) dflt[k] = v;
    for (const [k, v] of Object.entries(dflt)) if (dfltRequest[k] === undefined) dfltRequest[k] = v;
    for (const [k, v] of Object.entries(isObject(item['min']) ? item['min'] : {})) if (dfltRequest[k] === undefined) dfltRequest[k] = v;
    // Empty maps are omitted on the wire (omitempty).
    if (Object.keys(dflt).length > 0) item['default'] = dflt;
    if (Object.keys(dfltRequest).length > 0) item['defaultRequest'] = dfltRequest;
  }
}

/** SetDefaults_PriorityClass. */
function defaultPriorityClass(pc: Json): void {
  setIfAbsent(pc, 'preemptionPolicy', 'PreemptLowerPriority');
}

/** SetDefaults_RoleBinding / ClusterRoleBinding and SetDefaults_Subject. */
function defaultBinding(binding: Json): void {
  if (isObject(binding['roleRef'])) setIfAbsent(binding['roleRef'], 'apiGroup', 'rbac.authorization.k8s.io');
  if (!Array.isArray(binding['subjects'])) return;
  for (const s of binding['subjects']) {
    if (isObject(s) && (s['kind'] === 'User' || s['kind'] === 'Group')) setIfAbsent(s, 'apiGroup', 'rbac.authorization.k8s.io');
  }
}

/** SetDefaults_PersistentVolumeClaimSpec (volumeMode Filesystem) and SetDefaults_PersistentVolumeClaim (phase Pending). */
function defaultPersistentVolumeClaim(pvc: Json): void {
  setIfAbsent(child(pvc, 'spec'), 'volumeMode', 'Filesystem');
  setIfAbsent(child(pvc, 'status'), 'phase', 'Pending');
}

/** SetDefaults_PersistentVolume: phase Pending, reclaim policy Retain, volumeMode Filesystem. */
function defaultPersistentVolume(pv: Json): void {
  const spec = child(pv, 'spec');
  setIfAbsent(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setIfAbsent(spec, 'volumeMode', 'Filesystem');
  setIfAbsent(child(pv, 'status'), 'phase', 'Pending');
}

/** SetDefaults_ReplicationController: selector and object labels from the template's labels; replicas 1. */
function defaultReplicationController(rc: Json): void {
  const spec = child(rc, 'spec');
  const labels = spec['template']?.metadata?.labels;
  if (isObject(labels)) {
    if (!isObject(spec['selector']) || Object.keys(spec['selector']).length === 0) spec['selector'] = { ...labels };
    const meta = child(rc, 'metadata');
    if (!isObject(meta['labels']) || Object.keys(meta['labels']).length === 0) meta['labels'] = { ...labels };
  }
  if (typeof spec['replicas'] !== 'number') spec['replicas'] = 1;
  defaultTemplate(spec);
}

/** SetDefaults_DaemonSet (apps/v1): RollingUpdate with maxUnavailable 1 and maxSurge 0; 10 revisions. */
function defaultDaemonSet(ds: Json): void {
  const spec = child(ds, 'spec');
  const strategy = child(spec, 'updateStrategy');
  setIfAbsent(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    const rolling = child(strategy, 'rollingUpdate');
    if (rolling['maxUnavailable'] === undefined || rolling['maxUnavailable'] === null) rolling['maxUnavailable'] = 1;
    if (rolling['maxSurge'] === undefined || rolling['maxSurge'] === null) rolling['maxSurge'] = 0;
  }
  if (typeof spec['revisionHistoryLimit'] !== 'number') spec['revisionHistoryLimit'] = 10;
  defaultTemplate(spec);
}

/**
 * SetDefaults_StatefulSet (apps/v1): OrderedReady, RollingUpdate with partition 0, the PVC
 * retention policy Retain/Retain (StatefulSetAutoDeletePVC, GA), 1 replica, 10 revisions; each
 * volumeClaimTemplate gets a PVC's defaults.
 */
function defaultStatefulSet(sts: Json): void {
  const spec = child(sts, 'spec');
  setIfAbsent(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = child(spec, 'updateStrategy');
  if (strategy['type'] === undefined || strategy['type'] === '') {
    strategy['type'] = 'RollingUpdate';
    if (!isObject(strategy['rollingUpdate'])) strategy['rollingUpdate'] = {};
  }
  if (strategy['type'] === 'RollingUpdate' && isObject(strategy['rollingUpdate'])) {
    if (typeof strategy['rollingUpdate']['partition'] !== 'number') strategy['rollingUpdate']['partition'] = 0;
  }
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  setIfAbsent(retention, 'whenDeleted', 'Retain');
  setIfAbsent(retention, 'whenScaled', 'Retain');
  if (typeof spec['replicas'] !== 'number') spec['replicas'] = 1;
  if (typeof spec['revisionHistoryLimit'] !== 'number') spec['revisionHistoryLimit'] = 10;
  if (Array.isArray(spec['volumeClaimTemplates'])) for (const t of spec['volumeClaimTemplates']) if (isObject(t)) defaultPersistentVolumeClaim(t);
  defaultTemplate(spec);
}

/**
 * SetDefaults_Job (batch/v1): completions and parallelism 1 when both are unset, else
 * parallelism 1; backoffLimit 6 (MaxInt32 with backoffLimitPerIndex); object labels from the
 * template's; NonIndexed; not suspended; podReplacementPolicy TerminatingOrFailed (Failed with a
 * podFailurePolicy); manualSelector false.
 */
function defaultJobSpec(spec: Json): void {
  if (typeof spec['completions'] !== 'number' && typeof spec['parallelism'] !== 'number') {
    spec['completions'] = 1;
    spec['parallelism'] = 1;
  }
  if (typeof spec['parallelism'] !== 'number') spec['parallelism'] = 1;
  if (typeof spec['backoffLimit'] !== 'number') spec['backoffLimit'] = typeof spec['backoffLimitPerIndex'] === 'number' ? 2_147_483_647 : 6;
  setIfAbsent(spec, 'completionMode', 'NonIndexed');
  if (typeof spec['suspend'] !== 'boolean') spec['suspend'] = false;
  setIfAbsent(spec, 'podReplacementPolicy', isObject(spec['podFailurePolicy']) ? 'Failed' : 'TerminatingOrFailed');
  if (typeof spec['manualSelector'] !== 'boolean') spec['manualSelector'] = false;
}

function defaultJob(job: Json): void {
  const spec = child(job, 'spec');
  defaultJobSpec(spec);
  const labels = spec['template']?.metadata?.labels;
  const meta = child(job, 'metadata');
  if (isObject(labels) && (!isObject(meta['labels']) || Object.keys(meta['labels']).length === 0)) meta['labels'] = { ...labels };
  defaultTemplate(spec);
}

/**
 * SetDefaults_CronJob: Allow, not suspended, 3 successful and 1 failed job kept. The job
 * template gets only its pod spec's defaults (SetDefaults_Job is for Jobs, not templates).
 */
function defaultCronJob(cj: Json): void {
  const spec = child(cj, 'spec');
  setIfAbsent(spec, 'concurrencyPolicy', 'Allow');
  if (typeof spec['suspend'] !== 'boolean') spec['suspend'] = false;
  if (typeof spec['successfulJobsHistoryLimit'] !== 'number') spec['successfulJobsHistoryLimit'] = 3;
  if (typeof spec['failedJobsHistoryLimit'] !== 'number') spec['failedJobsHistoryLimit'] = 1;
  const jobSpec = spec['jobTemplate']?.spec;
  if (isObject(jobSpec)) defaultTemplate(jobSpec);
}

/** SetDefaults_Secret (type Opaque); the v1 → internal conversion folds stringData into data, base64-encoded. */
function defaultSecret(secret: Json): void {
  setIfAbsent(secret, 'type', 'Opaque');
  if (isObject(secret['stringData'])) {
    const data = child(secret, 'data');
    for (const [k, v] of Object.entries(secret['stringData'] as Json)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete secret['stringData'];
  }
}

/** SetDefaults_StorageClass (storage.k8s.io/v1): reclaimPolicy Delete, volumeBindingMode Immediate. */
function defaultStorageClass(sc: Json): void {
  setIfAbsent(sc, 'reclaimPolicy', 'Delete');
  setIfAbsent(sc, 'volumeBindingMode', 'Immediate');
}

/**
 * The defaults the apiserver applies when it decodes `obj` in its own apiVersion. Returns a new
 * object; kinds without modeled defaults come back as a plain copy.
 */
export function applyDefaults(obj: KubeObject): KubeObject {
  const out = cloneJson(obj) as Json;
  const apiVersion = String(out['apiVersion'] ?? '');
  switch (out['kind']) {
    case 'Pod': defaultPod(out); break;
    case 'Service': defaultService(out); break;
    case 'Namespace': defaultNamespace(out); break;
    case 'Node': defaultNode(out); break;
    case 'Endpoints': defaultEndpoints(out); break;
    case 'LimitRange': defaultLimitRange(out); break;
    case 'PriorityClass': defaultPriorityClass(out); break;
    case 'RoleBinding':
    case 'ClusterRoleBinding': defaultBinding(out); break;
    case 'PersistentVolumeClaim': defaultPersistentVolumeClaim(out); break;
    case 'PersistentVolume': defaultPersistentVolume(out); break;
    case 'ReplicationController': defaultReplicationController(out); break;
    case 'Secret': defaultSecret(out); break;
    case 'DaemonSet': if (apiVersion === 'apps/v1') defaultDaemonSet(out); break;
    case 'StatefulSet': if (apiVersion === 'apps/v1') defaultStatefulSet(out); break;
    case 'Job': if (apiVersion === 'batch/v1') defaultJob(out); break;
    case 'CronJob': if (apiVersion === 'batch/v1') defaultCronJob(out); break;
    case 'StorageClass': defaultStorageClass(out); break;
    case 'Deployment': {
      const d = defaultsFor(apiVersion);
      if (d) defaultDeployment(out, d);
      break;
    }
    case 'ReplicaSet': {
      const d = defaultsFor(apiVersion);
      if (d) defaultReplicaSet(out, d);
      break;
    }
  }
  return out as KubeObject;
}

// ---------------------------------------------------------------------------------------------
// Create-time metadata and status
// ---------------------------------------------------------------------------------------------

export interface CreateContext {
  /** creationTimestamp, RFC 3339 to the second ("2025-01-01T00:00:05Z", see time.ts `timestamp`). */
  readonly now: string;
  /** The next metadata.uid; deterministic in the simulation. */
  readonly uid: () => string;
  /** A uniform integer in [0, maxExclusive) from a seeded stream, for generateName suffixes. */
  readonly randomInt: (maxExclusive: number) => number;
}

/** utilrand's alphabet: no vowels (no accidental words) and no 0, 1, 3 (confusable). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATED_NAME_LENGTH = 63 - 5;

/** names.SimpleNameGenerator: base cut to 58 characters plus 5 random characters. */
export function generateName(base: string, randomInt: (maxExclusive: number) => number): string {
  const prefix = base.length > MAX_GENERATED_NAME_LENGTH ? base.slice(0, MAX_GENERATED_NAME_LENGTH) : base;
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)] ?? NAME_ALPHABET[0];
  return prefix + suffix;
}

/** The annotation apps/v1 DaemonSets carry the internal spec.templateGeneration in. */
export const DAEMONSET_TEMPLATE_GENERATION = 'deprecated.daemonset.template.generation';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';

/**
 * The Job strategy's generateSelector (manualSelector false): the template gets the job-name and
 * controller-uid labels, legacy and batch.kubernetes.io/ forms, unless the user set them, and the
 * selector matches batch.kubernetes.io/controller-uid. Upstream's object labels alias the
 * template's label map when SetDefaults_Job copied it, and the object is defaulted again when
 * read back from etcd, so an unlabeled Job ends with the template's labels: kubesim copies them.
 */
function generateJobSelector(job: Json): void {
  const meta = child(job, 'metadata');
  const spec = child(job, 'spec');
  const templateMeta = child(child(spec, 'template'), 'metadata');
  const labels = child(templateMeta, 'labels');
  const aliased = !isObject(meta['labels']) || Object.keys(meta['labels']).length === 0 || canonicalJson(meta['labels']) === canonicalJson(labels);
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (labels[key] === undefined) labels[key] = String(meta['name'] ?? '');
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (labels[key] === undefined) labels[key] = String(meta['uid'] ?? '');
  const selector = child(spec, 'selector');
  const matchLabels = child(selector, 'matchLabels');
  if (matchLabels[CONTROLLER_UID_LABEL] === undefined) matchLabels[CONTROLLER_UID_LABEL] = String(meta['uid'] ?? '');
  if (aliased) meta['labels'] = { ...labels };
}

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/**
 * qos.ComputePodQOS: only cpu and memory count, init containers included. BestEffort with no
 * positive request or limit; Guaranteed when every container limits both and summed requests
 * equal summed limits; otherwise Burstable.
 */
export function podQOSClass(pod: KubeObject): QOSClass {
  const spec = isObject(pod['spec']) ? (pod['spec'] as Json) : {};
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  const positive = (q: unknown): bigint | undefined => {
    if (typeof q !== 'string' && typeof q !== 'number') return undefined;
    try {
      const milli = parseQuantityMilli(q);
      return milli > 0n ? milli : undefined;
    } catch {
      return undefined;
    }
  };
  for (const c of containersOf(spec)) {
    const resources = isObject(c['resources']) ? c['resources'] : {};
    for (const [name, q] of Object.entries(isObject(resources['requests']) ? resources['requests'] : {})) {
      const v = name === 'cpu' || name === 'memory' ? positive(q) : undefined;
      if (v !== undefined) requests.set(name, (requests.get(name) ?? 0n) + v);
    }
    const found = new Set<string>();
    for (const [name, q] of Object.entries(isObject(resources['limits']) ? resources['limits'] : {})) {
      const v = name === 'cpu' || name === 'memory' ? positive(q) : undefined;
      if (v === undefined) continue;
      found.add(name);
      limits.set(name, (limits.get(name) ?? 0n) + v);
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      if (limits.get(name) !== req) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/**
 * What create does to an already-defaulted object before validation: wipes client-set system
 * fields (uid, creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds), fills uid and
 * creationTimestamp, turns generateName into a name, sets generation 1 for kinds that track it,
 * and applies the kind's PrepareForCreate (fresh status; the namespace finalizer).
 *
 * `metadata.resourceVersion` is left alone on purpose: the storage layer rejects a create that
 * carries one (validation.ts `resourceVersionSetOnCreate`).
 */
export function prepareForCreate(obj: KubeObject, ctx: CreateContext): KubeObject {
  const out = cloneJson(obj) as Json;
  const meta = child(out, 'metadata');
  delete meta['deletionTimestamp'];
  delete meta['deletionGracePeriodSeconds'];
  meta['uid'] = ctx.uid();
  meta['creationTimestamp'] = ctx.now;
  if ((meta['name'] === undefined || meta['name'] === '') && typeof meta['generateName'] === 'string' && meta['generateName'] !== '') {
    meta['name'] = generateName(meta['generateName'], ctx.randomInt);
  }
  const info = lookupByKind(String(out['apiVersion'] ?? ''), String(out['kind'] ?? ''));
  if (info?.tracksGeneration) meta['generation'] = 1;
  switch (out['kind']) {
    case 'Pod':
      out['status'] = { phase: 'Pending', qosClass: podQOSClass(out as KubeObject) };
      break;
    case 'Deployment':
    case 'ReplicaSet':
    case 'ResourceQuota':
    case 'CronJob':
      out['status'] = {};
      break;
    // Go's non-omitempty int32 status fields come back as 0 from a fresh status.
    case 'ReplicationController':
      out['status'] = { replicas: 0 };
      break;
    case 'StatefulSet':
      out['status'] = { replicas: 0, availableReplicas: 0 };
      break;
    case 'DaemonSet': {
      out['status'] = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
      // apps/v1 carries the internal spec.templateGeneration in this annotation.
      child(meta, 'annotations')[DAEMONSET_TEMPLATE_GENERATION] = '1';
      break;
    }
    case 'PodDisruptionBudget':
      out['status'] = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
      break;
    case 'PersistentVolumeClaim':
      out['status'] = { phase: 'Pending' };
      break;
    case 'PersistentVolume':
      out['status'] = { phase: 'Pending' };
      break;
    case 'Job':
      out['status'] = {};
      if (out['spec']?.manualSelector !== true) generateJobSelector(out);
      break;
    case 'Service':
      out['status'] = { loadBalancer: {} };
      break;
    case 'Namespace': {
      out['status'] = { phase: 'Active' };
      const spec = child(out, 'spec');
      const finalizers: unknown[] = Array.isArray(spec['finalizers']) ? spec['finalizers'] : [];
      if (!finalizers.includes(FINALIZER_KUBERNETES)) spec['finalizers'] = [...finalizers, FINALIZER_KUBERNETES];
      break;
    }
  }
  return out as KubeObject;
}

/**
 * PrepareForUpdate's generation rule: kinds that track generation bump it when the spec
 * changed (compared as canonical JSON); other kinds keep whatever the new object carries.
 */
export function nextGeneration(newObj: KubeObject, oldObj: KubeObject): number | undefined {
  const info = lookupByKind(String(newObj.apiVersion ?? ''), String(newObj.kind ?? ''));
  const oldGeneration = oldObj.metadata?.generation;
  if (!info?.tracksGeneration) return newObj.metadata?.generation;
  const base = typeof oldGeneration === 'number' ? oldGeneration : 1;
  return canonicalJsonEqual(newObj['spec'] ?? null, oldObj['spec'] ?? null) ? base : base + 1;
}

/**
 * The kinds' PrepareForUpdate beyond the generation rule, on the object about to be stored: a
 * DaemonSet whose pod template changed gets the next template generation (apps/v1 carries it in
 * the `deprecated.daemonset.template.generation` annotation); otherwise the stored one is kept.
 */
export function prepareForUpdate(newObj: KubeObject, oldObj: KubeObject): KubeObject {
  if (newObj.kind !== 'DaemonSet') return newObj;
  const oldGeneration = Number(oldObj.metadata?.annotations?.[DAEMONSET_TEMPLATE_GENERATION] ?? '0') || 0;
  const changed = !canonicalJsonEqual((newObj['spec'] as Json | undefined)?.['template'] ?? null, (oldObj['spec'] as Json | undefined)?.['template'] ?? null);
  const next = changed ? oldGeneration + 1 : oldGeneration;
  if (next === 0) return newObj;
  return { ...newObj, metadata: { ...newObj.metadata, annotations: { ...(newObj.metadata?.annotations ?? {}), [DAEMONSET_TEMPLATE_GENERATION]: String(next) } } };
}
