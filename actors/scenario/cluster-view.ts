import { memberStateOf } from '../etcd/member.ts';
import type { MemberState } from '../etcd/server.ts';
import type { Simulation } from '../kernel/simulation.ts';

/**
 * Read-only views of the simulated etcd group for the scenario driver: who leads, roles, terms,
 * logs. Observing state is not communication; nothing here sends a message.
 */
export class EtcdView {
  constructor(
    private readonly sim: Simulation,
    readonly members: readonly string[],
  ) {}

  state(name: string): MemberState | null {
    return this.sim.isAlive(name) ? memberStateOf(this.sim.actorOf(name)) : null;
  }

  alive(names: readonly string[] = this.members): string[] {
    return names.filter((n) => this.sim.isAlive(n));
  }

  role(name: string): string {
    return this.state(name)?.raft.role ?? 'down';
  }

  /** Durable term, readable even while the member is down. */
  term(name: string): number {
    return this.sim.diskOf<{ raft: { term: number } }>(name)?.raft.term ?? 0;
  }

  maxTerm(names: readonly string[] = this.members): number {
    return Math.max(0, ...names.map((n) => this.term(n)));
  }

  /** The live leader of the highest term among `names`, or null. */
  leader(names: readonly string[] = this.members): string | null {
    let best: string | null = null;
    let bestTerm = -1;
    for (const name of names) {
      const s = this.state(name);
      if (s && s.raft.role === 'leader' && s.raft.storage.term > bestTerm) {
        best = name;
        bestTerm = s.raft.storage.term;
      }
    }
    return best;
  }

  followers(names: readonly string[] = this.members): string[] {
    return names.filter((n) => this.state(n)?.raft.role === 'follower');
  }
}
