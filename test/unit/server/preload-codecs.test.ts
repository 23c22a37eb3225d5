import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_MESSAGES } from '../../../src/protocol/generated/api-messages.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { HOT_API_KEYS, preloadCodecs } from '../../../src/server/preload-codecs.ts';

test('every hot API is a known API', () => {
  for (const key of HOT_API_KEYS) assert.ok(API_MESSAGES.has(key), `API key ${key}`);
});

test('preloadCodecs loads one API per event-loop turn and resolves, skipping unknown keys', async () => {
  let turnsSeen = 0;
  const ticker = setInterval(() => turnsSeen++, 0);
  try {
    await preloadCodecs([...HOT_API_KEYS, 9999], rootLogger);
  } finally {
    clearInterval(ticker);
  }
  // Other work ran between the loads: the loop was never held for the whole set.
  assert.ok(turnsSeen >= 1, `timer callbacks ran ${turnsSeen} times during the preload`);
});

test('a loaded API encodes and decodes', () => {
  const api = API_MESSAGES.get(HOT_API_KEYS[0]!)!;
  api.load();
  assert.equal(typeof api.sizeRequest(api.maxVersion, {}), 'number');
});
