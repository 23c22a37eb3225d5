// Shared by the transaction end-to-end tests: reading a partition's raw log (read_uncommitted, control batches
// included) and deciding, from the transaction markers alone, which records are committed, aborted or still open.
// This checks the coordinator's two-phase commit independently of the read_committed fetch path (LSO, aborted
// transactions), which the read_committed client checks exercise.
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { iterateBatches } from '../../../src/protocol/records/batch-iterator.ts';
import { readRecords } from '../../../src/protocol/records/record-iterator.ts';
import { readEndTransactionMarker } from '../../../src/protocol/records/control-record.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';

/** One data record or marker of a partition log, in offset order. */
export type LogEntry =
  | { readonly kind: 'record'; readonly offset: bigint; readonly producerId: bigint; readonly producerEpoch: number; readonly transactional: boolean; readonly key: string | null; readonly value: string | null }
  | { readonly kind: 'marker'; readonly offset: bigint; readonly producerId: bigint; readonly producerEpoch: number; readonly commit: boolean; readonly coordinatorEpoch: number };

interface FetchResponse {
  errorCode: number;
  responses: { topic: string; partitions: { partitionIndex: number; errorCode: number; highWatermark: bigint; records: Buffer | null }[] }[];
}

/** Every record and marker of `topic`-`partition` up to its high watermark (Fetch v11, read_uncommitted). */
export async function readPartitionLog(port: number, topic: string, partition: number): Promise<LogEntry[]> {
  const client = await RawKafkaClient.connect(port);
  const entries: LogEntry[] = [];
  try {
    let offset = 0n;
    for (;;) {
      const r = await client.request<FetchResponse>(ApiKeys.Fetch, 11, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 8 * 1024 * 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1n, partitionMaxBytes: 8 * 1024 * 1024 }] }],
        forgottenTopicsData: [], rackId: '',
      });
      const p = r.responses[0]!.partitions[0]!;
      if (p.errorCode !== 0) throw new Error(`fetch of ${topic}-${partition} failed with error ${p.errorCode}`);
      const bytes = p.records ?? Buffer.alloc(0);
      let progressed = false;
      for (const batch of iterateBatches(bytes)) {
        if (batch.nextOffset <= offset) continue;
        progressed = true;
        offset = batch.nextOffset;
        if (batch.isControl) {
          const marker = readEndTransactionMarker(batch);
          if (marker !== null) entries.push({ kind: 'marker', offset: batch.baseOffset, producerId: batch.producerId, producerEpoch: batch.producerEpoch, commit: marker.type === 'COMMIT', coordinatorEpoch: marker.coordinatorEpoch });
          continue;
        }
        for (const rec of await readRecords(batch)) {
          entries.push({
            kind: 'record', offset: rec.offset, producerId: batch.producerId, producerEpoch: batch.producerEpoch, transactional: batch.isTransactional,
            key: rec.key === null ? null : rec.key.toString(), value: rec.value === null ? null : rec.value.toString(),
          });
        }
      }
      if (!progressed || offset >= p.highWatermark) break;
    }
  } finally {
    await client.close();
  }
  return entries;
}

/** Records of a partition by fate, each list in offset order (values). */
export interface TransactionOutcome {
  readonly committed: string[];
  readonly aborted: string[];
  /** Transactional records with no marker yet. */
  readonly open: string[];
  readonly markers: number;
}

/** Applies the markers: a producer's transactional records end with its next COMMIT (visible) or ABORT marker. */
export function transactionOutcome(entries: readonly LogEntry[]): TransactionOutcome {
  const committed: { offset: bigint; value: string }[] = [];
  const aborted: string[] = [];
  const pending = new Map<bigint, { offset: bigint; value: string }[]>();
  let markers = 0;
  for (const e of entries) {
    if (e.kind === 'marker') {
      markers++;
      const txn = pending.get(e.producerId) ?? [];
      pending.delete(e.producerId);
      if (e.commit) committed.push(...txn);
      else aborted.push(...txn.map((r) => r.value));
    } else if (!e.transactional) {
      committed.push({ offset: e.offset, value: e.value ?? '' });
    } else {
      let txn = pending.get(e.producerId);
      if (txn === undefined) pending.set(e.producerId, (txn = []));
      txn.push({ offset: e.offset, value: e.value ?? '' });
    }
  }
  committed.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  return { committed: committed.map((r) => r.value), aborted, open: [...pending.values()].flat().map((r) => r.value), markers };
}

/** Sends one request on a fresh connection and returns the decoded response. */
export async function rawRequest<T>(port: number, apiKey: number, version: number, body: object): Promise<T> {
  const client = await RawKafkaClient.connect(port);
  try {
    return await client.request<T>(apiKey, version, body);
  } finally {
    await client.close();
  }
}
