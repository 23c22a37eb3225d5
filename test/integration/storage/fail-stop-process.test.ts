// Fail-stop where Kafka stops, through a real broker process: a committed metadata record that cannot be applied,
// and an error no code caught, end the process with exit code 1 and one fatal log line, before or instead of
// serving anything.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeMetadataRecord } from '../../../src/metadata/metadata-record-serde.ts';
import { buildRecordBatchSync } from '../../../src/protocol/records/record-batch-builder.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import { METADATA_LOG_DIR_NAME } from '../../../src/storage/log-manager.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { partitionRecordData } from '../../fixtures/metadata/partition-record.ts';
import { logRecords, spawnBroker } from './fail-stop-kit.ts';

const FATAL = 60;
const PRELOAD = new URL('../../fixtures/storage/uncaught-on-signal.ts', import.meta.url).pathname;

/** A PartitionRecord of a topic id no TopicRecord created: it decodes, and cannot be applied. */
function partitionOfUnknownTopic(): Buffer {
  return encodeMetadataRecord({ type: 'PartitionRecord', data: partitionRecordData('BBBBBBBBBBBBBBBBBBBBBQ', 0) });
}

/**
 * Appends one batch holding `value` to the stopped broker's `__cluster_metadata` log, in the current leader
 * epoch and with a valid CRC: a committed record as far as the log can tell. @returns its offset.
 */
async function appendMetadataRecord(logDir: string, value: Buffer): Promise<bigint> {
  const log = await UnifiedLog.open(join(logDir, METADATA_LOG_DIR_NAME), { topic: '__cluster_metadata', partition: 0 }, logConfig({ segmentBytes: 100 * 1024 * 1024 }));
  try {
    const epoch = log.latestEpoch ?? 0;
    const batch = buildRecordBatchSync({ baseOffset: 0n, partitionLeaderEpoch: epoch, defaultTimestamp: Date.now(), records: [{ key: null, value }] });
    const info = await log.appendAsLeader(batch, epoch);
    await log.flush();
    return info.firstOffset;
  } finally {
    await log.close();
  }
}

for (const [what, value, cause] of [
  ['a PartitionRecord for an unknown topic id', partitionOfUnknownTopic(), /unknown topic id BBBBBBBBBBBBBBBBBBBBBQ/],
  ['a record that does not decode', partitionOfUnknownTopic().subarray(0, 9), /DecodeError|truncated|buffer/i],
] as const) {
  test(`a committed metadata log record that fails (${what}) stops the broker at start-up with exit code 1 and one fatal line`, { timeout: 90_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fail-stop-metadata-'));
    try {
      const first = spawnBroker(dataDir);
      await first.started();
      assert.equal(await first.stop(), 0);
      const offset = await appendMetadataRecord(join(dataDir, 'logs'), value);

      const broker = spawnBroker(dataDir);
      assert.equal(await broker.exited, 1);
      assert.ok(!broker.lines.some((l) => l.includes('Kafka broker started')), 'it never served');
      const fatal = logRecords(broker.lines, FATAL);
      assert.equal(fatal.length, 1, broker.lines.slice(-5).join('\n'));
      assert.match(fatal[0]!.msg, new RegExp(`^Fault: Error loading metadata log record from offset ${offset} .*; halting the process$`));
      const err = fatal[0]!.err as { message: string; type: string; stack: string };
      assert.match(`${err.type}: ${err.message}`, cause);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}

for (const [kind, label] of [
  ['rejection', 'Unhandled promise rejection'],
  ['exception', 'Uncaught exception'],
] as const) {
  test(`an ${label.toLowerCase()} in the broker is logged at fatal with the error and ends the process with exit code 1`, { timeout: 90_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fail-stop-uncaught-'));
    const broker = spawnBroker(dataDir, { nodeArgs: ['--import', PRELOAD], env: { FAIL_STOP_INJECT: kind } });
    try {
      await broker.started();
      broker.child.kill('SIGUSR2');
      assert.equal(await broker.exited, 1);
      const fatal = logRecords(broker.lines, FATAL);
      assert.equal(fatal.length, 1);
      assert.equal(fatal[0]!.msg, `Fault: ${label}; halting the process`);
      assert.equal((fatal[0]!.err as { message: string }).message, `injected ${kind}`);
      assert.ok(!broker.lines.some((l) => l.includes('Shut down cleanly')), 'no clean shutdown after an unknown error');
    } finally {
      await broker.stop('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}
