import type { Backend, ServicePortEntry } from './service-table.ts';

/**
 * kube-proxy's iptables mode (pkg/proxy/iptables/proxier.go): KUBE-SERVICES holds one jump per
 * service address, matched linearly; a service's KUBE-SVC chain holds one rule per endpoint, rule
 * i (0-based) of n taken with probability 1/(n−i) (`-m statistic --mode random`), the last one
 * unconditionally — each endpoint gets 1/n. A dead endpoint is not retried: the packet fails.
 */

/** The probability on endpoint rule i of n (`computeProbability`); undefined for the last (unconditional). */
export function ruleProbability(i: number, n: number): number | undefined {
  return i < n - 1 ? 1 / (n - i) : undefined;
}

/** `-m statistic --mode random --probability 0.3333333333`: the text iptables-save prints (10 decimals). */
export function probabilityText(p: number): string {
  return p.toFixed(10);
}

export interface IptablesChoice {
  backend: Backend | undefined;
  /** Rules the packet was matched against: its position in KUBE-SERVICES plus the endpoint rules tried. */
  rulesTraversed: number;
}

/**
 * The backend a new connection gets: the endpoint rules are tried in order, each with its
 * probability (`random()` in [0, 1)). `servicePosition` is the 0-based place of this service's jump
 * in KUBE-SERVICES, which every packet walks first.
 */
export function chooseIptables(backends: readonly Backend[], servicePosition: number, random: () => number): IptablesChoice {
  const n = backends.length;
  if (n === 0) return { backend: undefined, rulesTraversed: servicePosition + 1 };
  for (let i = 0; i < n; i++) {
    const p = ruleProbability(i, n);
    if (p === undefined || random() < p) return { backend: backends[i], rulesTraversed: servicePosition + 1 + i + 1 };
  }
  return { backend: backends[n - 1], rulesTraversed: servicePosition + 1 + n };
}

/** The rules as iptables-save would list them (the `--show proxy-rules` view of iptables mode). */
export function renderIptables(table: readonly ServicePortEntry[]): string[] {
  const lines: string[] = ['*nat', ':KUBE-SERVICES - [0:0]', ':KUBE-NODEPORTS - [0:0]'];
  const chains: string[] = [];
  for (const e of table) {
    if (!e.clusterIp) continue;
    const svcChain = `KUBE-SVC-${chainSuffix(e.id + e.protocol)}`;
    const proto = e.protocol.toLowerCase();
    lines.push(`-A KUBE-SERVICES -d ${e.clusterIp}/32 -p ${proto} -m comment --comment "${e.id} cluster IP" -m ${proto} --dport ${e.port} -j ${svcChain}`);
    if (e.nodePort) lines.push(`-A KUBE-NODEPORTS -p ${proto} -m comment --comment "${e.id}" -m ${proto} --dport ${e.nodePort} -j ${e.externalTrafficPolicyLocal ? `KUBE-EXT-${chainSuffix(e.id + e.protocol)}` : svcChain}`);
    const backends = e.clusterBackends;
    if (backends.length === 0) {
      chains.push(`-A KUBE-SERVICES -d ${e.clusterIp}/32 -p ${proto} -m comment --comment "${e.id} has no endpoints" -m ${proto} --dport ${e.port} -j REJECT`);
      continue;
    }
    backends.forEach((b, i) => {
      const sep = `KUBE-SEP-${chainSuffix(`${e.id}${e.protocol}${b.ip}:${b.port}`)}`;
      const p = ruleProbability(i, backends.length);
      const stat = p === undefined ? '' : ` -m statistic --mode random --probability ${probabilityText(p)}`;
      chains.push(`-A ${svcChain} -m comment --comment "${e.id} -> ${b.ip}:${b.port}"${stat} -j ${sep}`);
      chains.push(`-A ${sep} -p ${proto} -m comment --comment "${e.id}" -m ${proto} -j DNAT --to-destination ${b.ip}:${b.port}`);
    });
  }
  lines.push('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  return [...lines, ...chains, 'COMMIT'];
}

/** A stable 16-character chain suffix (upstream: base32 of a SHA-256; here FNV-1a, base32-like). */
export function chainSuffix(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  for (const h of [h1, h2]) for (let i = 0; i < 8; i++) out += alphabet[(h >>> (i * 4)) & 31];
  return out;
}
