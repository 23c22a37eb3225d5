import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogTaskQueue } from '../../../src/storage/log-task-queue.ts';

interface A {
  bytes: number;
  id: number;
  resolve(): void;
  reject(e: unknown): void;
}

test('tasks run one at a time in call order; appends queued behind a write are grouped up to the byte limit', async () => {
  const events: string[] = [];
  let release: (() => void) | null = null;
  const q = new LogTaskQueue<A>({
    async appendGroup(group) {
      events.push(`group ${group.map((a) => a.id).join(',')}`);
      if (group[0]!.id === 0) await new Promise<void>((r) => (release = r));
      for (const a of group) a.resolve();
    },
  }, 25);
  const done: Promise<void>[] = [];
  const append = (id: number, bytes: number): void => {
    done.push(new Promise<void>((resolve, reject) => q.append({ id, bytes, resolve, reject })));
  };
  append(0, 10);
  append(1, 10);
  append(2, 10);
  append(3, 10);
  const op = q.run(async () => events.push('op'));
  append(4, 10);
  while (release === null) await new Promise((r) => setImmediate(r));
  (release as () => void)();
  await Promise.all([...done, op]);
  assert.deepEqual(events, ['group 0', 'group 1,2', 'group 3', 'op', 'group 4']);
});

test('after a failure every queued and new task is rejected with it', async () => {
  const q = new LogTaskQueue<A>({
    async appendGroup() {
      q.failure = new Error('disk gone');
      throw q.failure;
    },
  }, 100);
  const first = q.run(async () => 1);
  const p = new Promise<void>((resolve, reject) => q.append({ id: 1, bytes: 1, resolve, reject }));
  const later = q.run(async () => 2);
  assert.equal(await first, 1);
  await p.catch(() => undefined);
  await assert.rejects(later, /disk gone/);
  await assert.rejects(q.run(async () => 3), /disk gone/);
});
