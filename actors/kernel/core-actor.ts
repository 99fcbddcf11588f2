import { createActor, type ActorLogic, type ActorSystem } from 'xstate';
import type { QueuedEvent } from './event-queue.ts';
import type { Output, TimerRequest } from './output.ts';
import type { HostEnv, KernelEmitted } from './simulation.ts';
import type { HostClock } from './virtual-clock.ts';

/**
 * The one core contract and the one adapter that makes any core an XState actor.
 *
 * A component core is deterministic and I/O-free: `step(state, input, nowMs)` consumes one input
 * (a network message or one of its own timers) and returns an `Output` — traces, sends, timer
 * cancellations and timers, as data. Its lifecycle (`phase`) is read from its state after every
 * step and is the actor snapshot's `value`, so a snapshot shows where the component is
 * (an etcd member's Raft role, a leader-elected component's standby/leading, an apiserver's
 * starting/syncing/ready, a kubelet's registering/ready).
 *
 * Nothing component-specific lives in the adapter: cores never see XState, and the actor logic
 * holds no component logic. Timers are the actor's own: delayed self-events with the core's
 * explicit ids, armed on the host's clock (a kernel event each) and cancelled when the actor
 * stops (a crash).
 */
export interface ComponentCore<State, Input extends { type: string }, Phase extends string = string> {
  /** Component id, e.g. `kube-scheduler`. */
  readonly id: string;
  /** Every phase the component can be in; the first is the phase before the first step. */
  readonly phases: readonly [Phase, ...Phase[]];
  /** Raised once at start-up (delay 0, explicit id), when the component has something to do at boot. */
  readonly boot?: { event: Input; id: string };
  phase(state: State): Phase;
  step(state: State, input: Input, nowMs: number): Output;
}

interface CoreContext<State> {
  state: State;
  now: () => number;
}

interface CoreInput<State> extends CoreContext<State> {
  clock: HostClock;
}

/** The context inside the actor: the core's, plus what its steps' deferred effects carry out (per actor, found without a lookup). */
interface ActorContext<State> extends CoreContext<State> {
  readonly effects: Effects;
  readonly timers: ActorTimers;
}

type AnyInput = { type: string };

/**
 * The snapshot of a core's actor: `value` is the phase (as a machine's state value would be),
 * `context.state` the core's state, `component` the core's id. The core state is mutated in
 * place by `step`, as before; a new snapshot object is made only when the phase changes.
 */
export interface CoreSnapshot<State, Phase extends string = string> {
  status: 'active' | 'stopped';
  output: undefined;
  error: undefined;
  value: Phase;
  context: ActorContext<State>;
  component: string;
}

/** What one actor keeps besides its snapshot: the step output its effects carry out (at once, or deferred when the phase changed). */
interface Effects {
  out: Output | null;
  run: () => void;
}

/**
 * An actor's armed timers by the core's id, on the host's clock.
 *
 * XState's scheduler did this job for a price paid on nearly every request (each client arms and
 * cancels a timeout per request): per timer a `Date.now()` for persistence kubesim never uses, a
 * `${sessionId}.${id}` key, an entry in a dictionary-mode object and a closure; about 8% of the
 * CPU of a 2000-node run. Here a timer is one kernel event whose argument is the core's own
 * `TimerRequest`, fired by one function per actor. Arming an id that is armed replaces it: XState
 * left the old one running, no longer cancellable (the kubelet's pod-status resync, re-armed on
 * each refused post, fired once per refusal).
 */
class ActorTimers {
  private readonly armed = new Map<string, QueuedEvent>();
  private readonly fire: (t: TimerRequest) => void;

  constructor(
    private readonly clock: HostClock,
    deliver: (event: TimerRequest['event']) => void,
  ) {
    const armed = this.armed;
    this.fire = (t) => {
      armed.delete(t.id);
      deliver(t.event);
    };
  }

  arm(t: TimerRequest): void {
    const previous = this.armed.get(t.id);
    if (previous !== undefined) this.clock.cancelUntracked(previous);
    this.armed.set(t.id, this.clock.afterUntracked(t.delayMs, this.fire, t));
  }

  cancel(id: string): void {
    const handle = this.armed.get(id);
    if (handle === undefined) return;
    this.armed.delete(id);
    this.clock.cancelUntracked(handle);
  }

