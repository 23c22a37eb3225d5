import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { startMetricsServer, type Readiness } from '../../../src/observability/metrics.ts';

test('/readyz answers 503 with the reason until the readiness check passes, then 200; /healthz is 200 throughout', async () => {
  let readiness: Readiness = { ready: false, reason: 'the metadata log is not caught up yet' };
  const server = await startMetricsServer('127.0.0.1:0', new Registry(), () => readiness);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 503);
    assert.equal(notReady.headers.get('content-type'), 'application/json');
    assert.deepEqual(await notReady.json(), { status: 'not ready', reason: 'the metadata log is not caught up yet' });
    assert.equal((await fetch(`${base}/healthz`)).status, 200, 'the process serves');
    readiness = { ready: true };
    const ready = await fetch(`${base}/readyz?verbose`);
    assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready' }]);
    assert.equal((await fetch(`${base}/metrics`)).status, 200);
    assert.equal((await fetch(`${base}/`)).status, 404);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a malformed metrics.prometheus.listener is refused', async () => {
  await assert.rejects(startMetricsServer('no-port', new Registry()), /host:port/);
});
