import { startCloudControllerManager } from '../cloud-controller-manager/cloud-controller-manager.ts';
import { DEFAULT_KUBE_PROXY_CONFIG, startKubeProxy, type KubeProxyConfig } from '../kube-proxy/kube-proxy-core.ts';
import { CLUSTER_DNS_IP, dnsAddonManifests } from '../dns/addon.ts';
import { startClusterDns } from '../dns/dns-core.ts';
import { DEFAULT_DNS_CONFIG, type DnsConfig } from '../dns/zone.ts';
import { AddressPlan, CLOUD_LOAD_BALANCER_HOST, clusterDnsHost, kubeProxyHost, externalClientIp, nodeClientIp } from '../traffic/addresses.ts';
import { startCloudLoadBalancer } from '../traffic/cloud-load-balancer.ts';
import { startExternalServer } from '../traffic/external-server.ts';
import { startTrafficClient } from '../traffic/client-core.ts';
import { DEFAULT_PING_TIMEOUT_MS, DEFAULT_READ_IDLE_TIMEOUT_MS } from '../client/api-client.ts';
import { startDig } from '../traffic/dig.ts';
import type { TokenEntry } from '../api/auth/authenticate.ts';
import type { KubeObject } from '../api/protocol.ts';
import { resolveResourceName, lookupByKind } from '../api/resources.ts';
import { DEFAULT_APISERVER_CONFIG } from '../apiserver/apiserver-core.ts';
import { startApiServer } from '../apiserver/apiserver.ts';
import { defaultMachinery } from '../apiserver/default-machinery.ts';
import { startVip } from '../apiserver/vip.ts';
import { startKubelet } from '../kubelet/kubelet.ts';
import type { NodeParams } from '../kubelet/status.ts';
import type { KubectlCommand, ResourceRef } from '../kubectl/kubectl-core.ts';
import { startKubectl } from '../kubectl/kubectl.ts';
import { startScheduler } from '../scheduler/scheduler.ts';
import type { ComponentVariants } from './variants.ts';
import { parseSchedulerConfiguration, type SchedulerConfiguration } from '../scheduler/plugins/scheduler-config.ts';
import { startControllerManager } from '../controllers/controller-manager.ts';
import type { Simulation } from '../kernel/simulation.ts';
import type { KubernetesSpec, NodeSpec, ScenarioSpec, TrafficSpec } from './spec.ts';


const KUBE_PROXY_TOKEN = 'kube-proxy-token';
const CLOUD_CONTROLLER_MANAGER_TOKEN = 'cloud-controller-manager-token';
export const CLOUD_CONTROLLER_MANAGER_HOST = 'cloud-controller-manager-0';

/** The kube-proxy host of a node (on the node's machine). */
export const kubeProxyName = kubeProxyHost;

/** The host `dig` steps on a node run from. */
export function digHostName(node: string): string {
  return `dig-${node}`;
}

/** The host of a traffic source. */
export function trafficClientName(source: string): string {
  return `traffic-${source}`;
}

/**
 * Builds the Kubernetes control plane and nodes of a scenario on the kernel: apiservers behind
 * the VIP `kube-apiserver`, schedulers, kubelets (one host per node, named after the node), and a
 * kubectl-like client per user. Every component is its own root actor on its own host.
 */

export const VIP = 'kube-apiserver';
export const ADMIN = 'admin';

/**
 * Components give up on a request after 10 s (the kubelet's lease client does); users after 30 s.
 * Watches are health-checked as client-go's HTTP/2 transport does: a PING after 30 s of silence,
 * the connection dead after 15 s more without an answer.
 */
const API_CLIENT = { server: VIP, requestTimeoutMs: 10_000, readIdleTimeoutMs: DEFAULT_READ_IDLE_TIMEOUT_MS, pingTimeoutMs: DEFAULT_PING_TIMEOUT_MS };
const USER_CLIENT = { server: VIP, requestTimeoutMs: 30_000, readIdleTimeoutMs: DEFAULT_READ_IDLE_TIMEOUT_MS, pingTimeoutMs: DEFAULT_PING_TIMEOUT_MS };

