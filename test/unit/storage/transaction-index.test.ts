import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CorruptIndexError } from '../../../src/storage/errors.ts';
import { ABORTED_TXN_SIZE, TransactionIndex } from '../../../src/storage/transaction-index.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'txn-index-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const txn = (producerId: number, first: number, last: number, lso: number) => ({
  producerId: BigInt(producerId),
  firstOffset: BigInt(first),
  lastOffset: BigInt(last),
  lastStableOffset: BigInt(lso),
});

test('appends 34-byte entries, collects overlapping aborted transactions, truncates, reloads', async () => {
  const path = join(dir, '00000000000000000000.txnindex');
  const index = new TransactionIndex(path, 0);
  await index.load();
  assert.equal(index.entries.length, 0);
  await index.append(txn(1, 0, 10, 11));
  await index.append(txn(2, 5, 20, 21));
  await index.append(txn(3, 30, 40, 41));
  await assert.rejects(index.append(txn(4, 1, 40, 41)), RangeError);
  const raw = await readFile(path);
  assert.equal(raw.length, 3 * ABORTED_TXN_SIZE);
  assert.equal(raw.readInt16BE(0), 0);
  assert.equal(raw.readBigInt64BE(2), 1n);

  const r = index.collectAbortedTxns(8n, 25n);
  assert.deepEqual(r.abortedTransactions.map((t) => t.producerId), [1n, 2n]);
  assert.equal(r.isComplete, true);
  assert.equal(index.collectAbortedTxns(0n, 100n).isComplete, false);

  await index.truncateTo(20);
  assert.equal(index.entries.length, 1);
  assert.equal((await readFile(path)).length, ABORTED_TXN_SIZE);
  const reloaded = new TransactionIndex(path, 0);
  await reloaded.load();
  assert.deepEqual(reloaded.entries, [txn(1, 0, 10, 11)]);
});

test('a file of partial entries is corrupt', async () => {
  const path = join(dir, 'bad.txnindex');
  await writeFile(path, Buffer.alloc(ABORTED_TXN_SIZE + 3));
  await assert.rejects(new TransactionIndex(path, 0).load(), CorruptIndexError);
});
