import { Reader } from '../../protocol/reader.ts';
import { Writer } from '../../protocol/writer.ts';
import { DecodeError } from '../../protocol/decode-error.ts';
import { decodeTransactionLogKey, encodeTransactionLogKey } from '../../protocol/generated/records/transaction-log-key.ts';
import { decodeTransactionLogValue, encodeTransactionLogValue, type TransactionLogValue } from '../../protocol/generated/records/transaction-log-value.ts';
import type { CoordinatorRecordBytes } from '../runtime/partition-writer.ts';
import type { CoordinatorSerde } from '../runtime/coordinator-shard.ts';
import { TransactionState } from './transaction-state.ts';
import type { TxnTransitMetadata } from './transaction-metadata.ts';

/** The key version Kafka writes (TransactionLogKey.HIGHEST_SUPPORTED_VERSION). */
const KEY_VERSION = 0;
/**
 * The value version Kafka writes until the transaction.version feature is finalized at 1+ (this broker does not
 * finalize it): 0, the non-flexible layout older brokers and tools read.
 */
const VALUE_VERSION = 0;

/** A record of `__transaction_state`: the state of one transactional id, or a tombstone (value null: expired). */
export interface TransactionLogRecord {
  readonly transactionalId: string;
  readonly value: TransactionLogValue | null;
}

/** The log value of a transition (Kafka's `TransactionLog.valueToBytes`: Empty carries a null partition list). */
export function transactionLogValue(transit: TxnTransitMetadata): TransactionLogValue {
  if (transit.txnState === 'Empty' && transit.topicPartitions.length > 0) {
    throw new Error(`a transaction in state Empty cannot have partitions (${transit.topicPartitions.length})`);
  }
  let partitions: { topic: string; partitionIds: number[] }[] | null = null;
  if (transit.txnState !== 'Empty') {
    const byTopic = new Map<string, number[]>();
    for (const tp of transit.topicPartitions) {
      let ids = byTopic.get(tp.topic);
      if (ids === undefined) byTopic.set(tp.topic, (ids = []));
      ids.push(tp.partition);
    }
    partitions = [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds }));
  }
  return {
    producerId: transit.producerId,
    previousProducerId: -1n,
    nextProducerId: -1n,
    producerEpoch: transit.producerEpoch,
    transactionTimeoutMs: transit.txnTimeoutMs,
    transactionStatus: TransactionState[transit.txnState],
    transactionPartitions: partitions,
    transactionLastUpdateTimestampMs: BigInt(transit.txnLastUpdateTimestamp),
    transactionStartTimestampMs: BigInt(transit.txnStartTimestamp),
    clientTransactionVersion: 0,
  };
}

/**
 * The bytes of `__transaction_state` records, Kafka's `TransactionLog`: key = int16 version (0) +
 * TransactionLogKey; value = int16 version + TransactionLogValue (version 0 written, 0-1 read), or null for a
 * tombstone. Keys of an unknown version deserialize to null and are skipped on load (Kafka logs and ignores
 * them). @throws DecodeError on malformed bytes or an unknown value version.
 */
export class TransactionLogRecordSerde implements CoordinatorSerde<TransactionLogRecord> {
  serialize(record: TransactionLogRecord): CoordinatorRecordBytes {
    const k = new Writer(64);
    k.writeInt16(KEY_VERSION);
    encodeTransactionLogKey(k, KEY_VERSION, { transactionalId: record.transactionalId });
    if (record.value === null) return { key: k.toBuffer(), value: null };
    const v = new Writer(128);
    v.writeInt16(VALUE_VERSION);
    const r = record.value;
    encodeTransactionLogValue(v, VALUE_VERSION, {
      producerId: r.producerId,
      producerEpoch: r.producerEpoch,
      transactionTimeoutMs: r.transactionTimeoutMs,
      transactionStatus: r.transactionStatus,
      transactionPartitions: r.transactionPartitions,
      transactionLastUpdateTimestampMs: r.transactionLastUpdateTimestampMs,
      transactionStartTimestampMs: r.transactionStartTimestampMs,
    });
    return { key: k.toBuffer(), value: v.toBuffer() };
  }

  deserialize(key: Buffer, value: Buffer | null): TransactionLogRecord | null {
    const kr = new Reader(key);
    const keyVersion = kr.readInt16();
    if (keyVersion !== KEY_VERSION) return null;
    const { transactionalId } = decodeTransactionLogKey(kr, keyVersion);
    if (kr.remaining > 0) throw new DecodeError(`${kr.remaining} trailing bytes in a __transaction_state key`, kr.offset);
    if (value === null) return { transactionalId, value: null };
    const vr = new Reader(value);
    const valueVersion = vr.readInt16();
    if (valueVersion < 0 || valueVersion > 1) throw new DecodeError(`unknown __transaction_state value version ${valueVersion}`, 0);
    return { transactionalId, value: decodeTransactionLogValue(vr, valueVersion) };
  }
}