export function apiserverName(i: number): string {
  return `kube-apiserver-${i}`;
}

export function schedulerName(i: number): string {
  return `kube-scheduler-${i}`;
}

export function controllerManagerName(i: number): string {
  return `kube-controller-manager-${i}`;
}

/** Resolves a manifest's (apiVersion, kind), or a kubectl kind word, to the resource to call. */
export function resolveKind(apiVersion: string | undefined, kind: string): ResourceRef | undefined {
  const r = apiVersion ? lookupByKind(apiVersion, kind) : resolveResourceName(kind);
  if (!r) return undefined;
  const preferred = r.group === '' ? r.versions[0]! : `${r.group}/${r.versions[0]}`;
  return { apiVersion: apiVersion ?? preferred, resource: r.resource, namespaced: r.namespaced, kind: r.kind };
}

export class KubernetesCluster {
  readonly nodeNames: string[] = [];
  private nodeIndex = 0;
  private commandCounter = 0;
  readonly tokens = new Map<string, TokenEntry>();
  /** The fabric's routing table: node, pod, external and load balancer addresses. */
  readonly addresses = new AddressPlan();
  private externalClients = 0;
  private readonly dnsConfig: DnsConfig;

  constructor(
    private readonly sim: Simulation,
    readonly spec: KubernetesSpec,
    private readonly etcdMembers: readonly string[],
    private readonly scenario: ScenarioSpec,
    private readonly explainPods: ReadonlySet<string> = new Set(),
    /** Deliberately broken components (variants.ts), for the fuzzer's tests; none by default. */
    private readonly variants: ComponentVariants = {},
  ) {
    for (const u of spec.users) this.tokens.set(u.token, { name: u.identity ?? u.name, groups: u.groups });
    if (!spec.users.some((u) => u.name === ADMIN)) this.tokens.set('admin-token', { name: ADMIN, groups: ['system:masters'] });
    for (let i = 0; i < spec.schedulers; i++) this.tokens.set(`${schedulerName(i)}-token`, { name: 'system:kube-scheduler', groups: [] });
    for (let i = 0; i < spec.controllerManagers; i++) this.tokens.set(`${controllerManagerName(i)}-token`, { name: 'system:kube-controller-manager', groups: [] });
    this.tokens.set(KUBE_PROXY_TOKEN, { name: 'system:kube-proxy', groups: [] });
    this.tokens.set(CLOUD_CONTROLLER_MANAGER_TOKEN, { name: 'system:cloud-controller-manager', groups: [] });
    const upstream = new Map((spec.externalServers ?? []).filter((e) => e.dnsName).map((e) => [e.dnsName!.toLowerCase().replace(/\.$/, ''), e.ip]));
    this.dnsConfig = { ...DEFAULT_DNS_CONFIG, upstream };
  }

