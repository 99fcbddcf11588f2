import { isSelectorError, matches, parseSelector } from '../api/labels.ts';
import { coreStateOf, describeActor } from '../kernel/core-actor.ts';
import type { Simulation } from '../kernel/simulation.ts';
import type { KubeletState } from '../kubelet/kubelet-core.ts';
import type { Verdict } from './conditions.ts';
import type { EnvCondition } from './spec.ts';

/**
 * `that.env`: the service environment variables the kubelets gave the pods they run (what
 * `kubectl exec POD -- env` shows), read from the nodes, not the API — the API object never
 * holds them. Every pod matching the selector that runs somewhere must have each `has` variable
 * and none of the `lacks` ones; at least one must run.
 */
export function checkEnv(cond: EnvCondition, sim: Simulation): Verdict {
  const selector = cond.selector ? parseSelector(cond.selector) : undefined;
  if (selector && isSelectorError(selector)) return { ok: false, detail: `selector ${cond.selector}: ${selector.error}` };
  const namespace = cond.namespace ?? 'default';
  const pods: { name: string; names: Set<string> }[] = [];
  for (const host of sim.hostNames()) {
    const actor = sim.actorOf(host);
    if (describeActor(actor)?.component !== 'kubelet') continue;
    const k = coreStateOf<KubeletState>(actor!);
    for (const w of k?.workers.values() ?? []) {
      const meta = w.pod.metadata ?? {};
      if ((meta.namespace ?? 'default') !== namespace || !w.state.sandboxUp) continue;
      if (selector && !matches(selector, meta.labels ?? {})) continue;
      pods.push({ name: meta.name ?? '', names: new Set(w.serviceEnv.map((v) => v.name)) });
    }
  }
  pods.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const what = `${pods.length} running pod(s) matching ${cond.selector ?? 'everything'} in ${namespace}`;
  if (pods.length === 0) return { ok: false, detail: `${what}; expected at least one` };
  for (const p of pods) {
    const missing = (cond.has ?? []).filter((n) => !p.names.has(n));
    if (missing.length > 0) return { ok: false, detail: `${what}; ${p.name} lacks ${missing.join(', ')}` };
    const extra = (cond.lacks ?? []).filter((n) => p.names.has(n));
    if (extra.length > 0) return { ok: false, detail: `${what}; ${p.name} has ${extra.join(', ')}` };
  }
  return { ok: true, detail: `${what}: each has ${(cond.has ?? []).join(', ') || '—'}${cond.lacks?.length ? ` and none of ${cond.lacks.join(', ')}` : ''}` };
}
