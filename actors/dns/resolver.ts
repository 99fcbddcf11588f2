import type { DnsAnswer, DnsQuestion } from '../traffic/protocol.ts';
import { DEFAULT_CLUSTER_DOMAIN, KUBEADM_COREDNS_TTL_SECONDS, normalizeName } from './zone.ts';

/**
 * The pod side of DNS: glibc's stub resolver walking the search list the kubelet writes into the
 * pod's resolv.conf (dnsPolicy ClusterFirst: `search <ns>.svc.<zone> svc.<zone> <zone>`,
 * `options ndots:5`), and a bounded answer cache. Pure: time is passed in.
 */

/** kubelet's resolv.conf for ClusterFirst pods (pkg/kubelet/network/dns `ndotsDNSOption`). */
export const KUBELET_NDOTS = 5;

/** The pod's search list, most specific first. */
export function searchList(namespace: string, clusterDomain = DEFAULT_CLUSTER_DOMAIN): string[] {
  return [`${namespace}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain];
}

/**
 * The names glibc's res_search queries for `name`, in order, until one answers (absolute, written
 * without the trailing dot). A name ending with '.' is absolute: it alone is tried. A name with at
 * least `ndots` dots is tried as written first, then with each search domain; one with fewer dots
 * goes through the search list first and is tried as written last (RES_NOTLDQUERY is off by
 * default). With ndots 5, `web.default.svc.cluster.local` (4 dots) still walks the list first.
 */
export function searchCandidates(name: string, namespace: string, ndots = KUBELET_NDOTS, clusterDomain = DEFAULT_CLUSTER_DOMAIN): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const searched = searchList(namespace, clusterDomain).map((domain) => `${name}.${domain}`);
  const dots = name.split('.').length - 1;
  return dots >= ndots ? [name, ...searched] : [...searched, name];
}

/** The negative TTL: the kubernetes plugin's SOA minimum is its record ttl (30 s with kubeadm's Corefile). */
export const NEGATIVE_TTL_SECONDS = KUBEADM_COREDNS_TTL_SECONDS;
/** A bound on the cache so a pod resolving many names cannot grow it without end. */
export const DEFAULT_DNS_CACHE_ENTRIES = 1000;

interface CacheEntry {
  answer: DnsAnswer;
  storedMs: number;
  expiresMs: number;
}

/**
 * Answers by (name, qtype): positive ones for the smallest TTL among their records, NXDOMAIN and
 * NODATA (NOERROR, no records) for the negative TTL (RFC 2308); SERVFAIL is never cached. An entry
 * is good while nowMs < stored + TTL. Past `maxEntries`, the entry stored longest ago is evicted
 * (a Map keeps insertion order; storing a key again moves it to the end). Answers come back with
 * TTLs lowered by the whole seconds spent in the cache, as CoreDNS's cache plugin does.
 */
export class DnsCache {
  private readonly entries = new Map<string, CacheEntry>();

  constructor(
    readonly maxEntries = DEFAULT_DNS_CACHE_ENTRIES,
    readonly negativeTtlSeconds = NEGATIVE_TTL_SECONDS,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  private static key(name: string, qtype: DnsQuestion['qtype']): string {
    return `${normalizeName(name)} ${qtype}`;
  }

  put(name: string, qtype: DnsQuestion['qtype'], answer: DnsAnswer, nowMs: number): void {
    if (answer.rcode === 'SERVFAIL') return;
    const ttlSeconds = answer.answers.length > 0 ? answer.answers.reduce((min, r) => Math.min(min, r.ttlSeconds), Infinity) : this.negativeTtlSeconds;
    if (ttlSeconds <= 0 || this.maxEntries <= 0) return;
    const key = DnsCache.key(name, qtype);
    this.entries.delete(key);
    this.entries.set(key, { answer, storedMs: nowMs, expiresMs: nowMs + ttlSeconds * 1000 });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The cached answer, or undefined when there is none or it has expired (then it is dropped). */
  get(name: string, qtype: DnsQuestion['qtype'], nowMs: number): DnsAnswer | undefined {
    const key = DnsCache.key(name, qtype);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (nowMs >= entry.expiresMs) {
      this.entries.delete(key);
      return undefined;
    }
    const elapsedSeconds = Math.floor((nowMs - entry.storedMs) / 1000);
    return { rcode: entry.answer.rcode, answers: entry.answer.answers.map((r) => ({ ...r, ttlSeconds: r.ttlSeconds - elapsedSeconds })) };
  }
}
