import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { flushDirShared, leaderEpochCheckpointFile, offsetCheckpointFile } from '../../../src/storage/checkpoint-file.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'checkpoint-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("offset checkpoints use Kafka's text format and round-trip; concurrent writes never clash", async () => {
  const path = join(dir, 'recovery-point-offset-checkpoint');
  const file = offsetCheckpointFile(path);
  assert.deepEqual(await file.read(), [], 'a missing file reads as empty');
  const entries = [
    { topicPartition: { topic: 'a.b_c-d', partition: 0 }, offset: 42 },
    { topicPartition: { topic: 'x', partition: 12 }, offset: 0 },
  ];
  await Promise.all(Array.from({ length: 10 }, () => offsetCheckpointFile(path).write(entries)));
  assert.equal(await readFile(path, 'utf8'), '0\n2\na.b_c-d 0 42\nx 12 0\n');
  assert.deepEqual(await file.read(), entries);
  assert.deepEqual(await readdir(dir), ['recovery-point-offset-checkpoint'], 'no temp file left');
});

test('leader epoch checkpoints round-trip; malformed files throw', async () => {
  const path = join(dir, 'leader-epoch-checkpoint');
  const file = leaderEpochCheckpointFile(path);
  await file.write([{ epoch: 1, startOffset: 0 }, { epoch: 4, startOffset: 100 }]);
  assert.equal(await readFile(path, 'utf8'), '0\n2\n1 0\n4 100\n');
  assert.deepEqual(await file.read(), [{ epoch: 1, startOffset: 0 }, { epoch: 4, startOffset: 100 }]);
  for (const bad of ['1\n0\n', '0\n2\n1 0\n', '0\n1\nfoo bar\n', '\n', '0\nx\n']) {
    await writeFile(path, bad);
    await assert.rejects(file.read(), /Malformed line in checkpoint file/);
  }
  // As Kafka's CheckpointReadBuffer: an empty file (created, never written) or a version alone is no entry.
  for (const empty of ['', '0\n']) {
    await writeFile(path, empty);
    assert.deepEqual(await file.read(), []);
  }
});

test('flushDirShared: concurrent callers share fsyncs; each waits for one that started after its call', async () => {
  const sub = join(dir, 'shared');
  await mkdir(sub);
  const calls = await Promise.all(Array.from({ length: 50 }, () => flushDirShared(sub)));
  assert.equal(calls.length, 50);
  // A caller arriving while an fsync runs gets the next one: it resolves after the running one.
  const order: string[] = [];
  const first = flushDirShared(sub).then(() => order.push('first'));
  const second = flushDirShared(sub).then(() => order.push('second'));
  await Promise.all([first, second]);
  assert.deepEqual(order, ['first', 'second']);
  await assert.rejects(flushDirShared(join(dir, 'missing-dir')), { code: 'ENOENT' });
});
