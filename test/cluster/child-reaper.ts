// Broker processes started by the cluster tests must never outlive the test process, whatever ends it: a failed
// assertion skips the teardown's awaits, an uncaught error or a SIGINT/SIGTERM (Ctrl-C, the runner cancelling the
// file) ends the process before any `after` hook runs. Every child is registered here until it exits; the test
// process kills the ones left with SIGKILL when it exits (the 'exit' event runs synchronous code only, and
// process.kill is synchronous) and on those signals before exiting itself, then deletes the directories registered
// with them. A paused (SIGSTOPped) child dies of SIGKILL too. A SIGKILL of the test process itself cannot be
// caught: the children then stay (kill them by pid).
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let installed = false;

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  dirs.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(code);
    });
  }
}

/** Kills `child` with SIGKILL if it is still running when this process exits or is told to stop by a signal. */
export function reapOnExit(child: ChildProcess): void {
  install();
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/**
 * Deletes `dir` when this process exits or is told to stop by a signal, after killing the children (a test's
 * scratch directory). Returns a function that forgets it (once the test deleted it itself).
 */
export function removeOnExit(dir: string): () => void {
  install();
  dirs.add(dir);
  return () => dirs.delete(dir);
}
