import type { Logger } from '../observability/logger.ts';

/** pino's log methods: a call at a disabled level creates nothing. */
const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

function noop(): void {}

/** A child logger not created yet: its parent and bindings, and the child once a message needs it. */
interface LazyLoggerTarget {
  readonly parent: Logger;
  readonly bindings: Record<string, unknown>;
  child: Logger | null;
}

const HANDLER: ProxyHandler<LazyLoggerTarget> = {
  get(target, prop) {
    let logger = target.child;
    if (logger === null) {
      if (typeof prop === 'string' && LOG_LEVELS.has(prop) && !target.parent.isLevelEnabled(prop)) return noop;
      if (prop === 'isLevelEnabled' || prop === 'level' || prop === 'levelVal') return bound(target.parent, prop);
      // A child of this logger is a child of the parent with both bindings: nothing is created here.
      if (prop === 'child') {
        return (bindings: Record<string, unknown>, options?: object) => target.parent.child({ ...target.bindings, ...bindings }, options);
      }
      logger = target.child = target.parent.child(target.bindings);
    }
    return bound(logger, prop);
  },
};

function bound(logger: Logger, prop: string | symbol): unknown {
  const v: unknown = Reflect.get(logger, prop, logger);
  return typeof v === 'function' ? v.bind(logger) : v;
}

/**
 * `parent.child(bindings)`, created when a message is first logged at an enabled level (or a property other than
 * the level is read); its own `child(more)` is `parent.child({ ...bindings, ...more })`, which creates nothing
 * here either. A pino child costs about half a kilobyte of heap (an object of its own shape chained to
 * its parent, and its bindings serialized) while most partition logs never log after their creation: per-log
 * components (UnifiedLog and what it owns) hold one of these instead. Calls through it cost a property lookup
 * more; none is on a hot path.
 */
export function lazyLogger(parent: Logger, bindings: Record<string, unknown>): Logger {
  return new Proxy<LazyLoggerTarget>({ parent, bindings, child: null }, HANDLER) as unknown as Logger;
}
