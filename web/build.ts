// npm's `prepare` (run by `npm ci` / `npm install`) and `npm run build:web`: builds the web console into web/dist
// with Vite. Without the devDependencies (`npm ci --omit=dev`, the Docker image) Vite is absent: the build is
// skipped with a warning, and the broker's console.listener then serves the JSON API and a page saying so.
import { join } from 'node:path';

let vite: typeof import('vite');
try {
  vite = await import('vite');
} catch {
  console.warn('web/build.ts: vite is not installed (devDependencies omitted): the web console assets (web/dist) are not built');
  process.exit(0);
}
await vite.build({ configFile: join(import.meta.dirname, 'vite.config.ts'), logLevel: 'warn' });
