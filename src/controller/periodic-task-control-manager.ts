import type { Time } from '../common/time.ts';
import type { Logger } from '../observability/logger.ts';

/** A task the active controller runs every `periodMs` (Kafka's PeriodicTask). */
export interface PeriodicTask {
  readonly name: string;
  readonly periodMs: number;
  /** Runs the task (as an operation of the controller's queue). @returns true when there is more to do at once. */
  run(): Promise<boolean>;
}

/** Kafka's PeriodicTask.DEFAULT_IMMEDIATE_PERIOD_NS: how soon a task that reported more work runs again. */
const IMMEDIATE_PERIOD_MS = 10;
/** Kafka's PeriodicTaskControlManager: a failed task runs again after 5 minutes. */
const ERROR_PERIOD_MS = 5 * 60_000;

/**
 * The active controller's periodic tasks (Kafka's `PeriodicTaskControlManager`), poll-driven: {@link poll} starts
 * the tasks whose time has come (on the injected {@link Time}'s monotonic clock) and {@link nextDeadlineMs} says
 * when the next one is due, so a simulation drives them with a MockTime and the server with one timer. A task
 * runs again `periodMs` after it finished, 10 ms after when it reported more work, 5 minutes after a failure.
 * Tasks run only while active; activation schedules each one period ahead.
 */
export class PeriodicTaskControlManager {
  readonly #time: Time;
  readonly #logger: Logger;
  readonly #tasks = new Map<string, PeriodicTask>();
  /** Next run time (monotonic ms) of each task not running now. */
  readonly #due = new Map<string, number>();
  #active = false;
  /** Bumped on every activation and deactivation: a run of an earlier generation does not reschedule. */
  #generation = 0;
  #onReschedule: () => void = () => undefined;

  constructor(time: Time, logger: Logger) {
    this.#time = time;
    this.#logger = logger;
  }

  /** `callback` runs whenever {@link nextDeadlineMs} may have moved earlier (to re-arm a timer). */
  onReschedule(callback: () => void): void {
    this.#onReschedule = callback;
  }

  registerTask(task: PeriodicTask): void {
    if (this.#tasks.has(task.name)) return;
    this.#tasks.set(task.name, task);
    if (this.#active) this.#schedule(task, task.periodMs);
  }

  get active(): boolean {
    return this.#active;
  }

  activate(): void {
    if (this.#active) throw new Error("Can't activate already active PeriodicTaskControlManager.");
    this.#active = true;
    this.#generation++;
    for (const task of this.#tasks.values()) this.#schedule(task, task.periodMs);
    this.#logger.info({ tasks: [...this.#tasks.keys()].sort() }, 'Activated periodic tasks');
  }

  deactivate(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#generation++;
    this.#due.clear();
    this.#logger.info({ tasks: [...this.#tasks.keys()].sort() }, 'Deactivated periodic tasks');
  }

  /** The monotonic ms at which the next task is due; Infinity when none is. */
  nextDeadlineMs(): number {
    let next = Infinity;
    for (const at of this.#due.values()) next = Math.min(next, at);
    return next;
  }

  /** Starts every task that is due (each is rescheduled once its run settles). */
  poll(): void {
    const now = this.#time.hiResClockMs();
    for (const [name, at] of [...this.#due]) {
      if (at > now) continue;
      this.#due.delete(name);
      const task = this.#tasks.get(name)!;
      const generation = this.#generation;
      task.run().then(
        (more) => {
          if (generation === this.#generation) this.#schedule(task, more ? IMMEDIATE_PERIOD_MS : task.periodMs);
        },
        (e: unknown) => {
          if (generation !== this.#generation) return;
          this.#logger.warn({ err: e, task: name }, 'Periodic task failed');
          this.#schedule(task, ERROR_PERIOD_MS);
        },
      );
    }
  }

  #schedule(task: PeriodicTask, delayMs: number): void {
    this.#due.set(task.name, this.#time.hiResClockMs() + delayMs);
    this.#onReschedule();
  }
}
