import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { it } from 'node:test';
import fc from 'fast-check';
import type { KubeObject } from '../../actors/api/protocol.ts';
import type { ClusterState } from '../../actors/scenario/cluster-state.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import type { ScenarioSpec } from '../../actors/scenario/spec.ts';
import { toScenarioYaml } from '../../cli/scenario-writer.ts';
import { DEPLOYMENTS, describeSchedule, workloadScheduleArb } from './workload-schedule.ts';

/**
 * Workload controllers under random scale / rollout / rollback schedules and node crashes and
 * partitions (workload-schedule.ts). After every fault healed and the settle time:
 * - every Deployment runs exactly spec.replicas available pods of its newest template (the
 *   ReplicaSet of the highest revision, with the Deployment's image), and every older ReplicaSet
 *   is scaled to 0 with no pod left;
 * - every ReplicaSet's status.replicas is the number of its live (non-terminating) pods;
 * - no pod is left Terminating (every node is back and confirms its deletions);
 * - no pod has two controller ownerReferences, and a pod's ReplicaSet belongs to the Deployment
 *   whose selector matches it;
 * and at every step:
 * - no pod ever has two controller ownerReferences;
 * - a bound PersistentVolumeClaim keeps its volume (spec.volumeName never changes once set), and
 *   at the end the volume's claimRef points back at the claim (vacuous without PVCs; generic over
 *   PVC and PV objects).
 */

/** Runs per `npm test` (each ~1.5 s); KUBESIM_PROPERTY_RUNS raises it for a longer hunt. */
const numRuns = Number(process.env.KUBESIM_PROPERTY_RUNS ?? 10);

const REVISION = 'deployment.kubernetes.io/revision';

type Obj = KubeObject & { metadata: NonNullable<KubeObject['metadata']> };

function controllerOf(o: KubeObject): { kind: string; name: string; uid: string }[] {
  return ((o.metadata?.ownerReferences ?? []) as { kind: string; name: string; uid: string; controller?: boolean }[]).filter((r) => r.controller);
}

function spec_<T>(o: KubeObject): T {
  return (o as { spec?: T }).spec ?? ({} as T);
}

function status_<T>(o: KubeObject): T {
  return (o as { status?: T }).status ?? ({} as T);
}

