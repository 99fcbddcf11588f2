/**
 * Test builders for pods and nodes (kube `pkg/scheduler/testing/wrappers.go`):
 * `makeNode('n1').capacity({ cpu: '4', memory: '8Gi' }).obj()`,
 * `makePod('p').req({ cpu: '500m' }).priority(10).obj()`.
 */
import type {
  V1Container,
  V1ContainerPort,
  V1Node,
  V1NodeSelectorRequirement,
  V1Pod,
  V1PreferredSchedulingTerm,
  V1Taint,
  V1Toleration,
} from '@kubernetes/client-node';

export class NodeWrapper {
  private readonly node: V1Node;
  constructor(name: string) {
    this.node = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: {}, status: { allocatable: { pods: '110' }, capacity: { pods: '110' } } };
  }
  /** Sets allocatable (and capacity) quantities; `pods` defaults to 110. */
  capacity(list: Record<string, string>): this {
    this.node.status!.allocatable = { ...this.node.status!.allocatable, ...list };
    this.node.status!.capacity = { ...this.node.status!.capacity, ...list };
    return this;
  }
  label(key: string, value: string): this {
    this.node.metadata!.labels = { ...this.node.metadata!.labels, [key]: value };
    return this;
  }
  zone(zone: string): this {
    return this.label('topology.kubernetes.io/zone', zone);
  }
  taint(key: string, value: string | undefined, effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule'): this {
    const t: V1Taint = { key, effect, ...(value !== undefined ? { value } : {}) };
    this.node.spec!.taints = [...(this.node.spec!.taints ?? []), t];
    return this;
  }
  unschedulable(): this {
    this.node.spec!.unschedulable = true;
    return this;
  }
  obj(): V1Node {
    return structuredClone(this.node);
  }
}

export class PodWrapper {
  private readonly pod: V1Pod;
  constructor(name: string, namespace = 'default') {
    this.pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, uid: `uid-${namespace}-${name}` },
      spec: { containers: [{ name: 'c0', image: 'pause' }] },
      status: { phase: 'Pending' },
    };
  }
  private get spec(): NonNullable<V1Pod['spec']> {
    return this.pod.spec!;
  }
  /** Requests on the first container. */
  req(requests: Record<string, string>): this {
    const c = this.spec.containers[0]!;
    c.resources = { ...c.resources, requests: { ...c.resources?.requests, ...requests } };
    return this;
  }
  /** Adds a container with these requests. */
  container(requests: Record<string, string> = {}, ports: V1ContainerPort[] = []): this {
    const c: V1Container = { name: `c${this.spec.containers.length}`, image: 'pause' };
    if (Object.keys(requests).length > 0) c.resources = { requests };
    if (ports.length > 0) c.ports = ports;
    this.spec.containers.push(c);
    return this;
  }
  initContainer(requests: Record<string, string>, sidecar = false): this {
    const c: V1Container = { name: `init${this.spec.initContainers?.length ?? 0}`, image: 'pause', resources: { requests } };
    if (sidecar) c.restartPolicy = 'Always';
    this.spec.initContainers = [...(this.spec.initContainers ?? []), c];
    return this;
  }
  overhead(list: Record<string, string>): this {
    this.spec.overhead = list;
    return this;
  }
  hostPort(port: number, protocol = 'TCP', hostIP?: string): this {
    const c = this.spec.containers[0]!;
    c.ports = [...(c.ports ?? []), { containerPort: port, hostPort: port, protocol, ...(hostIP ? { hostIP } : {}) }];
    return this;
  }
  priority(p: number): this {
    this.spec.priority = p;
    return this;
  }
  preemptionPolicy(policy: 'Never' | 'PreemptLowerPriority'): this {
    this.spec.preemptionPolicy = policy;
    return this;
  }
  nodeName(name: string): this {
    this.spec.nodeName = name;
    return this;
  }
  nominatedNodeName(name: string): this {
    (this.pod.status as { nominatedNodeName?: string }).nominatedNodeName = name;
    return this;
  }
  uid(uid: string): this {
    this.pod.metadata!.uid = uid;
    return this;
  }
  label(key: string, value: string): this {
    this.pod.metadata!.labels = { ...this.pod.metadata!.labels, [key]: value };
    return this;
  }
  startTime(rfc3339: string): this {
    (this.pod.status as { startTime?: unknown }).startTime = rfc3339;
    return this;
  }
  toleration(t: V1Toleration): this {
    this.spec.tolerations = [...(this.spec.tolerations ?? []), t];
    return this;
  }
  nodeSelector(sel: Record<string, string>): this {
    this.spec.nodeSelector = { ...this.spec.nodeSelector, ...sel };
    return this;
  }
  /** Adds one required node-affinity term (terms are ORed). */
  requiredTerm(matchExpressions: V1NodeSelectorRequirement[], matchFields?: V1NodeSelectorRequirement[]): this {
    const na = (this.spec.affinity ??= {}).nodeAffinity ?? {};
    const req = na.requiredDuringSchedulingIgnoredDuringExecution ?? { nodeSelectorTerms: [] };
    req.nodeSelectorTerms.push({ matchExpressions, ...(matchFields ? { matchFields } : {}) });
    na.requiredDuringSchedulingIgnoredDuringExecution = req;
    this.spec.affinity.nodeAffinity = na;
    return this;
  }
  preferredTerm(weight: number, matchExpressions: V1NodeSelectorRequirement[]): this {
    const na = (this.spec.affinity ??= {}).nodeAffinity ?? {};
    const list: V1PreferredSchedulingTerm[] = na.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    list.push({ weight, preference: { matchExpressions } });
    na.preferredDuringSchedulingIgnoredDuringExecution = list;
    this.spec.affinity.nodeAffinity = na;
    return this;
  }
  obj(): V1Pod {
    return structuredClone(this.pod);
  }
}

export function makeNode(name: string): NodeWrapper {
  return new NodeWrapper(name);
}

export function makePod(name: string, namespace?: string): PodWrapper {
  return new PodWrapper(name, namespace);
}
