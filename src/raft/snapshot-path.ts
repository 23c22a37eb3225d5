import { join } from 'node:path';
import type { OffsetAndEpoch } from './offset-and-epoch.ts';

/** Kafka's Snapshots.SUFFIX. */
export const SNAPSHOT_SUFFIX = '.checkpoint';
/** A snapshot being written (Kafka's PARTIAL_SUFFIX). */
export const PARTIAL_SNAPSHOT_SUFFIX = '.checkpoint.part';
/** A snapshot marked for deletion (Kafka's DELETE_SUFFIX). */
export const DELETED_SNAPSHOT_SUFFIX = '.checkpoint.deleted';

/** Kafka's Snapshots.BOOTSTRAP_SNAPSHOT_ID: the bootstrap checkpoint `0-0` written by format (KIP-853). */
export const BOOTSTRAP_SNAPSHOT_ID: OffsetAndEpoch = Object.freeze({ offset: 0n, epoch: 0 });

/** True for the bootstrap checkpoint, which is never served to followers nor loaded as a listener's state. */
export function isBootstrapSnapshot(id: OffsetAndEpoch | null): boolean {
  return id !== null && id.offset === 0n && id.epoch === 0;
}

/** A snapshot file found in the log directory (Kafka's SnapshotPath). */
export interface SnapshotPath {
  readonly path: string;
  readonly snapshotId: OffsetAndEpoch;
  readonly partial: boolean;
  readonly deleted: boolean;
}

/** `<end offset, 20 digits>-<epoch, 10 digits>` (Kafka's Snapshots.filenameFromSnapshotId). */
export function snapshotFileName(id: OffsetAndEpoch): string {
  return `${id.offset.toString().padStart(20, '0')}-${String(id.epoch).padStart(10, '0')}`;
}

/** The path of the frozen snapshot `id` in `dir`. */
export function snapshotPath(dir: string, id: OffsetAndEpoch): string {
  return join(dir, snapshotFileName(id) + SNAPSHOT_SUFFIX);
}

/** The name a snapshot has once marked for deletion. */
export function deletedSnapshotPath(dir: string, id: OffsetAndEpoch): string {
  return join(dir, snapshotFileName(id) + DELETED_SNAPSHOT_SUFFIX);
}

/** Parses a file name of the log directory as a snapshot (Kafka's Snapshots.parse); null for other files. */
export function parseSnapshotPath(dir: string, name: string): SnapshotPath | null {
  const partial = name.endsWith(PARTIAL_SNAPSHOT_SUFFIX);
  const deleted = name.endsWith(DELETED_SNAPSHOT_SUFFIX);
  if (!partial && !deleted && !name.endsWith(SNAPSHOT_SUFFIX)) return null;
  const m = /^(\d{20})-(\d{10})/.exec(name);
  if (m === null) return null;
  return { path: join(dir, name), snapshotId: { offset: BigInt(m[1]!), epoch: Number(m[2]) }, partial, deleted };
}
