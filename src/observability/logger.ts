import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The process-wide root logger: JSON lines on stdout, or pretty-printed when stdout is a TTY.
 * Components take a child: `rootLogger.child({ component: 'ReplicaManager', nodeId })`.
 * Level from `log.level` (set by the CLI with {@link setLogLevel}) or the LOG_LEVEL environment variable;
 * 'silent' in tests unless LOG_LEVEL says otherwise.
 */
export const rootLogger: Logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_TEST_CONTEXT !== undefined ? 'silent' : 'info'),
  base: { pid: process.pid },
  ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
});

/** Changes the root logger's level (children follow): 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'. */
export function setLogLevel(level: string): void {
  rootLogger.level = level;
}