  build(): void {
    const machinery = defaultMachinery(this.tokens);
    const apiservers = Array.from({ length: Math.max(1, this.spec.apiservers) }, (_, i) => apiserverName(i));
    apiservers.forEach((name, i) => {
      // Control-plane addresses beside the nodes' 172.18.x.y (kind's network), from the top of it.
      const advertiseAddress = `172.18.255.${i + 2}`;
      this.sim.addHost({
        name,
        disk: null,
        create: (env) =>
          startApiServer(env, { config: { ...DEFAULT_APISERVER_CONFIG, machinery, advertiseAddress, ...(this.variants.apiserver ? { variant: this.variants.apiserver } : {}) }, etcdEndpoints: this.etcdMembers, etcdRequestTimeoutMs: this.scenario.cluster.etcd.requestTimeoutMs }),
      });
    });
    this.sim.addHost({ name: VIP, disk: null, create: (env) => startVip(env, apiservers) });
    let schedulerConfig: SchedulerConfiguration | undefined;
    if (this.spec.schedulerConfiguration) {
      const parsed = parseSchedulerConfiguration(this.spec.schedulerConfiguration);
      // The loader validated it; a spec built in code gets the same check here.
      if (!parsed.ok) throw new Error(`schedulerConfiguration: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
      schedulerConfig = parsed.config;
    }
    for (let i = 0; i < this.spec.schedulers; i++) {
      const name = schedulerName(i);
      this.sim.addHost({ name, disk: null, create: (env) => startScheduler(env, { ...API_CLIENT, token: `${name}-token` }, this.explainPods, schedulerConfig, this.variants.scheduler) });
    }
    for (let i = 0; i < this.spec.controllerManagers; i++) {
      const name = controllerManagerName(i);
      this.sim.addHost({ name, disk: null, create: (env) => startControllerManager(env, { ...API_CLIENT, token: `${name}-token` }, this.variants.controllerManager) });
    }
    // The simulated cloud's controller manager: LoadBalancer Services get an address from its pool.
    this.sim.addHost({ name: CLOUD_CONTROLLER_MANAGER_HOST, disk: null, create: (env) => startCloudControllerManager(env, { ...API_CLIENT, token: CLOUD_CONTROLLER_MANAGER_TOKEN }) });
    const users = this.spec.users.some((u) => u.name === ADMIN) ? this.spec.users : [{ name: ADMIN, token: 'admin-token', groups: ['system:masters'] }, ...this.spec.users];
    for (const user of users) {
      this.sim.addHost({ name: user.name, disk: null, create: (env) => startKubectl(env, { user: user.name, resolveKind }, { ...USER_CLIENT, token: user.token }) });
    }
    for (const server of this.spec.externalServers ?? []) {
      this.addresses.addExternal(server.ip, server.name);
      this.sim.addHost({ name: server.name, disk: null, create: (env) => startExternalServer(env, server.name, server.ip) });
    }
    // The cloud's load balancers carry traffic: they exist when the scenario sends some.
    if (this.hasTraffic()) this.sim.addHost({ name: CLOUD_LOAD_BALANCER_HOST, disk: null, create: (env) => startCloudLoadBalancer(env, this.addresses, { ...API_CLIENT, token: CLOUD_CONTROLLER_MANAGER_TOKEN }) });
    this.addNodes(this.spec.nodes);
    for (const t of this.scenario.traffic ?? []) this.addTrafficSource(t);
    for (const node of this.digNodes()) {
      const ip = nodeClientIp(this.addresses.nodeIndex(node), 253);
      this.sim.addHost({ name: digHostName(node), machine: node, disk: null, create: (env) => startDig(env, kubeProxyName(node), ip, CLUSTER_DNS_IP) });
    }
    const dns = this.spec.dns;
    const objects = [...(dns?.enabled ? dnsAddonManifests(dns.replicas) : []), ...this.spec.workload.map((d) => d.object)];
    if (objects.length > 0) {
      this.sim.clock.at(0, () => this.kubectl(ADMIN, 'workload', { type: 'apply', objects: objects as KubeObject[] }, true));
    }
  }

  private hasTraffic(): boolean {
    return (this.scenario.traffic ?? []).length > 0;
  }

  /** Nodes some `dig` step runs on (they get a dig host). */
  private digNodes(): string[] {
    const nodes = new Set<string>();
    for (const step of this.scenario.timeline) if (step.action.verb === 'dig') nodes.add(step.action.node);
    return [...nodes].sort();
  }

  /** A traffic source's host: on its node's machine (sending through that node's kube-proxy), or outside the cluster. */
  private addTrafficSource(t: TrafficSpec): void {
    const name = trafficClientName(t.name);
    let sourceIps: string[];
    let proxyHost: string | undefined;
    let machine: string | undefined;
    let host = t.to.host;
    if ('node' in t.from) {
      const index = this.addresses.nodeIndex(t.from.node);
      sourceIps = Array.from({ length: t.clients }, (_, k) => nodeClientIp(index, k));
      proxyHost = kubeProxyName(t.from.node);
      machine = t.from.node;
    } else {
      sourceIps = Array.from({ length: t.clients }, () => externalClientIp(this.externalClients++));
      // Outside the cluster a node is reached by its address, as an operator would find it.
      host = this.addresses.nodeIp(host) ?? host;
    }
    const config = {
      source: t.name,
      sourceIps,
      ...(proxyHost ? { proxyHost } : {}),
      namespace: t.namespace,
      target: { host, port: t.to.port, protocol: t.protocol },
      dnsServerIp: CLUSTER_DNS_IP,
      ratePerSecond: t.ratePerSecond,
      arrival: t.arrival,
      startMs: t.startMs,
      stopMs: t.stopMs,
      timeoutMs: t.timeoutMs,
      holdMs: t.holdMs,
      addresses: this.addresses,
    };
    this.sim.addHost({ name, ...(machine ? { machine } : {}), disk: null, create: (env) => startTrafficClient(env, config) });
  }

  addNodes(nodes: readonly NodeSpec[]): void {
    for (const node of nodes) {
      const index = this.nodeIndex++;
      this.nodeNames.push(node.name);
      this.addresses.addNode(node.name, index);
      this.tokens.set(`${node.name}-token`, { name: `system:node:${node.name}`, groups: ['system:nodes'] });
      const params: NodeParams = {
        name: node.name,
        index,
        labels: node.labels,
        taints: node.taints,
        capacity: { cpu: `${node.capacity.cpuMilli}m`, memory: String(node.capacity.memoryBytes), pods: node.capacity.pods },
      };
      this.sim.addHost({
        name: node.name,
        disk: null,
        create: (env) => startKubelet(env, params, { imagePullBandwidthBytesPerSec: node.imagePullBytesPerSecond, ...(this.variants.kubelet ? { variant: this.variants.kubelet } : {}) }, { ...API_CLIENT, token: `${node.name}-token` }),
      });
      const proxyConfig: KubeProxyConfig = node.kubeProxy ? { ...DEFAULT_KUBE_PROXY_CONFIG, ...node.kubeProxy } : DEFAULT_KUBE_PROXY_CONFIG;
      // kube-proxy runs on the node's machine: it crashes, restarts and is partitioned with it.
      this.sim.addHost({
        name: kubeProxyName(node.name),
        machine: node.name,
        disk: null,
        create: (env) => startKubeProxy(env, node.name, proxyConfig, { ...API_CLIENT, token: KUBE_PROXY_TOKEN }, this.addresses),
      });
      if (this.spec.dns?.enabled) {
        // The node's DNS server answers for the CoreDNS pods the kubelet runs there.
        this.sim.addHost({ name: clusterDnsHost(node.name), machine: node.name, disk: null, create: (env) => startClusterDns(env, node.name, { ...API_CLIENT, token: KUBE_PROXY_TOKEN }, this.dnsConfig) });
      }
    }
  }

  /** Runs a kubectl command as a user; its outcome is traced as `k8s.request` under `id`. */
  kubectl(user: string, id: string | undefined, command: KubectlCommand, waitForCluster = false): void {
    const stepId = id ?? `step-${++this.commandCounter}`;
    this.sim.inject(user, { type: 'KubectlInvoke', id: stepId, command, waitForCluster } as { type: string });
  }

  allHosts(): string[] {
    const hosts = [VIP, ...Array.from({ length: Math.max(1, this.spec.apiservers) }, (_, i) => apiserverName(i))];
    for (let i = 0; i < this.spec.schedulers; i++) hosts.push(schedulerName(i));
    for (let i = 0; i < this.spec.controllerManagers; i++) hosts.push(controllerManagerName(i));
    hosts.push(CLOUD_CONTROLLER_MANAGER_HOST);
    if (this.hasTraffic()) hosts.push(CLOUD_LOAD_BALANCER_HOST);
    const dnsHosts = this.spec.dns?.enabled ? this.nodeNames.map(clusterDnsHost) : [];
    const traffic = (this.scenario.traffic ?? []).map((t) => trafficClientName(t.name));
    const external = [...(this.spec.externalServers ?? []).map((e) => e.name), ...this.digNodes().map(digHostName)];
    return [...hosts, ...this.nodeNames, ...this.nodeNames.map(kubeProxyName), ...dnsHosts, ...traffic, ...external, ...this.spec.users.map((u) => u.name), ADMIN];
  }
}