  cancelAll(): void {
    for (const handle of this.armed.values()) this.clock.cancelUntracked(handle);
    this.armed.clear();
  }
}

/** XState's own stop event: the actor is being stopped (a crash); the core never sees it. */
const XSTATE_STOP = 'xstate.stop';

/**
 * Builds the actor logic of a core; one per core, reused by every host that runs it.
 *
 * It is XState v5 actor logic (`ActorLogic`: transition, initial snapshot, start), run by XState's
 * `createActor` — mailbox, observers, `emit` — but not a state machine: a statechart interpreter
 * cost about 2 µs per event (macrostep, microstep, action resolution, a new snapshot per event)
 * for a machine whose only job was one wildcard transition running `step`. The effects are the
 * machine's, in its order: after the snapshot is set (XState's deferred effects), one `output`
 * emit (traces, then sends), then the cancels, then the timers (ActorTimers) with the core's ids;
 * the phase is the snapshot's `value` (first phase until a step changes it, as the machine's state
 * followed it).
 */
export function coreMachine<State, Input extends AnyInput, Phase extends string>(core: ComponentCore<State, Input, Phase>) {
  const boot = core.boot;
  const logic: ActorLogic<CoreSnapshot<State, Phase>, Input, CoreInput<State>, ActorSystem<any>, KernelEmitted> = {
    config: core,
    getInitialSnapshot(scope, input) {
      const self = scope.self;
      // A timer's event is one the core armed for itself: one of its own inputs (Output is untyped in it).
      const timers = new ActorTimers(input.clock, (event) => self.send(event as Input));
      const effects: Effects = {
        out: null,
        // Runs as XState's deferred effect of a step, after the new snapshot is in place.
        run: () => {
          const out = effects.out!;
          effects.out = null;
          if (out.traces.length > 0 || out.sends.length > 0) scope.emit({ type: 'output', out });
          for (const id of out.cancels) timers.cancel(id);
          for (const t of out.timers) timers.arm(t);
        },
      };
      const context: ActorContext<State> = { state: input.state, now: input.now, effects, timers };
      return { status: 'active', output: undefined, error: undefined, value: core.phases[0], context, component: core.id };
    },
    start(snapshot) {
      if (boot) snapshot.context.timers.arm({ id: boot.id, delayMs: 0, event: boot.event });
    },
    transition(snapshot, event, scope) {
      const context = snapshot.context;
      if (event.type === XSTATE_STOP) {
        context.timers.cancelAll();
        return { ...snapshot, status: 'stopped' };
      }
      const s = context.state;
      const before = core.phase(s);
      const out = core.step(s, event, context.now());
      const after = core.phase(s);
      if (out.traces.length > 0 || out.sends.length > 0 || out.cancels.length > 0 || out.timers.length > 0) {
        const effects = context.effects;
        effects.out = out;
        // The effects run after the snapshot is in place (XState's deferred effects), so what they
        // reach sees the phase the step moved to. When the phase is unchanged the snapshot is the
        // same object, so running them now is the same, without a deferred closure per message.
        if (after === before) effects.run();
        else scope.defer(effects.run);
      }
      return after === before ? snapshot : { ...snapshot, value: after };
    },
    getPersistedSnapshot: (snapshot) => snapshot,
  };
  return logic;
}

/** Creates (not starts) a host's root actor running `core` from `state`. */
export function startCore<State, Input extends AnyInput, Phase extends string>(
  machine: ReturnType<typeof coreMachine<State, Input, Phase>>,
  env: Pick<HostEnv<unknown>, 'clock' | 'now'>,
  state: State,
) {
  return createActor(machine, { clock: env.clock, input: { state, now: env.now, clock: env.clock } });
}

/** The core state inside a running actor, for observation only (expectations, tables, tests). */
export function coreStateOf<State>(actor: { getSnapshot(): { context: unknown } } | null): State | null {
  if (!actor) return null;
  return (actor.getSnapshot().context as CoreContext<State>).state;
}

/** Which core a running actor runs and its phase (`--show components`). */
export function describeActor(actor: { getSnapshot(): { value?: unknown; component?: string } } | null): { component: string; phase: string } | null {
  if (!actor) return null;
  const snapshot = actor.getSnapshot();
  const value = snapshot.value;
  return { component: snapshot.component ?? '?', phase: typeof value === 'string' ? value : JSON.stringify(value) };
}
