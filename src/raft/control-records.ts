// KRaft's control records (Kafka's ControlRecordUtils / MemoryRecordsBuilder.append*Message): control batches of
// the metadata log and of snapshots whose records have the key `(version 0, type)` and as value the message
// serialized at its version (the message carries its own `version` field first).

import { Reader } from '../protocol/reader.ts';
import { Writer } from '../protocol/writer.ts';
import { DecodeError } from '../protocol/decode-error.ts';
import { buildRecordBatchSync } from '../protocol/records/record-batch-builder.ts';
import { ControlRecordType, controlRecordKey } from '../protocol/records/control-record.ts';
import { decodeLeaderChangeMessage, encodeLeaderChangeMessage, type LeaderChangeMessage } from '../protocol/generated/messages/leader-change-message.ts';
import { decodeSnapshotHeaderRecord, encodeSnapshotHeaderRecord, type SnapshotHeaderRecord } from '../protocol/generated/messages/snapshot-header-record.ts';
import { decodeSnapshotFooterRecord, encodeSnapshotFooterRecord, type SnapshotFooterRecord } from '../protocol/generated/messages/snapshot-footer-record.ts';
import { decodeVotersRecord, encodeVotersRecord, type VotersRecord } from '../protocol/generated/messages/voters-record.ts';
import type { Input } from '../protocol/message-input.ts';

/** One control record: its ControlRecordType and its serialized value. */
export interface ControlRecord {
  readonly type: number;
  readonly value: Buffer;
}

/** What {@link buildControlBatch} writes. */
export interface ControlBatchInput {
  readonly baseOffset: bigint;
  readonly epoch: number;
  readonly timestampMs: number;
  readonly records: readonly ControlRecord[];
}

/**
 * A v2 control batch (uncompressed, CreateTime, control bit set, not transactional, no producer) holding
 * `records` at consecutive offsets from `baseOffset`, stamped with leader epoch `epoch`.
 */
export function buildControlBatch(input: ControlBatchInput): Buffer {
  return buildRecordBatchSync({
    baseOffset: input.baseOffset,
    partitionLeaderEpoch: input.epoch,
    isControl: true,
    defaultTimestamp: input.timestampMs,
    records: input.records.map((r) => ({ key: controlRecordKey(r.type), value: r.value })),
  });
}

function serialize(encode: (w: Writer) => void): Buffer {
  const w = new Writer(64);
  encode(w);
  return Buffer.from(w.toBuffer());
}

function deserialize<T>(value: Buffer, what: string, decode: (r: Reader, version: number) => T, maxVersion: number): T {
  if (value.length < 2) throw new DecodeError(`${what}: value of ${value.length} bytes has no version`, 0);
  // The message starts with its own int16 version field: decode at that version, or at the newest we know (a
  // newer version only adds tagged fields, which the flexible decoder keeps as unknown).
  const version = Math.min(value.readInt16BE(0), maxVersion);
  if (version < 0) throw new DecodeError(`${what}: negative version ${version}`, 0);
  const r = new Reader(value);
  const message = decode(r, version);
  if (r.remaining > 0) throw new DecodeError(`${what}: ${r.remaining} bytes after the message`, r.offset);
  return message;
}

/** LeaderChange control record (version 0 as Kafka 4.4 writes it: voters and granting voters by id). */
export function leaderChangeRecord(message: Input<LeaderChangeMessage>): ControlRecord {
  const version = message.version ?? 0;
  return { type: ControlRecordType.LEADER_CHANGE, value: serialize((w) => encodeLeaderChangeMessage(w, version, { ...message, version })) };
}

export function decodeLeaderChange(value: Buffer): LeaderChangeMessage {
  return deserialize(value, 'LeaderChangeMessage', decodeLeaderChangeMessage, 1);
}

/** SnapshotHeader control record (version 0): the first record of every snapshot. */
export function snapshotHeaderRecord(lastContainedLogTimestamp: bigint): ControlRecord {
  return { type: ControlRecordType.SNAPSHOT_HEADER, value: serialize((w) => encodeSnapshotHeaderRecord(w, 0, { version: 0, lastContainedLogTimestamp })) };
}

export function decodeSnapshotHeader(value: Buffer): SnapshotHeaderRecord {
  return deserialize(value, 'SnapshotHeaderRecord', decodeSnapshotHeaderRecord, 0);
}

/** SnapshotFooter control record (version 0): the last record of every snapshot. */
export function snapshotFooterRecord(): ControlRecord {
  return { type: ControlRecordType.SNAPSHOT_FOOTER, value: serialize((w) => encodeSnapshotFooterRecord(w, 0, { version: 0 })) };
}

export function decodeSnapshotFooter(value: Buffer): SnapshotFooterRecord {
  return deserialize(value, 'SnapshotFooterRecord', decodeSnapshotFooterRecord, 0);
}

/** KRaftVersion control record (KIP-853): `version int16 (0), kRaftVersion int16`, then no tagged fields. */
export function kraftVersionRecord(kraftVersion: number): ControlRecord {
  const value = Buffer.alloc(5);
  value.writeInt16BE(0, 0);
  value.writeInt16BE(kraftVersion, 2);
  value.writeUInt8(0, 4);
  return { type: ControlRecordType.KRAFT_VERSION, value };
}

/** The kraft.version of a KRaftVersion control record. @throws DecodeError when malformed. */
export function decodeKRaftVersion(value: Buffer): number {
  if (value.length < 5) throw new DecodeError(`KRaftVersionRecord: ${value.length} bytes`, 0);
  return value.readInt16BE(2);
}

/** Voters control record (KIP-853), version 0. */
export function votersRecord(message: Input<VotersRecord>): ControlRecord {
  return { type: ControlRecordType.KRAFT_VOTERS, value: serialize((w) => encodeVotersRecord(w, 0, { ...message, version: 0 })) };
}

export function decodeVoters(value: Buffer): VotersRecord {
  return deserialize(value, 'VotersRecord', decodeVotersRecord, 0);
}
