import type { Verdict } from './conditions.ts';
import type { DnsCondition, TrafficCondition } from './spec.ts';
import { summarize, type TrafficLog } from './traffic-log.ts';
import { describeCount, matchCount } from './workload-conditions.ts';

/**
 * `that.traffic`: the requests of a source (or all sources) that started in the window and have
 * ended by the time of the check, compared with the condition. The detail always shows the
 * counts, the spread over pods and the latency, so a failure says what happened.
 */
export function checkTraffic(cond: TrafficCondition, log: TrafficLog, nowMs: number): Verdict {
  const fromMs = cond.window?.fromMs ?? 0;
  const toMs = cond.window?.toMs ?? nowMs;
  const records = log.records.filter((r) => (cond.source === undefined || r.source === cond.source) && r.startedAtMs >= fromMs && r.startedAtMs < toMs);
  const s = summarize(records);
  const results = [...s.byResult].map(([k, n]) => `${k} ${n}`).join(', ');
  const pods = [...s.byPod].map(([p, n]) => `${p} ${n}`).join(', ');
  const lat = s.latencyMs ? `; latency p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms` : '';
  const detail = `${cond.source ?? 'all sources'}: ${s.requests} request(s)${results ? ` (${results})` : ''}${pods ? `; answered by ${pods}` : ''}${lat}`;
  const fail = (why: string): Verdict => ({ ok: false, detail: `${detail}; expected ${why}` });
  for (const key of ['requests', 'ok', 'failed'] as const) {
    const m = cond[key];
    if (m !== undefined && !matchCount(m, s[key])) return fail(`${describeCount(m)} ${key === 'requests' ? 'requests' : key}`);
  }
  if (cond.backends !== undefined && !matchCount(cond.backends, s.byPod.size)) return fail(`${describeCount(cond.backends)} distinct pods answering`);
  if (cond.successRate) {
    const rate = s.requests === 0 ? 0 : s.ok / s.requests;
    const { atLeast, atMost } = cond.successRate;
    if ((atLeast !== undefined && rate < atLeast) || (atMost !== undefined && rate > atMost)) {
      return fail(`a success rate ${[atLeast !== undefined ? `≥ ${atLeast}` : '', atMost !== undefined ? `≤ ${atMost}` : ''].filter(Boolean).join(' and ')} (it is ${rate.toFixed(4)})`);
    }
  }
  if (cond.evenlySpread) {
    const n = s.byPod.size;
    if (n === 0) return fail('requests spread over pods (none answered)');
    const fair = 1 / n;
    for (const [pod, count] of s.byPod) {
      const share = count / s.ok;
      if (Math.abs(share - fair) > cond.evenlySpread.tolerance) return fail(`each pod's share within ±${cond.evenlySpread.tolerance} of ${fair.toFixed(3)} (${pod} has ${share.toFixed(3)})`);
    }
  }
  if (cond.sticky !== undefined) {
    const moved = [...s.podsByClient].filter(([, p]) => p.size > 1).map(([c]) => c);
    if (cond.sticky && moved.length > 0) return fail(`every client answered by one pod (${moved.join(', ')} moved)`);
    if (!cond.sticky && moved.length === 0 && s.podsByClient.size > 0) return fail('clients answered by more than one pod');
  }
  if (cond.sourcePreserved !== undefined) {
    const okRecords = records.filter((r) => r.result === 'ok');
    const masqueraded = okRecords.filter((r) => r.seenAs !== undefined);
    if (okRecords.length === 0) return fail('answered requests to tell the source address by');
    if (cond.sourcePreserved && masqueraded.length > 0) return fail(`every backend to see the client's address (${masqueraded.length} saw ${masqueraded[0]!.seenAs})`);
    if (!cond.sourcePreserved && masqueraded.length < okRecords.length) return fail(`no backend to see the client's address (${okRecords.length - masqueraded.length} did)`);
  }
  if (cond.servedBy) {
    let n = 0;
    for (const [pod, count] of s.byPod) if (pod.startsWith(cond.servedBy.prefix)) n += count;
    if (!matchCount(cond.servedBy.count, n)) return fail(`${describeCount(cond.servedBy.count)} answered by ${cond.servedBy.prefix}* (${n})`);
  }
  if (cond.latencyMsAtMost) {
    for (const [k, bound] of Object.entries(cond.latencyMsAtMost) as [keyof NonNullable<typeof s.latencyMs>, number][]) {
      const v = s.latencyMs?.[k];
      if (v === undefined || v > bound) return fail(`latency ${k} ≤ ${bound} ms`);
    }
  }
  for (const [k, m] of Object.entries(cond.results ?? {})) {
    if (m !== undefined && !matchCount(m, s.byResult.get(k) ?? 0)) return fail(`${describeCount(m)} ${k}`);
  }
  return { ok: true, detail };
}

/** `that.dns`: the answer a `dig` step got. */
export function checkDns(cond: DnsCondition, digs: ReadonlyMap<string, { rcode: string; answers: string[] }>): Verdict {
  const d = digs.get(cond.id);
  if (!d) return { ok: false, detail: `dig ${cond.id}: no answer yet` };
  const detail = `dig ${cond.id}: ${d.rcode}${d.answers.length ? ` — ${d.answers.join('; ')}` : ', no records'}`;
  if (cond.rcode !== undefined && d.rcode !== cond.rcode) return { ok: false, detail: `${detail}; expected ${cond.rcode}` };
  if (cond.answers !== undefined && !matchCount(cond.answers, d.answers.length)) return { ok: false, detail: `${detail}; expected ${describeCount(cond.answers)} records` };
  if (cond.type !== undefined && (d.answers.length === 0 || d.answers.some((a) => !a.startsWith(`${cond.type} `)))) return { ok: false, detail: `${detail}; expected ${cond.type} records` };
  if (cond.contains !== undefined && !d.answers.some((a) => a.includes(cond.contains!))) return { ok: false, detail: `${detail}; expected an answer containing "${cond.contains}"` };
  return { ok: true, detail };
}