function live(p: KubeObject): boolean {
  const phase = status_<{ phase?: string }>(p).phase;
  return !p.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

function ready(p: KubeObject): boolean {
  return status_<{ phase?: string; conditions?: { type: string; status: string }[] }>(p).phase === 'Running' && (status_<{ conditions?: { type: string; status: string }[] }>(p).conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** What every step must keep: checked as the committed state changes. */
class StepInvariants {
  readonly problems: string[] = [];
  /** PVC uid → the volume it was first bound to. */
  private readonly boundTo = new Map<string, string>();

  constructor(state: ClusterState) {
    const decode = (value: string): Obj => JSON.parse(value) as Obj;
    state.follow({
      key: '/registry/pods/',
      prefix: true,
      put: (kv) => {
        const pod = decode(kv.value);
        if (controllerOf(pod).length > 1) this.note(`pod ${pod.metadata.namespace}/${pod.metadata.name} has ${controllerOf(pod).length} controller ownerReferences`);
      },
      deleted: () => {},
      reset: () => {},
    });
    state.follow({
      key: '/registry/persistentvolumeclaims/',
      prefix: true,
      put: (kv) => {
        const pvc = decode(kv.value);
        const volume = spec_<{ volumeName?: string }>(pvc).volumeName;
        const uid = pvc.metadata.uid ?? kv.key;
        const was = this.boundTo.get(uid);
        if (volume === undefined || volume === '') return;
        if (was === undefined) this.boundTo.set(uid, volume);
        else if (was !== volume) this.note(`PVC ${pvc.metadata.namespace}/${pvc.metadata.name} moved from volume ${was} to ${volume}`);
      },
      deleted: () => {},
      reset: () => {},
    });
  }

  private note(problem: string): void {
    if (this.problems.length < 10) this.problems.push(problem);
  }
}

/** The final-state checks; returns what is wrong (empty when all hold). */
function finalProblems(state: ClusterState): string[] {
  const problems: string[] = [];
  const pods = state.list('pods') as Obj[];
  const replicaSets = state.list('replicasets') as Obj[];
  const rsByUid = new Map(replicaSets.map((rs) => [rs.metadata.uid, rs]));
  const deployments = state.list('deployments') as Obj[];
  const deploymentByUid = new Map(deployments.map((d) => [d.metadata.uid, d]));

  for (const pod of pods) {
    const name = `pod ${pod.metadata.name}`;
    if (pod.metadata.deletionTimestamp) problems.push(`${name} is still Terminating`);
    const owners = controllerOf(pod);
    if (owners.length !== 1) {
      problems.push(`${name} has ${owners.length} controller ownerReferences`);
      continue;
    }
    const rs = rsByUid.get(owners[0]!.uid);
    if (!rs) {
      problems.push(`${name}'s ReplicaSet ${owners[0]!.name} does not exist`);
      continue;
    }
    const d = deploymentByUid.get(controllerOf(rs)[0]?.uid);
    const app = pod.metadata.labels?.app;
    if (!d || spec_<{ selector?: { matchLabels?: Record<string, string> } }>(d).selector?.matchLabels?.app !== app) {
      problems.push(`${name} (app=${app}) is owned by ReplicaSet ${rs.metadata.name} of deployment ${d?.metadata.name ?? '(none)'}`);
    }
  }

  for (const rs of replicaSets) {
    const own = pods.filter((p) => controllerOf(p)[0]?.uid === rs.metadata.uid && live(p)).length;
    const reported = status_<{ replicas?: number }>(rs).replicas ?? 0;
    if (reported !== own) problems.push(`replicaset ${rs.metadata.name}: status.replicas ${reported}, but ${own} live pods`);
  }

  for (const name of DEPLOYMENTS) {
    const d = deployments.find((x) => x.metadata.name === name);
    if (!d) {
      problems.push(`deployment ${name} is gone`);
      continue;
    }
    const want = spec_<{ replicas?: number }>(d).replicas ?? 1;
    const image = spec_<{ template: { spec: { containers: { image: string }[] } } }>(d).template.spec.containers[0]!.image;
    const mine = replicaSets.filter((rs) => controllerOf(rs)[0]?.uid === d.metadata.uid);
    const revision = (rs: Obj): number => Number(rs.metadata.annotations?.[REVISION] ?? 0);
    const newest = mine.reduce<Obj | undefined>((best, rs) => (!best || revision(rs) > revision(best) ? rs : best), undefined);
    if (!newest) {
      problems.push(`deployment ${name} has no ReplicaSet`);
      continue;
    }
    const newestImage = spec_<{ template: { spec: { containers: { image: string }[] } } }>(newest).template.spec.containers[0]!.image;
    if (newestImage !== image) problems.push(`deployment ${name} runs ${image}, its newest ReplicaSet ${newest.metadata.name} (revision ${revision(newest)}) ${newestImage}`);
    const newestReplicas = spec_<{ replicas?: number }>(newest).replicas ?? 0;
    if (newestReplicas !== want) problems.push(`deployment ${name} wants ${want}, its newest ReplicaSet ${newest.metadata.name} has spec.replicas ${newestReplicas}`);
    const available = pods.filter((p) => controllerOf(p)[0]?.uid === newest.metadata.uid && live(p) && ready(p)).length;
    if (available !== want) problems.push(`deployment ${name} wants ${want}, ${available} pods of its newest template are running and ready`);
    for (const old of mine) {
      if (old === newest) continue;
      const replicas = spec_<{ replicas?: number }>(old).replicas ?? 0;
      const left = pods.filter((p) => controllerOf(p)[0]?.uid === old.metadata.uid).length;
      if (replicas !== 0 || left !== 0) problems.push(`deployment ${name}: old ReplicaSet ${old.metadata.name} has spec.replicas ${replicas} and ${left} pods`);
    }
    const st = status_<{ replicas?: number; updatedReplicas?: number; availableReplicas?: number }>(d);
    if ((st.availableReplicas ?? 0) !== want || (st.updatedReplicas ?? 0) !== want || (st.replicas ?? 0) !== want) {
      problems.push(`deployment ${name} status: replicas ${st.replicas ?? 0}, updated ${st.updatedReplicas ?? 0}, available ${st.availableReplicas ?? 0}; wants ${want}`);
    }
  }

  const volumes = new Map((state.list('persistentvolumes') as Obj[]).map((pv) => [pv.metadata.name, pv]));
  for (const pvc of state.list('persistentvolumeclaims') as Obj[]) {
    const volume = spec_<{ volumeName?: string }>(pvc).volumeName;
    if (!volume) continue;
    const claimRef = spec_<{ claimRef?: { name?: string; namespace?: string; uid?: string } }>(volumes.get(volume) ?? ({} as Obj)).claimRef;
    if (!claimRef || claimRef.name !== pvc.metadata.name || claimRef.namespace !== pvc.metadata.namespace || (claimRef.uid !== undefined && claimRef.uid !== pvc.metadata.uid)) {
      problems.push(`PVC ${pvc.metadata.namespace}/${pvc.metadata.name} is bound to ${volume}, whose claimRef is ${JSON.stringify(claimRef ?? null)}`);
    }
  }
  return problems;
}

function check(spec: ScenarioSpec): void {
  let steps: StepInvariants | undefined;
  const run = runScenario(spec, { onState: (state) => (steps = new StepInvariants(state)) });
  const { result } = run;
  const where = describeSchedule(spec);
  assert.deepEqual(result.violations, [], `invariant violated:\n    ${where}`);
  assert.equal(result.status, 'done', `run did not finish: ${result.stopReason}\n    ${where}`);
  run.state.sync();
  assert.deepEqual(steps?.problems ?? [], [], `a step broke an invariant:\n    ${where}`);
  assert.deepEqual(finalProblems(run.state), [], `the final state is wrong:\n    ${where}`);
}

it(`Deployments converge to their newest template, ownership stays single, on ${numRuns} random scale/rollout/rollback/node-fault schedules`, () => {
  const details = fc.check(fc.property(workloadScheduleArb, check), {
    numRuns,
    seed: process.env.KUBESIM_PROPERTY_SEED ? Number(process.env.KUBESIM_PROPERTY_SEED) : undefined,
    path: process.env.KUBESIM_PROPERTY_PATH,
    endOnFailure: process.env.KUBESIM_PROPERTY_SHRINK === undefined,
  });
  if (details.failed) {
    const replay = `KUBESIM_PROPERTY_SEED=${details.seed} KUBESIM_PROPERTY_PATH=${details.counterexamplePath} node --import tsx --test test/property/workloads.test.ts`;
    let written = '';
    const failing = details.counterexample?.[0];
    if (failing) {
      mkdirSync('counterexamples', { recursive: true });
      const file = `counterexamples/workloads-${details.seed}.yaml`;
      writeFileSync(file, toScenarioYaml({ ...failing, name: 'workloads-counterexample' }, `found by fast-check (seed ${details.seed}, path ${details.counterexamplePath})`));
      written = `\nscenario: ${file}  (npx kubesim run ${file})`;
    }
    const why = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    assert.fail(`property failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s):\n${why}\nreplay: ${replay}${written}`);
  }
});
