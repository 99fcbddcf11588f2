import type { Rng } from '../kernel/rng.ts';
import type { TargetRef } from './spec.ts';
import type { EtcdView } from './cluster-view.ts';

/**
 * Resolves the targets of one step when it runs: names stay names, groups expand to what they
 * were bound to, roles (`leader`, `a follower`, `followers`, `rest`, `all`) are read from the
 * cluster at that moment. `a follower` is drawn from the scenario's own seeded stream.
 */
export class TargetResolver {
  readonly groups = new Map<string, string[]>();

  constructor(
    private readonly view: EtcdView,
    private readonly rng: Rng,
    private readonly otherNames: ReadonlySet<string>,
    /** Roles beyond etcd's, resolved when used (`scheduler-leader`). */
    private readonly extraRoles: ReadonlyMap<string, () => string[]> = new Map(),
  ) {}

  /** Resolves a list of target lists (partition groups share `rest` and exclusions). */
  resolveGroups(groups: readonly (readonly TargetRef[])[]): string[][] {
    const named = new Set<string>();
    const resolved: (string[] | 'rest')[] = groups.map((group) => {
      if (group.length === 1 && group[0] === 'rest') return 'rest';
      const names = this.resolveInto(group, named);
      return names;
    });
    return resolved.map((g) => (g === 'rest' ? this.view.members.filter((m) => !named.has(m)) : g));
  }

  resolve(targets: readonly TargetRef[]): string[] {
    return this.resolveGroups([targets])[0]!;
  }

  private resolveInto(group: readonly TargetRef[], named: Set<string>): string[] {
    const out: string[] = [];
    const add = (name: string): void => {
      if (!named.has(name)) {
        named.add(name);
        out.push(name);
      }
    };
    for (const ref of group) {
      switch (ref) {
        case 'leader': {
          const leader = this.view.leader();
          if (leader) add(leader);
          break;
        }
        case 'a follower': {
          const candidates = this.view.followers().filter((f) => !named.has(f));
          if (candidates.length > 0) add(this.rng.pick(candidates));
          break;
        }
        case 'followers':
          for (const f of this.view.followers()) add(f);
          break;
        case 'all':
          for (const m of this.view.members) add(m);
          break;
        case 'rest':
          for (const m of this.view.members) if (!named.has(m)) add(m);
          break;
        default: {
          const role = this.extraRoles.get(ref);
          if (role) {
            for (const m of role()) add(m);
            break;
          }
          const group = this.groups.get(ref);
          if (group) for (const m of group) add(m);
          else if (this.view.members.includes(ref) || this.otherNames.has(ref)) add(ref);
          else throw new Error(`unresolvable target ${ref}`);
        }
      }
    }
    return out;
  }
}
