/**
 * Test builders for kubelet pods: `kpod('web').container('web', 'nginx:1.25').behavior('web',
 * 'crash after 5s').restartPolicy('Never').obj()`. Plain data in, plain data out.
 */
import type { V1Container, V1Pod, V1Probe } from '@kubernetes/client-node';
import { BEHAVIOR_ANNOTATION, BEHAVIOR_ANNOTATION_PREFIX } from './behavior.ts';

export class KubeletPodBuilder {
  private readonly pod: V1Pod;
  constructor(name: string, namespace = 'default') {
    this.pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, uid: `uid-${name}`, annotations: {} }, spec: { containers: [] } };
  }
  private last(): V1Container {
    const c = this.pod.spec!.containers.at(-1) ?? this.pod.spec!.initContainers?.at(-1);
    if (c === undefined) throw new Error('add a container first');
    return c;
  }
  uid(uid: string): this {
    this.pod.metadata!.uid = uid;
    return this;
  }
  container(name: string, image = 'nginx:1.25', extra: Partial<V1Container> = {}): this {
    this.pod.spec!.containers.push({ name, image, ...extra });
    return this;
  }
  initContainer(name: string, image = 'busybox:1.36', extra: Partial<V1Container> = {}): this {
    (this.pod.spec!.initContainers ??= []).push({ name, image, ...extra });
    return this;
  }
  /** Sets the behavior of a container (`kubesim.io/behavior.<name>`), or of all (`name` undefined). */
  behavior(name: string | undefined, text: string): this {
    this.pod.metadata!.annotations![name === undefined ? BEHAVIOR_ANNOTATION : BEHAVIOR_ANNOTATION_PREFIX + name] = text;
    return this;
  }
  annotation(key: string, value: string): this {
    this.pod.metadata!.annotations![key] = value;
    return this;
  }
  restartPolicy(policy: 'Always' | 'OnFailure' | 'Never'): this {
    this.pod.spec!.restartPolicy = policy;
    return this;
  }
  grace(seconds: number): this {
    this.pod.spec!.terminationGracePeriodSeconds = seconds;
    return this;
  }
  readiness(probe: V1Probe = { httpGet: { path: '/healthz', port: 8080 } }): this {
    this.last().readinessProbe = probe;
    return this;
  }
  liveness(probe: V1Probe = { tcpSocket: { port: 8080 } }): this {
    this.last().livenessProbe = probe;
    return this;
  }
  startup(probe: V1Probe = { httpGet: { path: '/started', port: 8080 } }): this {
    this.last().startupProbe = probe;
    return this;
  }
  requests(list: Record<string, string>): this {
    const c = this.last();
    c.resources = { ...c.resources, requests: { ...(c.resources?.requests ?? {}), ...list } };
    return this;
  }
  limits(list: Record<string, string>): this {
    const c = this.last();
    c.resources = { ...c.resources, limits: { ...(c.resources?.limits ?? {}), ...list } };
    return this;
  }
  preStopSleep(seconds: number): this {
    this.last().lifecycle = { preStop: { sleep: { seconds } } };
    return this;
  }
  preStopExec(command: string[]): this {
    this.last().lifecycle = { preStop: { exec: { command } } };
    return this;
  }
  phase(phase: string): this {
    this.pod.status = { ...this.pod.status, phase };
    return this;
  }
  obj(): V1Pod {
    return structuredClone(this.pod);
  }
}

export function kpod(name: string, namespace = 'default'): KubeletPodBuilder {
  return new KubeletPodBuilder(name, namespace);
}
