import { pino, type Logger } from 'pino';

export type { Logger };

/** The levels of `log.level` and LOG_LEVEL. */
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * The level a LOG_LEVEL value names, in any case (log4j's OFF is 'silent'), or undefined when it names none
 * (the CLI then warns and keeps the default).
 */
export function levelFromEnv(value: string | undefined): string | undefined {
  const level = value?.trim().toLowerCase();
  if (level === 'off') return 'silent';
  return level !== undefined && LEVELS.includes(level) ? level : undefined;
}

/**
 * The process-wide root logger: JSON lines on stdout, or pretty-printed when stdout is a TTY.
 * Components take a child: `rootLogger.child({ component: 'ReplicaManager', nodeId })`.
 * Level from `log.level` when set (the CLI applies it with {@link setLogLevel}), else the LOG_LEVEL environment
 * variable, else info ('silent' in tests unless LOG_LEVEL says otherwise).
 */
export const rootLogger: Logger = pino({
  level: levelFromEnv(process.env.LOG_LEVEL) ?? (process.env.NODE_TEST_CONTEXT !== undefined ? 'silent' : 'info'),
  base: { pid: process.pid },
  ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
});

/** Changes the root logger's level (children follow): 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'. */
export function setLogLevel(level: string): void {
  rootLogger.level = level;
}
