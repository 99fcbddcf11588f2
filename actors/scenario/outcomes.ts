import type { Simulation } from '../kernel/simulation.ts';
import type { OpRecord } from './conditions.ts';
import type { RequestRecord } from './k8s-conditions.ts';
import { RunningPods } from './running-pods.ts';
import { TrafficLog } from './traffic-log.ts';

/**
 * What became of the requests a run made, read from its trace: every etcd client operation
 * (`etcd.op` invoke and complete), and the answer to every kubectl-like step (`k8s.request`).
 * The timeline names operations by their `id`; expectations (`that.op`, `that.request`) read them.
 */
export class Outcomes {
  readonly ops: OpRecord[] = [];
  /** Operations by client and request number (`app#3`). */
  private readonly opByKey = new Map<string, OpRecord>();
  /** Operations by the `id` the scenario gave them. */
  readonly opById = new Map<string, OpRecord>();
  readonly requests = new Map<string, RequestRecord>();
  /** What the nodes' runtimes run (`that.running`). */
  readonly running: RunningPods;
  /** How simulated requests ended (`that.traffic`, `--show traffic`). */
  readonly traffic: TrafficLog;
  /** Answers to `dig` steps, by id. */
  readonly digs = new Map<string, { rcode: string; answers: string[]; atMs: number }>();

  /**
   * `scenarioClients`: the etcd clients the scenario declares — the only ones its steps and
   * expectations can name. The apiserver's own etcd operations are not recorded: they are most of a
   * Kubernetes run's operations, and keeping them grew the heap by ~3.4 MiB per virtual hour.
   */
  constructor(sim: Simulation, scenarioClients: readonly string[]) {
    this.running = new RunningPods(sim);
    this.traffic = new TrafficLog(sim);
    const recorded = new Set(scenarioClients);
    sim.trace.subscribe((e) => {
      if (e.kind === 'etcd.op') {
        if (!recorded.has(e.client as string)) return;
        const key = `${e.client as string}#${e.id as number}`;
        if (e.phase === 'invoke') {
          const record: OpRecord = { client: e.client as string, reqId: e.id as number, op: e.op as OpRecord['op'], key: e.key as string, result: 'pending', invokedAtMs: e.t };
          this.ops.push(record);
          this.opByKey.set(key, record);
        } else {
          const record = this.opByKey.get(key);
          if (!record) return;
          record.result = e.result as OpRecord['result'];
          record.completedAtMs = e.t;
          if (e.readValue !== undefined) record.readValue = e.readValue as string | null;
          else if (record.op === 'get' && record.result === 'ok') record.readValue = null;
          if (typeof e.revision === 'number') record.revision = e.revision;
        }
      } else if (e.kind === 'k8s.dig') {
        this.digs.set(e.id as string, { rcode: e.rcode as string, answers: e.answers as string[], atMs: e.t });
      } else if (e.kind === 'k8s.request' && typeof e.id === 'string') {
        this.requests.set(e.id, { id: e.id, code: e.code as number, ...(typeof e.message === 'string' ? { message: e.message } : {}), atMs: e.t });
      }
    });
  }

  /** Names the operation a client invoked as request `reqId` (once its invoke was traced). */
  nameOp(id: string, client: string, reqId: number): void {
    const record = this.opByKey.get(`${client}#${reqId}`);
    if (record) this.opById.set(id, record);
  }
}
