// The `.log` and `.checkpoint` part of `kafka-broker dump-log`: the lines Kafka 4.4's DumpLogSegments prints for a
// file of record batches (a segment, a KRaft snapshot), one per batch and, with deep iteration, one per record, read
// through the storage layer's FileRecords and the record codecs the broker itself uses.

import { basename, resolve } from 'node:path';
import { decodeControlRecordKey, decodeControlRecordValue, ControlRecordType } from '../protocol/records/control-record.ts';
import type { DefaultRecord } from '../protocol/records/default-record.ts';
import { BatchLayout, CompressionType, MAGIC_VALUE_V2, RecordBatch } from '../protocol/records/record-batch.ts';
import { decompressRecordsSync, RecordIterator } from '../protocol/records/record-iterator.ts';
import { jsonText } from '../protocol/json-node.ts';
import { kRaftVersionRecordToJson } from '../protocol/generated/messages/k-raft-version-record.ts';
import { leaderChangeMessageToJson } from '../protocol/generated/messages/leader-change-message.ts';
import { snapshotFooterRecordToJson } from '../protocol/generated/messages/snapshot-footer-record.ts';
import { snapshotHeaderRecordToJson } from '../protocol/generated/messages/snapshot-header-record.ts';
import { votersRecordToJson } from '../protocol/generated/messages/voters-record.ts';
import { decodeKRaftVersion, decodeLeaderChange, decodeSnapshotFooter, decodeSnapshotHeader, decodeVoters } from '../raft/control-records.ts';
import { FileRecords } from '../storage/file-records.ts';
import type { MessageParser } from './record-parsers.ts';

/** Kafka's Integer.MAX_VALUE, the default of --max-bytes (no limit: trailing invalid bytes are reported). */
export const NO_MAX_BYTES = 2 ** 31 - 1;

/** The names Kafka's CompressionType prints, by codec id. */
const COMPRESSION_NAMES = new Map<number, string>(Object.entries(CompressionType).map(([name, id]) => [id, name]));
/** Control record type names, by id (Kafka's ControlRecordType enum constants). */
const CONTROL_TYPE_NAMES = new Map<number, string>(Object.entries(ControlRecordType).map(([name, id]) => [id, name]));

/** How to print a file of batches (DumpLogSegments' options). */
export interface LogDumpOptions {
  /** Print keys and values (--print-data-log, implied by a decoder option). */
  readonly printContents: boolean;
  /** One line per record too (--deep-iteration, implied by printContents). */
  readonly deepIteration: boolean;
  /** --skip-record-metadata: records print only their contents. */
  readonly skipRecordMetadata: boolean;
  /** --max-bytes: only the batches wholly within the first maxBytes bytes are read. */
  readonly maxBytes: number;
  /** How keys and values print (StringDecoder, or an internal topic's decoder). */
  readonly parser: MessageParser;
}

/** Where the gaps in the record offsets of each file go: absolute path → previous offset → next offset. */
export type NonConsecutiveOffsets = Map<string, Map<bigint, bigint>>;

/** Calls `visit` with each whole batch between `start` and `end`; stops early when it returns false. */
export async function forEachBatch(records: FileRecords, start: number, end: number, visit: (batch: RecordBatch, position: number) => boolean | void): Promise<void> {
  await records.scanBatches(start, end, true, (buf, at, position) => {
    const batch = new RecordBatch(buf, at);
    if (batch.magic !== MAGIC_VALUE_V2) throw new Error(`Batch at position ${position} has magic ${batch.magic}: message format v0/v1 is not supported by dump-log`);
    return visit(batch, position);
  });
}

/** The records of a v2 batch, decompressed if needed. @throws RecordsError for a batch that does not decode. */
export function batchRecords(batch: RecordBatch): Iterable<DefaultRecord> {
  return new RecordIterator(batch, decompressRecordsSync(batch));
}

/** DefaultRecordBatch.isValid: at least a header, and the stored CRC-32C matches. */
function isValid(batch: RecordBatch): boolean {
  return batch.sizeInBytes >= BatchLayout.HEADER_SIZE && batch.computeChecksum() === batch.crc;
}

function timestampType(batch: RecordBatch): string {
  return batch.isLogAppendTime ? 'LogAppendTime' : 'CreateTime';
}

/** DumpLogSegments.printBatchLevel for a v2 batch. */
function batchLine(batch: RecordBatch, position: number): string {
  const deleteHorizon = batch.hasDeleteHorizon ? `OptionalLong[${batch.baseTimestamp}]` : 'OptionalLong.empty';
  return (
    `baseOffset: ${batch.baseOffset} lastOffset: ${batch.lastOffset} count: ${batch.recordCount} baseSequence: ${batch.baseSequence}` +
    ` lastSequence: ${batch.lastSequence} producerId: ${batch.producerId} producerEpoch: ${batch.producerEpoch}` +
    ` partitionLeaderEpoch: ${batch.partitionLeaderEpoch} isTransactional: ${batch.isTransactional} isControl: ${batch.isControl}` +
    ` deleteHorizonMs: ${deleteHorizon} position: ${position} ${timestampType(batch)}: ${batch.maxTimestamp} size: ${batch.sizeInBytes}` +
    ` magic: ${batch.magic} compresscodec: ${COMPRESSION_NAMES.get(batch.compression) ?? batch.compression} crc: ${batch.crc} isvalid: ${isValid(batch)}\n`
  );
}

/**
 * DumpLogSegments.printControlRecord: transaction markers print their type and coordinator epoch, KRaft's control
 * records their JSON (each written at the version its own `version` field holds, as Kafka does).
 * @throws RecordsError or DecodeError for a malformed control record.
 */
