// Every advertised version of the transaction APIs on a raw connection: a request built for that exact version gets
// a well-formed answer with Kafka's error semantics for that version (PRODUCER_FENCED shown as
// INVALID_PRODUCER_EPOCH to old versions, TRANSACTION_ABORTABLE only from TxnOffsetCommit v4, batched
// AddPartitionsToTxn v4+ with verifyOnly, unknown/internal partitions, bad producer id/epoch pairs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { apiVersionRanges } from '../../fixtures/e2e/api-versions.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { rawRequest } from './txn-test-kit.ts';

type R = Record<string, any>;

describe('transaction APIs at every advertised version', () => {
  let broker: TestBroker;
  let ranges: Map<number, { minVersion: number; maxVersion: number }>;
  const req = (key: number, v: number, body: object): Promise<R> => rawRequest<R>(broker.port, key, v, body);
  const versions = (key: number): number[] => {
    const r = ranges.get(key)!;
    return Array.from({ length: r.maxVersion - r.minVersion + 1 }, (_, i) => r.minVersion + i);
  };
  /** InitProducerId of a transactional id (v4), retried while the coordinator loads. */
  const init = async (id: string): Promise<{ producerId: bigint; producerEpoch: number }> => waitFor(`InitProducerId ${id}`, async () => {
    const r = await req(ApiKeys.InitProducerId, 4, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    return r.errorCode === Errors.NONE ? { producerId: r.producerId as bigint, producerEpoch: r.producerEpoch as number } : null;
  });

  before(async () => {
    broker = await startBroker();
    ranges = await apiVersionRanges(broker.port);
    await req(ApiKeys.CreateTopics, 5, { topics: [{ name: 'mx', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
    // FindCoordinator creates __consumer_offsets and __transaction_state.
    await req(ApiKeys.FindCoordinator, 3, { key: 'g', keyType: 0 });
    await req(ApiKeys.FindCoordinator, 3, { key: 'x', keyType: 1 });
  });
  after(async () => {
    await broker.cleanup();
  });

  test('the advertised ranges are Kafka 3.9 client ranges (transactions v1)', () => {
    const got = [22, 24, 25, 26, 27, 28, 65, 66].map((k) => `${k}:${ranges.get(k)?.minVersion}-${ranges.get(k)?.maxVersion}`);
    assert.deepEqual(got, ['22:0-5', '24:0-5', '25:0-4', '26:0-4', '27:0-1', '28:0-4', '65:0-0', '66:0-1']);
  });

  test('InitProducerId: idempotent ids, timeout and producer id/epoch checks', async () => {
    const seen = new Set<bigint>();
    for (const v of versions(ApiKeys.InitProducerId)) {
      const r = await req(ApiKeys.InitProducerId, v, { transactionalId: null, transactionTimeoutMs: 1000 });
      assert.deepEqual([r.errorCode, r.producerEpoch], [0, 0], `v${v}`);
      seen.add(r.producerId);
      const bad = await req(ApiKeys.InitProducerId, v, { transactionalId: 'mx-timeout', transactionTimeoutMs: 900_001 });
      assert.equal(bad.errorCode, Errors.INVALID_TRANSACTION_TIMEOUT, `v${v}`);
      if (v >= 3) {
        const half = await req(ApiKeys.InitProducerId, v, { transactionalId: 'mx', transactionTimeoutMs: 1000, producerId: 5n, producerEpoch: -1 });
        assert.equal(half.errorCode, Errors.INVALID_REQUEST, `v${v}`);
      }
    }
    assert.equal(seen.size, versions(ApiKeys.InitProducerId).length);
  });

  test('AddPartitionsToTxn / AddOffsetsToTxn / EndTxn: unknown ids, unknown and internal partitions, fenced epochs per version', async () => {
    const { producerId, producerEpoch } = await init('mx-fenced');
    await init('mx-fenced');
    const stale = producerEpoch;
    for (const v of versions(ApiKeys.AddPartitionsToTxn)) {
      if (v < 4) {
        const unknownId = await req(ApiKeys.AddPartitionsToTxn, v, { v3AndBelowTransactionalId: 'nobody', v3AndBelowProducerId: 1n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: 'mx', partitions: [0] }] });
        assert.equal(unknownId.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode, Errors.INVALID_PRODUCER_ID_MAPPING, `v${v}`);
        const mixed = await req(ApiKeys.AddPartitionsToTxn, v, { v3AndBelowTransactionalId: 'mx-fenced', v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: stale + 1, v3AndBelowTopics: [{ name: 'mx', partitions: [0, 7] }, { name: '__consumer_offsets', partitions: [0] }] });
        const codes = mixed.resultsByTopicV3AndBelow.flatMap((t: R) => t.resultsByPartition.map((p: R) => `${t.name}-${p.partitionIndex}:${p.partitionErrorCode}`));
        assert.deepEqual(codes, [`mx-0:${Errors.OPERATION_NOT_ATTEMPTED}`, `mx-7:${Errors.UNKNOWN_TOPIC_OR_PARTITION}`, `__consumer_offsets-0:${Errors.TOPIC_AUTHORIZATION_FAILED}`], `v${v}`);
        const fenced = await req(ApiKeys.AddPartitionsToTxn, v, { v3AndBelowTransactionalId: 'mx-fenced', v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: stale, v3AndBelowTopics: [{ name: 'mx', partitions: [0] }] });
        assert.equal(fenced.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode, v < 2 ? Errors.INVALID_PRODUCER_EPOCH : Errors.PRODUCER_FENCED, `v${v}`);
      } else {
        const r = await req(ApiKeys.AddPartitionsToTxn, v, { transactions: [
          { transactionalId: 'mx-fenced', producerId, producerEpoch: stale + 1, verifyOnly: true, topics: [{ name: 'mx', partitions: [0, 1] }] },
          { transactionalId: 'nobody', producerId: 1n, producerEpoch: 0, verifyOnly: true, topics: [{ name: 'mx', partitions: [0] }] },
        ] });
        assert.equal(r.errorCode, 0);
        const codes = r.resultsByTransaction.map((t: R) => `${t.transactionalId}:${t.topicResults.flatMap((x: R) => x.resultsByPartition.map((p: R) => p.partitionErrorCode)).join(',')}`);
        assert.deepEqual(codes, [`mx-fenced:${Errors.TRANSACTION_ABORTABLE},${Errors.TRANSACTION_ABORTABLE}`, `nobody:${Errors.INVALID_PRODUCER_ID_MAPPING}`], `v${v}`);
      }
    }
    for (const v of versions(ApiKeys.AddOffsetsToTxn)) {
      const r = await req(ApiKeys.AddOffsetsToTxn, v, { transactionalId: 'mx-fenced', producerId, producerEpoch: stale, groupId: 'g' });
      assert.equal(r.errorCode, v < 2 ? Errors.INVALID_PRODUCER_EPOCH : Errors.PRODUCER_FENCED, `v${v}`);
    }
    for (const v of versions(ApiKeys.EndTxn)) {
      const fenced = await req(ApiKeys.EndTxn, v, { transactionalId: 'mx-fenced', producerId, producerEpoch: stale, committed: true });
      assert.equal(fenced.errorCode, v < 2 ? Errors.INVALID_PRODUCER_EPOCH : Errors.PRODUCER_FENCED, `v${v}`);
      const noTxn = await req(ApiKeys.EndTxn, v, { transactionalId: 'mx-fenced', producerId, producerEpoch: stale + 1, committed: true });
      assert.equal(noTxn.errorCode, Errors.INVALID_TXN_STATE, `v${v}`);
    }
  });

  test('TxnOffsetCommit: the offsets partition must be in the transaction (KIP-890), then offsets wait for the commit', async () => {
    const { producerId, producerEpoch } = await init('mx-offsets');
    const body = (v: number, offset: bigint) => ({
      transactionalId: 'mx-offsets', groupId: 'mx-group', producerId, producerEpoch, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'mx', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }, { partitionIndex: 9, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }] }],
    });
    const codes = (r: R) => r.topics.flatMap((t: R) => t.partitions.map((p: R) => `${p.partitionIndex}:${p.errorCode}`)).sort();
    for (const v of versions(ApiKeys.TxnOffsetCommit)) {
      const r = await req(ApiKeys.TxnOffsetCommit, v, body(v, 5n));
      assert.deepEqual(codes(r), [`0:${v >= 4 ? Errors.TRANSACTION_ABORTABLE : Errors.INVALID_TXN_STATE}`, `9:${Errors.UNKNOWN_TOPIC_OR_PARTITION}`], `v${v}`);
    }
    assert.equal((await req(ApiKeys.AddOffsetsToTxn, 3, { transactionalId: 'mx-offsets', producerId, producerEpoch, groupId: 'mx-group' })).errorCode, 0);
    for (const v of versions(ApiKeys.TxnOffsetCommit)) {
      assert.deepEqual(codes(await req(ApiKeys.TxnOffsetCommit, v, body(v, BigInt(10 + v)))), ['0:0', `9:${Errors.UNKNOWN_TOPIC_OR_PARTITION}`], `v${v}`);
    }
    const fetchOffset = async () => (await req(ApiKeys.OffsetFetch, 1, { groupId: 'mx-group', topics: [{ name: 'mx', partitionIndexes: [0] }] })).topics[0]?.partitions[0]?.committedOffset;
    assert.equal(await fetchOffset(), -1n, 'pending until the commit');
    assert.equal((await req(ApiKeys.EndTxn, 3, { transactionalId: 'mx-offsets', producerId, producerEpoch, committed: true })).errorCode, 0);
    await waitFor('offset visible after the commit', async () => (await fetchOffset()) === BigInt(10 + Math.max(...versions(ApiKeys.TxnOffsetCommit))));
  });

  test('WriteTxnMarkers writes a marker per partition; ListTransactions and DescribeTransactions report the ids', async () => {
    for (const v of versions(ApiKeys.WriteTxnMarkers)) {
      const r = await req(ApiKeys.WriteTxnMarkers, v, { markers: [{ producerId: 777n + BigInt(v), producerEpoch: 0, transactionResult: false, coordinatorEpoch: 0, topics: [{ name: 'mx', partitionIndexes: [1, 5] }] }] });
      const codes = r.markers[0].topics[0].partitions.map((p: R) => `${p.partitionIndex}:${p.errorCode}`);
      assert.deepEqual([r.markers[0].producerId, codes], [777n + BigInt(v), ['1:0', `5:${Errors.UNKNOWN_TOPIC_OR_PARTITION}`]], `v${v}`);
    }
    const { producerId } = await init('mx-listed');
    for (const v of versions(ApiKeys.ListTransactions)) {
      const r = await req(ApiKeys.ListTransactions, v, { stateFilters: ['Empty', 'Nope'], producerIdFilters: [producerId], durationFilter: -1n });
      assert.deepEqual([r.errorCode, r.unknownStateFilters, r.transactionStates.map((s: R) => `${s.transactionalId}:${s.transactionState}`)], [0, ['Nope'], ['mx-listed:Empty']], `v${v}`);
    }
    const d = await req(ApiKeys.DescribeTransactions, 0, { transactionalIds: ['mx-listed', '', 'nobody'] });
    assert.deepEqual(d.transactionStates.map((s: R) => [s.transactionalId, s.errorCode, s.transactionState, s.producerId]), [
      ['mx-listed', 0, 'Empty', producerId],
      ['', Errors.INVALID_REQUEST, '', -1n],
      ['nobody', Errors.TRANSACTIONAL_ID_NOT_FOUND, '', -1n],
    ]);
  });
});
