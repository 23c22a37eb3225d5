// Vite build of the web console (src/server/console serves web/dist). `npm run build:web` builds it (npm's
// `prepare` runs it on `npm ci`); `npx vite web` serves it for development, proxying /api to a broker's
// console.listener (CONSOLE_URL, default http://127.0.0.1:8080).
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 300 },
  server: { proxy: { '/api': process.env['CONSOLE_URL'] ?? 'http://127.0.0.1:8080' } },
});
