import { InvariantChecker, type InvariantOptions, type Violation } from '../checks/index.ts';
import type { Simulation } from '../kernel/simulation.ts';

/**
 * The safety invariants of a run (actors/checks), checked on every trace event as it is
 * recorded. The first violation is traced and stops the run after the current event.
 */
export class InvariantWatch {
  readonly violations: Violation[] = [];
  private readonly checker: InvariantChecker;

  constructor(sim: Simulation, options: InvariantOptions = {}) {
    this.checker = new InvariantChecker(options);
    sim.trace.subscribe((event) => {
      for (const v of this.checker.observeAll(event)) {
        this.violations.push(v);
        sim.trace.record('invariant', { name: v.invariant, detail: v.detail });
        sim.stop(`invariant ${v.invariant} violated at ${v.t} ms: ${v.detail}`);
      }
    });
  }

  /** Runs the end-of-run checks; returns every violation. */
  finish(): Violation[] {
    for (const v of this.checker.finish()) this.violations.push(v);
    return this.violations;
  }
}
