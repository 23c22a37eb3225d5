import { kraftVersionRecord, votersRecord } from './control-records.ts';
import type { ReplicatedLog } from './replicated-log.ts';
import { BOOTSTRAP_SNAPSHOT_ID } from './snapshot-path.ts';
import { SnapshotWriter } from './snapshot-writer.ts';
import type { VoterSet } from './voter-set.ts';
import { MAX_BATCH_SIZE_BYTES } from './quorum-config.ts';

/**
 * Writes the bootstrap checkpoint `00000000000000000000-0000000000.checkpoint` of a dynamic quorum (KIP-853), as
 * Kafka's `kafka-storage format --standalone` / `--initial-controllers` does: a snapshot with only the header batch
 * (SnapshotHeader, KRaftVersion, Voters) and the footer. The replica reads its first voters from it; it is never
 * sent to other replicas (the first leader writes the voters into the log), nor loaded as a listener's state.
 * Controllers formatted without initial controllers (`--no-initial-controllers`) get none and learn the voters from
 * the log of the leader they find through controller.quorum.bootstrap.servers.
 * @returns false when the log already has a bootstrap checkpoint.
 * @throws Error when the log is not empty.
 */
export async function writeBootstrapCheckpoint(log: ReplicatedLog, voters: VoterSet, kraftVersion: number, wallClockMs: number): Promise<boolean> {
  if (log.endOffset !== 0n || log.startOffset !== 0n) throw new Error(`Cannot write the bootstrap checkpoint into a metadata log that is not empty (${log.startOffset}-${log.endOffset})`);
  if (kraftVersion < 1) throw new Error('A bootstrap checkpoint is written only for kraft.version 1 or later (a static quorum has none)');
  if (voters.isEmpty) throw new Error('The bootstrap checkpoint needs at least one voter');
  const raw = await log.createNewSnapshotUnchecked(BOOTSTRAP_SNAPSHOT_ID);
  if (raw === null) return false;
  const writer = new SnapshotWriter({
    raw,
    lastContainedLogTimestamp: wallClockMs,
    maxBatchSizeBytes: MAX_BATCH_SIZE_BYTES,
    wallClockMs: () => wallClockMs,
    headerExtras: [kraftVersionRecord(kraftVersion), votersRecord(voters.toVotersRecord())],
  });
  try {
    await writer.freeze();
  } finally {
    await writer.close();
  }
  return true;
}
