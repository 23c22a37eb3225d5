// Installs Debian packages the benchmark needs (peers, librdkafka headers) when they are missing and the bench
// runs as root (CI and the project machines do); otherwise reports them missing so the section prints
// "skipped: not installed". apt-get update runs once per bench run, only when something must be installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

let updated = false;

/**
 * Makes sure every path in `probes` exists, installing `packages` with apt-get when one is missing and we are
 * root. Returns null when all is present, else the reason it is not (for a "skipped: ..." cell).
 */
export function ensureInstalled(packages: readonly string[], probes: readonly string[]): string | null {
  if (probes.every((p) => existsSync(p))) return null;
  if (process.getuid?.() !== 0) return `skipped: not installed (${packages.join(' ')})`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    if (!updated) {
      execFileSync('apt-get', ['update', '-q'], { stdio: 'ignore', env, timeout: 300_000 });
      updated = true;
    }
    const r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { stdio: 'ignore', env, timeout: 600_000 });
    if (r.status !== 0) return `skipped: apt-get install ${packages.join(' ')} failed (exit ${r.status})`;
  } catch (e) {
    return `skipped: apt-get failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
  }
  return probes.every((p) => existsSync(p)) ? null : `skipped: not installed (${packages.join(' ')})`;
}
