import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { rootLogger } from '../../../src/observability/logger.ts';
import { LeaderEpochFileCache } from '../../../src/storage/leader-epoch-file-cache.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'epochs-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('assign keeps epochs monotonic; endOffsetFor answers OffsetForLeaderEpoch as Kafka does', async () => {
  const cache = await LeaderEpochFileCache.load(join(dir, 'a'), rootLogger);
  assert.equal(cache.latestEpoch, undefined);
  assert.deepEqual(cache.endOffsetFor(0, 10), { epoch: -1, offset: -1 });
  assert.equal(cache.assign(1, 0), true);
  assert.equal(cache.assign(1, 5), false, 'same epoch later: no change');
  cache.assign(3, 10);
  cache.assign(5, 20);
  assert.deepEqual(cache.endOffsetFor(5, 30), { epoch: 5, offset: 30 });
  assert.deepEqual(cache.endOffsetFor(3, 30), { epoch: 3, offset: 20 });
  assert.deepEqual(cache.endOffsetFor(4, 30), { epoch: 3, offset: 20 });
  assert.deepEqual(cache.endOffsetFor(0, 30), { epoch: 0, offset: 0 });
  assert.deepEqual(cache.endOffsetFor(6, 30), { epoch: -1, offset: -1 });
  assert.deepEqual(cache.endOffsetFor(-1, 30), { epoch: -1, offset: -1 });
  assert.equal(cache.epochForOffset(15), 3);
  assert.equal(cache.epochForOffset(-1), undefined);
  cache.assign(4, 15); // a lower epoch than the latest: later entries go
  assert.deepEqual(cache.entries, [{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 10 }, { epoch: 4, startOffset: 15 }]);
});

test('truncation from the end and the start; flush and reload', async () => {
  const path = join(dir, 'b');
  const cache = await LeaderEpochFileCache.load(path, rootLogger);
  cache.assign(1, 0);
  cache.assign(2, 10);
  cache.assign(3, 20);
  assert.equal(cache.truncateFromEnd(15), true);
  assert.deepEqual(cache.entries.map((e) => e.epoch), [1, 2]);
  assert.equal(cache.truncateFromStart(12), true);
  assert.deepEqual(cache.entries, [{ epoch: 2, startOffset: 12 }]);
  assert.equal(cache.truncateFromStart(5), false);
  await cache.flush();
  const reloaded = await LeaderEpochFileCache.load(path, rootLogger);
  assert.deepEqual(reloaded.entries, [{ epoch: 2, startOffset: 12 }]);
});

test('an empty cache for a new directory reads nothing; a flush writes the file', async () => {
  const path = join(dir, 'new-dir-cache');
  const cache = LeaderEpochFileCache.empty(path, rootLogger);
  assert.deepEqual([cache.entries, cache.latestEpoch, cache.path], [[], undefined, path]);
  assert.equal(cache.assign(2, 0), true);
  await cache.flush();
  assert.deepEqual((await LeaderEpochFileCache.load(path, rootLogger)).entries, [{ epoch: 2, startOffset: 0 }]);
  cache.clear();
  assert.equal(cache.assign(1, 5), true, 'a cleared cache takes entries again');
  assert.deepEqual(cache.entries, [{ epoch: 1, startOffset: 5 }]);
});