function controlRecordText(record: DefaultRecord): string {
  const { type } = decodeControlRecordKey(record.key);
  const value = record.value ?? Buffer.alloc(0);
  switch (type) {
    case ControlRecordType.ABORT:
    case ControlRecordType.COMMIT:
      return ` endTxnMarker: ${CONTROL_TYPE_NAMES.get(type)} coordinatorEpoch: ${decodeControlRecordValue(record.value).coordinatorEpoch}`;
    case ControlRecordType.LEADER_CHANGE: {
      const message = decodeLeaderChange(value);
      return ` LeaderChange: ${jsonText(leaderChangeMessageToJson(message, message.version))}`;
    }
    case ControlRecordType.SNAPSHOT_HEADER: {
      const header = decodeSnapshotHeader(value);
      return ` SnapshotHeader ${jsonText(snapshotHeaderRecordToJson(header, header.version))}`;
    }
    case ControlRecordType.SNAPSHOT_FOOTER: {
      const footer = decodeSnapshotFooter(value);
      return ` SnapshotFooter ${jsonText(snapshotFooterRecordToJson(footer, footer.version))}`;
    }
    case ControlRecordType.KRAFT_VERSION: {
      const version = value.readInt16BE(0);
      return ` KRaftVersion ${jsonText(kRaftVersionRecordToJson({ version, kRaftVersion: decodeKRaftVersion(value) }, version))}`;
    }
    case ControlRecordType.KRAFT_VOTERS: {
      const voters = decodeVoters(value);
      return ` KRaftVoters ${jsonText(votersRecordToJson(voters, voters.version))}`;
    }
    default:
      return ` controlType: UNKNOWN(${record.key!.readInt16BE(2)})`;
  }
}

/** DumpLogSegments.printRecordMetadata. */
function recordMetadata(batch: RecordBatch, record: DefaultRecord): string {
  const headerKeys = record.headers.map((h) => h.key).join(',');
  const text =
    `| offset: ${record.offset} ${timestampType(batch)}: ${record.timestamp} keySize: ${record.key?.length ?? -1}` +
    ` valueSize: ${record.value?.length ?? -1} sequence: ${record.sequence} headerKeys: [${headerKeys}]`;
  return batch.isControl ? text + controlRecordText(record) : text;
}

/** DumpLogSegments.printRecordContents: ` key: ...` and ` payload: ...`, each when the parser gives one. */
function recordContents(parser: MessageParser, record: DefaultRecord, prefix: string): string {
  const { key, value } = parser(record);
  let text = '';
  if (key !== undefined) {
    text += `${prefix}key: ${key}`;
    prefix = ' ';
  }
  if (value !== undefined) text += `${prefix}payload: ${value}`;
  return text;
}

/**
 * DumpLogSegments.dumpLog: prints the header line of a `.log` segment (its base offset) or `.checkpoint` snapshot
 * (its end offset and epoch), then each batch and, with deep iteration, each record; records whose offset does not
 * follow the previous one are noted in `gaps`. Bytes after the last whole batch are reported when --max-bytes is
 * not set. Writes through `out`.
 * @throws Error for a file that cannot be read, a name that is not a base offset, a batch that does not decode.
 */
export async function dumpLog(file: string, options: LogDumpOptions, gaps: NonConsecutiveOffsets, out: (text: string) => void): Promise<void> {
  const name = basename(file);
  if (name.endsWith('.log')) {
    out(`Log starting offset: ${parseBaseOffset(name)}\n`);
  } else if (name === 'bootstrap.checkpoint') {
    out('KRaft bootstrap snapshot\n');
  } else {
    const m = /^(\d{20})-(\d{10})\.checkpoint$/.exec(name);
    if (m === null) throw new Error(`${file} is not a KRaft snapshot file name (<end offset>-<epoch>.checkpoint)`);
    out(`Snapshot end offset: ${BigInt(m[1]!)}, epoch: ${Number(m[2])}\n`);
  }
  const records = await FileRecords.open(file, false);
  try {
    const end = Math.min(records.sizeInBytes, options.maxBytes);
    const absolute = resolve(file);
    let validBytes = 0;
    let lastOffset = -1n;
    await forEachBatch(records, 0, end, (batch, position) => {
      let text = batchLine(batch, position);
      if (options.deepIteration) {
        for (const record of batchRecords(batch)) {
          if (record.offset !== lastOffset + 1n) {
            let fileGaps = gaps.get(absolute);
            if (fileGaps === undefined) gaps.set(absolute, (fileGaps = new Map()));
            fileGaps.set(lastOffset, record.offset);
          }
          lastOffset = record.offset;
          if (!options.skipRecordMetadata) text += recordMetadata(batch, record);
          if (options.printContents && !batch.isControl) text += recordContents(options.parser, record, options.skipRecordMetadata ? '| ' : ' ');
          text += '\n';
        }
      }
      out(text);
      validBytes += batch.sizeInBytes;
    });
    const trailingBytes = end - validBytes;
    if (trailingBytes > 0 && options.maxBytes === NO_MAX_BYTES) out(`Found ${trailingBytes} invalid bytes at the end of ${name}\n`);
  } finally {
    await records.close();
  }
}

/** The base offset a segment file is named after (Long.parseLong of the name up to its first dot). @throws Error. */
export function parseBaseOffset(name: string): bigint {
  const prefix = name.split('.')[0]!;
  if (!/^[-+]?\d+$/.test(prefix)) throw new Error(`For input string: "${prefix}"`);
  return BigInt(prefix);
}
