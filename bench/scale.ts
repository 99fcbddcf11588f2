/**
 * `kubesim bench scale`: how kubesim's cost grows with the cluster. For each size, in a process of
 * its own (so each peak RSS is that size's): an idle cluster for some virtual minutes
 * (bench/cluster.bench.ts: kubelets registering, renewing Leases, posting NodeStatus through the
 * apiserver into a 5-member etcd) and SchedulingBasic in mode cluster (pods created, scheduled,
 * bound and started end to end, `kubesim bench scheduler --mode cluster`). Between consecutive
 * sizes the growth exponent k of wall time ≈ c·nodes^k: 1 is linear. Pure parts (the exponent,
 * the table, the SVG) are exported for tests.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

export interface ScalePoint {
  nodes: number;
  wallSeconds: number;
  events: number;
  peakRssMiB: number;
}

export interface ScaleResult {
  idle: ScalePoint[];
  scheduling: (ScalePoint & { pods: number; podsPerSecond: number })[];
  virtualMinutes: number;
  node: string;
  cpus: number;
  cpuModel: string;
  loadAverage1m: [number, number];
}

/** k in wall ≈ c·n^k between two sizes. */
export function growthExponent(a: { nodes: number; wallSeconds: number }, b: { nodes: number; wallSeconds: number }): number {
  return Math.log(b.wallSeconds / a.wallSeconds) / Math.log(b.nodes / a.nodes);
}

function child(args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

export function runScale(sizes: readonly number[], minutes: number, onSize?: (what: string, nodes: number) => void): ScaleResult {
  const load0 = loadavg()[0]!;
  const idle: ScalePoint[] = [];
  const scheduling: ScaleResult['scheduling'] = [];
  for (const nodes of sizes) {
    onSize?.('idle', nodes);
    const i = child(['bench/cluster.bench.ts', '--nodes', String(nodes), '--minutes', String(minutes)]);
    idle.push({ nodes, wallSeconds: Number(i['wallSeconds']), events: Number(i['events']), peakRssMiB: Number(i['peakRssMiB']) });
    onSize?.('scheduling', nodes);
    const pods = 2 * nodes;
    const s = child(['cli/main.ts', 'bench', 'scheduler', '--workload', 'SchedulingBasic', '--mode', 'cluster', '--nodes', String(nodes), '--pods', String(pods), '--json']);
    const pps = s['podsPerSecond'] as { average?: number } | number | undefined;
    scheduling.push({
      nodes,
      pods,
      wallSeconds: Number(s['wallSeconds']),
      events: Number(s['events']),
      peakRssMiB: Number(s['peakRssMiB']),
      podsPerSecond: typeof pps === 'number' ? pps : Number(pps?.average ?? NaN),
    });
  }
  const c = cpus();
  return { idle, scheduling, virtualMinutes: minutes, node: process.version, cpus: c.length, cpuModel: c[0]?.model ?? 'unknown', loadAverage1m: [Number(load0.toFixed(2)), Number(loadavg()[0]!.toFixed(2))] };
}

export function scaleTable(r: ScaleResult): string {
  const rows = (points: ScalePoint[], title: string): string[] => [
    `| ${title} | nodes | wall s | events | events/s | peak RSS MiB | exponent from the size before |`,
    '|---|---|---|---|---|---|---|',
    ...points.map((p, i) => `| | ${p.nodes} | ${p.wallSeconds.toFixed(2)} | ${p.events} | ${Math.round(p.events / p.wallSeconds)} | ${p.peakRssMiB} | ${i === 0 ? '–' : growthExponent(points[i - 1]!, p).toFixed(2)} |`),
  ];
  return [...rows(r.idle, `idle ${r.virtualMinutes} min`), '', ...rows(r.scheduling, 'SchedulingBasic, cluster mode, 2 pods per node')].join('\n');
}

/** Wall seconds against nodes, log–log, one line per series: a small self-contained SVG. */
export function scaleSvg(r: ScaleResult): string {
  const W = 480;
  const H = 300;
  const pad = 50;
  const all = [...r.idle, ...r.scheduling];
  const xs = all.map((p) => Math.log10(p.nodes));
  const ys = all.map((p) => Math.log10(Math.max(p.wallSeconds, 1e-3)));
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (v: number) => pad + ((v - x0) / Math.max(1e-9, x1 - x0)) * (W - 2 * pad);
  const sy = (v: number) => H - pad - ((v - y0) / Math.max(1e-9, y1 - y0)) * (H - 2 * pad);
  const line = (points: ScalePoint[], color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${sx(Math.log10(p.nodes)).toFixed(1)},${sy(Math.log10(Math.max(p.wallSeconds, 1e-3))).toFixed(1)}`).join(' ')}"/>` +
    points.map((p) => `<circle cx="${sx(Math.log10(p.nodes)).toFixed(1)}" cy="${sy(Math.log10(Math.max(p.wallSeconds, 1e-3))).toFixed(1)}" r="3" fill="${color}"><title>${p.nodes} nodes: ${p.wallSeconds} s</title></circle>`).join('');
  const ticks = all.map((p) => p.nodes).filter((n, i, a) => a.indexOf(n) === i);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="black"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="black"/>`,
    ...ticks.map((n) => `<text x="${sx(Math.log10(n)).toFixed(1)}" y="${H - pad + 15}" text-anchor="middle">${n}</text>`),
    `<text x="${W / 2}" y="${H - 10}" text-anchor="middle">nodes (log)</text>`,
    `<text x="12" y="${H / 2}" transform="rotate(-90 12 ${H / 2})" text-anchor="middle">wall seconds (log)</text>`,
    line(r.idle, '#1f77b4'),
    line(r.scheduling, '#d62728'),
    `<text x="${pad + 10}" y="${pad - 20}" fill="#1f77b4">idle cluster, ${r.virtualMinutes} virtual min</text>`,
    `<text x="${pad + 10}" y="${pad - 6}" fill="#d62728">SchedulingBasic, cluster mode, 2 pods/node</text>`,
    '</svg>',
  ].join('\n');
}
