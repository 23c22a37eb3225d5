// KIP-219 channel throttling in Connection: after RequestContext.throttle(ms), the response under way is written at
// once, and nothing more is read or dispatched from that connection until the throttle ends; other connections are
// not affected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext, RequestHandler } from '../../../src/network/request-handler.ts';
import { TestClient, startServer, waitFor } from './net-test-kit.ts';

const THROTTLE_MS = 300;

/** Answers every frame at once; a frame "throttle" also mutes its connection. Records when each was dispatched. */
function throttlingHandler(): RequestHandler & { readonly dispatched: { text: string; atMs: number; ctx: RequestContext }[] } {
  const dispatched: { text: string; atMs: number; ctx: RequestContext }[] = [];
  return {
    dispatched,
    handleRequest(frame, ctx) {
      const text = frame.toString();
      dispatched.push({ text, atMs: performance.now(), ctx });
      if (text === 'throttle') ctx.throttle?.(THROTTLE_MS);
      return [Buffer.from(`re:${text}`)];
    },
  };
}

test('a throttled connection gets its response at once, then nothing is dispatched until the throttle ends', async (t) => {
  const handler = throttlingHandler();
  const { server, port } = await startServer(handler);
  t.after(() => server.shutdown({ drainMs: 0 }));
  const muted = await TestClient.connect(port);
  const other = await TestClient.connect(port);
  muted.send('throttle');
  muted.send('next');
  const [first] = await muted.waitResponses(1);
  assert.equal(first!.toString(), 're:throttle');
  assert.deepEqual(handler.dispatched.map((d) => d.text), ['throttle'], 'the pipelined request waits');
  // Another connection is served meanwhile.
  other.send('hello');
  assert.equal((await other.waitResponses(1))[0]!.toString(), 're:hello');
  const all = await muted.waitResponses(2);
  assert.equal(all[1]!.toString(), 're:next');
  const throttledAt = handler.dispatched.find((d) => d.text === 'throttle')!.atMs;
  const nextAt = handler.dispatched.find((d) => d.text === 'next')!.atMs;
  assert.ok(nextAt - throttledAt >= THROTTLE_MS - 5, `next dispatched ${(nextAt - throttledAt).toFixed(0)} ms after the throttle`);
  muted.close();
  other.close();
});

test('a connection closed while throttled goes away cleanly', async (t) => {
  const handler = throttlingHandler();
  const { server, port } = await startServer(handler);
  t.after(() => server.shutdown({ drainMs: 0 }));
  const client = await TestClient.connect(port);
  client.send('throttle');
  await client.waitResponses(1);
  client.close();
  await waitFor(() => server.connectionCount === 0, 'the throttled connection is gone');
});
