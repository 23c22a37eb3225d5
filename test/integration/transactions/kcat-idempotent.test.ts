// Idempotent producing with kcat (librdkafka 2.0.2: InitProducerId v4 without a transactional id, then Produce v7
// batches carrying the producer id, epoch and sequence numbers, up to 5 requests in flight per partition).
// Every record must be stored exactly once, in the order produced per partition, under one producer id; a second
// kcat run gets a different producer id (ids come in blocks from the metadata log).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../helpers/broker.ts';
import { KCAT_RECORD_FORMAT, parseKcatRecords, runKcat } from '../../fixtures/e2e/kcat.ts';
import { readPartitionLog } from './txn-test-kit.ts';

const PARTITIONS = 3;
const PER_PARTITION = 2000;

test('kcat idempotent producer: every record once, in order per partition, one producer id per run', { timeout: 60_000 }, async () => {
  const broker = await startBroker({ overrides: { 'num.partitions': String(PARTITIONS) } });
  try {
    const produce = async (run: number) => {
      // One kcat process per partition, concurrently.
      await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => runKcat(
        ['-P', '-b', broker.bootstrap, '-t', 'idem', '-p', String(p),
          '-X', 'enable.idempotence=true', '-X', 'max.in.flight=5', '-X', 'linger.ms=2', '-X', 'batch.num.messages=50'],
        { input: Array.from({ length: PER_PARTITION }, (_, i) => `run${run}-p${p}-${i}\n`).join('') },
      )));
    };
    await produce(1);
    await produce(2);

    const producerIds = new Set<bigint>();
    for (let p = 0; p < PARTITIONS; p++) {
      const { stdout } = await runKcat(['-C', '-b', broker.bootstrap, '-t', 'idem', '-p', String(p), '-o', 'beginning', '-e', '-q', '-f', KCAT_RECORD_FORMAT]);
      const values = parseKcatRecords(stdout).map((r) => r.value!.toString());
      const want = [1, 2].flatMap((run) => Array.from({ length: PER_PARTITION }, (_, i) => `run${run}-p${p}-${i}`));
      assert.equal(values.length, want.length, `partition ${p}: ${values.length} records, want ${want.length}`);
      assert.deepEqual(values, want);
      const log = await readPartitionLog(broker.port, 'idem', p);
      for (const e of log) if (e.kind === 'record') producerIds.add(e.producerId);
      assert.ok(log.every((e) => e.kind === 'record' && !e.transactional && e.producerId >= 0n && e.producerEpoch === 0), 'idempotent, non-transactional batches with a producer id');
    }
    // 2 runs x 3 kcat processes: 6 producers, 6 distinct ids.
    assert.equal(producerIds.size, 2 * PARTITIONS);
  } finally {
    await broker.cleanup();
  }
});
