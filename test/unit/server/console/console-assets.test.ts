// The console's static assets: served from memory by URL path only (no path reaches the file system), and a page
// saying so when they were not built. The services are not used by these paths (the API has its own tests).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { Registry } from 'prom-client';
import { ConsoleServer } from '../../../../src/server/console/console-server.ts';
import type { ConsoleServices } from '../../../../src/server/console/console-services.ts';
import { rootLogger } from '../../../../src/observability/logger.ts';

const dir = await mkdtemp(join(tmpdir(), 'console-assets-'));
after(() => rm(dir, { recursive: true, force: true }));

const services = {
  registry: new Registry(),
  groupCoordinator: { listGroups: async () => ({ errorCode: 0, groups: [] }) },
} as unknown as ConsoleServices;

/** A raw GET (fetch would normalise `..` away before sending). */
function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    }).on('error', reject).end();
  });
}

test('built assets are served by path, with their content types; nothing else is', async () => {
  await mkdir(join(dir, 'dist', 'assets'), { recursive: true });
  await writeFile(join(dir, 'dist', 'index.html'), '<!doctype html><title>console</title>');
  await writeFile(join(dir, 'dist', 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'secret');
  const server = await ConsoleServer.start('127.0.0.1:0', services, rootLogger, join(dir, 'dist'));
  try {
    assert.deepEqual(await get(server.port, '/'), { status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html><title>console</title>' });
    assert.equal((await get(server.port, '/assets/index-abc.js')).type, 'text/javascript; charset=utf-8');
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/nope.js']) assert.equal((await get(server.port, path)).status, 404, path);
  } finally {
    await server.close();
  }
});

test('without built assets, / says how to build them and the API still answers', async () => {
  const server = await ConsoleServer.start('127.0.0.1:0', services, rootLogger, join(dir, 'missing'));
  try {
    const page = await get(server.port, '/');
    assert.equal(page.status, 503);
    assert.match(page.body, /npm run build:web/);
    assert.equal((await get(server.port, '/api/nothing')).status, 404);
  } finally {
    await server.close();
  }
});
