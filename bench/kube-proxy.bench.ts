/**
 * kube-proxy benchmark (issue 9, seed 004's claim): what programming the rules and routing one
 * new connection cost as Services grow, under iptables and ipvs, on the pure data path kube-proxy
 * uses (actors/kube-proxy/). Prints ONE JSON object on stdout; a summary goes to stderr.
 *
 *   npx tsx bench/kube-proxy.bench.ts           # 10, 100, 1000, 10000 Services × 10 endpoints
 *   npx tsx bench/kube-proxy.bench.ts --quick   # 10, 100, 1000 (CI smoke)
 *
 * Per size and mode, median/min/max of 3 trials after a warm-up:
 *   programMs        building the service table from Services and EndpointSlices, then the
 *                    mode's form of it (iptables-save lines; ipvs: a virtual-server map)
 *   routeNsPerConn   one new connection to a random Service: iptables walks KUBE-SERVICES to its
 *                    jump, then the endpoint rules (1/(n−i)); ipvs looks the virtual server up by
 *                    address and asks rr
 *   rulesPerConn     (iptables) rules a packet was matched against, on average
 * plus a bare baseline in the same run: a random array read per connection.
 */
import os from 'node:os';
import type { KubeObject } from '../actors/api/protocol.ts';
import { Rng } from '../actors/kernel/rng.ts';
import { chooseIptables, renderIptables } from '../actors/kube-proxy/iptables.ts';
import { chooseIpvs, newVirtualServerState, type RealServer, type VirtualServerState } from '../actors/kube-proxy/ipvs.ts';
import { buildServiceTable, type ServicePortEntry } from '../actors/kube-proxy/service-table.ts';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [10, 100, 1000] : [10, 100, 1000, 10_000];
const ENDPOINTS = 10;
const CONNECTIONS = quick ? 5_000 : 20_000;
const TRIALS = 3;

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const stats = (xs: number[], digits = 1) => {
  const r = (x: number) => Math.round(x * 10 ** digits) / 10 ** digits;
  const s = [...xs].sort((a, b) => a - b);
  return { median: r(median(xs)), min: r(s[0]!), max: r(s[s.length - 1]!) };
};

function cluster(services: number): { services: KubeObject[]; slices: KubeObject[] } {
  const svcs: KubeObject[] = [];
  const slices: KubeObject[] = [];
  for (let i = 0; i < services; i++) {
    const name = `svc-${i}`;
    const ip = `10.96.${Math.floor(i / 250) + 1}.${(i % 250) + 2}`;
    svcs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: ENDPOINTS }, (_, e) => ({ addresses: [`10.${100 + (e % 100)}.${Math.floor(i / 250)}.${(i % 250) + 2}`], nodeName: `worker-${e}`, conditions: { ready: true } })),
    });
  }
  return { services: svcs, slices };
}

function timeMs(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

interface IpvsVirtual {
  servers: RealServer[];
  state: VirtualServerState;
}

function run(size: number) {
  const input = cluster(size);
  const program = { iptables: [] as number[], ipvs: [] as number[] };
  const route = { iptables: [] as number[], ipvs: [] as number[], baseline: [] as number[] };
  let rules = 0;
  let lines = 0;
  for (let trial = -1; trial < TRIALS; trial++) {
    let table: ServicePortEntry[] = [];
    const ipt = timeMs(() => {
      table = buildServiceTable(input.services, input.slices, 'worker-0');
      lines = renderIptables(table).length;
    });
    let virtual = new Map<string, IpvsVirtual>();
    const ipv = timeMs(() => {
      const t = buildServiceTable(input.services, input.slices, 'worker-0');
      virtual = new Map(t.map((e) => [`${e.clusterIp}:${e.port}`, { servers: e.clusterBackends.map((b) => ({ backend: b, activeConnections: 0, inactiveConnections: 0 })), state: newVirtualServerState() }]));
    });
    const targets = new Rng('kube-proxy-bench', `targets-${trial}`);
    const picks = Array.from({ length: CONNECTIONS }, () => table[targets.int(0, table.length)]!);
    const coin = new Rng('kube-proxy-bench', `coin-${trial}`);
    let traversed = 0;
    const iptRoute = timeMs(() => {
      for (const want of picks) {
        // KUBE-SERVICES is matched rule by rule: the destination address and port decide.
        let position = 0;
        while (table[position]!.clusterIp !== want.clusterIp || table[position]!.port !== want.port) position++;
        traversed += chooseIptables(table[position]!.clusterBackends, position, () => coin.float()).rulesTraversed;
      }
    });
    const ipvRoute = timeMs(() => {
      for (const want of picks) {
        const vs = virtual.get(`${want.clusterIp}:${want.port}`)!;
        chooseIpvs('rr', vs.servers, vs.state, '10.244.0.2', want.clusterIp!);
      }
    });
    let sink = 0;
    const base = timeMs(() => {
      for (const want of picks) sink += want.port;
    });
    if (sink < 0) log('');
    if (trial < 0) continue;
    program.iptables.push(ipt);
    program.ipvs.push(ipv);
    route.iptables.push((iptRoute * 1e6) / CONNECTIONS);
    route.ipvs.push((ipvRoute * 1e6) / CONNECTIONS);
    route.baseline.push((base * 1e6) / CONNECTIONS);
    rules = traversed / CONNECTIONS;
  }
  return {
    services: size,
    endpointsPerService: ENDPOINTS,
    iptablesRuleLines: lines,
    programMs: { iptables: stats(program.iptables, 2), ipvs: stats(program.ipvs, 2) },
    routeNsPerConn: { iptables: stats(route.iptables), ipvs: stats(route.ipvs), baseline: stats(route.baseline) },
    rulesPerConn: { iptables: Math.round(rules * 10) / 10, ipvs: 1 },
  };
}

const loadBefore = os.loadavg()[0]!;
const results = SIZES.map((size) => {
  const r = run(size);
  log(`${String(size).padStart(6)} services: program iptables ${r.programMs.iptables.median} ms, ipvs ${r.programMs.ipvs.median} ms; per connection iptables ${r.routeNsPerConn.iptables.median} ns (${r.rulesPerConn.iptables} rules), ipvs ${r.routeNsPerConn.ipvs.median} ns, baseline ${r.routeNsPerConn.baseline.median} ns`);
  return r;
});
process.stdout.write(
  `${JSON.stringify({ bench: 'kube-proxy', quick, connectionsPerTrial: CONNECTIONS, trials: TRIALS, loadAverage1m: { before: Math.round(loadBefore * 100) / 100, after: Math.round(os.loadavg()[0]! * 100) / 100 }, node: process.version, results }, null, 2)}\n`,
);
