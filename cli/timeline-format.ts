import type { TraceEvent } from '../actors/kernel/trace.ts';

/**
 * Turns trace events into the readable timeline `kubesim run` prints: elections, step-downs,
 * faults, client results, expectations, violations. Everything else stays in the trace file.
 */

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

export class TimelineFormatter {
  private readonly leaderTerm = new Map<string, number>();

  /** `etcdClients`: the scenario's own etcd clients, whose operations are shown (an apiserver's are not). */
  constructor(private readonly etcdClients: ReadonlySet<string> = new Set()) {}
  private readonly logLength = new Map<string, number>();

  /** The line to print for an event, or null when the event is not worth a line. */
  line(e: TraceEvent): string | null {
    const text = this.describe(e);
    return text === null ? null : `${formatSeconds(e.t).padStart(10)}  ${text}`;
  }

  private describe(e: TraceEvent): string | null {
    switch (e.kind) {
      case 'raft.role': {
        const member = e.member as string;
        const role = e.role as string;
        const term = e.term as number;
        if (role === 'leader') {
          this.leaderTerm.set(member, term);
          return `${member} becomes leader (term ${term})`;
        }
        const wasLeaderOf = this.leaderTerm.get(member);
        if (wasLeaderOf !== undefined) {
          this.leaderTerm.delete(member);
          return `${member} steps down (leader of term ${wasLeaderOf}, now ${role} at term ${term})`;
        }
        if (role === 'candidate') return `${member} campaigns for term ${term}`;
        return null;
      }
      case 'raft.log': {
        const member = e.member as string;
        const from = e.from as number;
        const before = this.logLength.get(member) ?? 0;
        this.logLength.set(member, from - 1 + (e.entries as unknown[]).length);
        if (from > before) return null;
        const dropped = before - from + 1;
        return `${member} drops ${dropped} uncommitted entr${dropped === 1 ? 'y' : 'ies'} from index ${from} (overwritten by the leader's log)`;
      }
      case 'fault': {
        const action = e.action as string;
        if (action === 'partition') {
          const groups = e.groups as string[][];
          return `partition ${groups.map((g) => `[${g.join(', ')}]`).join(' | ')}`;
        }
        if (action === 'cut') return `cut ${(e.from as string[]).join(', ')} -> ${(e.to as string[]).join(', ')} (one-way)`;
        if (action === 'netem') {
          const pct = (p: unknown): string => `${Number(((p as number) * 100).toFixed(6))}%`;
          const where = e.between ? `between ${(e.between as string[][]).map((g) => `[${g.join(', ')}]`).join(' | ')}` : e.on ? `on ${(e.on as string[]).join(', ')}` : 'on every link';
          const until = typeof e.untilMs === 'number' ? ` until ${e.untilMs / 1000}s` : ' until healed';
          return `netem ${where}: loss ${pct(e.loss)}, duplication ${pct(e.duplication)}, reorder ${pct(e.reorder)}${until}`;
        }
        const targets = e.targets as string[];
        if (action === 'crash' || action === 'restart' || action === 'isolate' || action === 'heal') {
          return `${action} ${targets.length > 0 ? targets.join(', ') : '(no target resolved)'}`;
        }
        return `${action} ${targets.join(', ')}`;
      }
      case 'k8s.request': {
        const target = `${e.resource as string}${e.namespace ? `/${e.namespace as string}` : ''}/${e.name as string}`;
        const message = typeof e.message === 'string' ? `: ${e.message}` : '';
        return `${e.user as string}: ${e.verb as string} ${target} -> ${e.code as number}${message}`;
      }
      case 'k8s.event':
        return `${e.reporter as string}: ${e.object as string} ${e.reason as string}${e.type === 'Warning' ? ' (Warning)' : ''}: ${e.message as string}`;
      case 'k8s.pod':
        return `${e.node as string}: pod ${e.namespace as string}/${e.pod as string} is ${e.phase as string}${e.ready ? ', ready' : ''}`;
      case 'k8s.schedule':
        return e.node
          ? `${e.scheduler as string}: pod ${e.pod as string}: ${e.feasibleNodes as number} of ${e.evaluatedNodes as number} nodes fit, best score on ${e.node as string}; binding`
          : `${e.scheduler as string}: pod ${e.pod as string}: no node fits (attempt ${e.attempt as number})`;
      case 'k8s.controller':
        return `[${e.controller as string}] ${e.action as string} ${e.object as string}${e.detail ? `: ${e.detail as string}` : ''}`;
      case 'k8s.explain':
        return null;
      case 'k8s.leader':
        return `${e.identity as string} ${e.leader ? 'becomes' : 'is no longer'} the ${e.component as string} leader`;
      case 'etcd.op': {
        if (!this.etcdClients.has(e.client as string)) return null;
        const what = describeOp(e);
        if (e.phase === 'invoke') return `${e.client as string} ${what} ...`;
        const result = e.result as string;
        const extra: string[] = [];
        if (typeof e.revision === 'number') extra.push(`revision ${e.revision}`);
        if (e.op === 'get' && result === 'ok') extra.push(e.readValue === undefined || e.readValue === null ? 'not found' : `= ${JSON.stringify(e.readValue)}`);
        if (typeof e.error === 'string') extra.push(e.error);
        return `${e.client as string} ${what} -> ${result}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
      }
      case 'expect':
        return `${e.ok ? 'PASS' : 'FAIL'} expect "${e.name as string}": ${e.detail as string}`;
      case 'invariant':
        return `INVARIANT VIOLATED ${e.name as string}: ${e.detail as string}`;
      default:
        return null;
    }
  }
}

function describeOp(e: TraceEvent): string {
  const op = e.op as string;
  const key = e.key as string;
  if (op === 'put') return `put ${key}=${JSON.stringify(e.value)}`;
  if (op === 'get') return `get ${key} (${e.consistency as string})`;
  if (op === 'compact') return `compact to revision ${e.compactRevision as number}`;
  return `${op} ${key}`;
}
