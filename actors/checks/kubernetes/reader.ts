import type { TraceEvent } from '../../kernel/trace.ts';
import type { KubernetesFindings } from './index.ts';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * ReaderNeverGoesBack: a reader (a client-go reflector: an informer's LIST then WATCH) never
 * delivers a state older than one it delivered before — the "time travel" of kubernetes#59848
 * (a relist served by a lagging apiserver's watch cache after a reconnect through the VIP) and
 * etcd#15271. What the apiserver guarantees (k8s-semantics §1.2–1.4):
 * - a WATCH from resourceVersion N sends only events newer than N, in order, so along one
 *   reflector's life the resourceVersion it holds never falls below its last list's;
 * - a LIST with resourceVersion N (resourceVersionMatch unset: NotOlderThan) is served at N or
 *   newer — the watch cache waits up to 3 s to reach N, then 504 "Too large resource version" —
 *   and a LIST with resourceVersion "" is a consistent read: both are never older than what the
 *   reader held, and the reflector relists with its last resourceVersion (or "" after 410) for
 *   exactly this reason (`relistResourceVersion`).
 * Not guaranteed, so not a violation: a LIST with resourceVersion "0" is served from whatever
 * cache answers, at any age — a reflector's first list, and so a restarted process's informer,
 * may start older than its previous life ended (each informer life is its own reader here); a
 * relist that asked "0" and went back is a note.
 *
 * Read from `k8s.relist` lines (actors/client/informer.ts): a relist's previous list, the last
 * resourceVersion delivered since, what it asked and what it got. The events between are not
 * traced (a line per event per informer would be most of the trace), so an event delivered out
 * of order inside one watch stream is seen only if it is still the last one held at the next
 * relist; the order within a stream is the watch-cache's own.
 */
export function checkReadersNeverGoBack(events: readonly TraceEvent[]): KubernetesFindings {
  const violations: KubernetesFindings['violations'] = [];
  const notes: string[] = [];
  for (const e of events) {
    if (e.kind !== 'k8s.relist') continue;
    const reader = `${str(e.client)}'s ${str(e.informer)} informer (${str(e.resource)})`;
    const listed = num(e.listedRv);
    const held = num(e.heldRv);
    const rv = num(e.rv);
    const asked = str(e.asked);
    if (held < listed) {
      violations.push({ check: 'ReaderNeverGoesBack', t: e.t, seq: e.seq, detail: `${reader} listed at resourceVersion ${listed}, then its watch left it at ${held}, older` });
    }
    if (rv >= held) continue;
    const what = `${reader} held resourceVersion ${held} and relisted with resourceVersion ${asked === '' ? '"" (consistent)' : `"${asked}"`}, which was served at ${rv}, older`;
    if (asked === '0') notes.push(`${what}: a list at "0" may be served from any cache (at ${e.t} ms)`);
    else violations.push({ check: 'ReaderNeverGoesBack', t: e.t, seq: e.seq, detail: what });
  }
  return { violations, notes };
}
