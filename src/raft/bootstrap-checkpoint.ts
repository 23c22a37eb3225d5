import { kraftVersionRecord, votersRecord } from './control-records.ts';
import type { ReplicatedLog } from './replicated-log.ts';
import { BOOTSTRAP_SNAPSHOT_ID } from './snapshot-path.ts';
import { SnapshotWriter } from './snapshot-writer.ts';
import type { VoterSet } from './voter-set.ts';
import { MAX_BATCH_SIZE_BYTES } from './quorum-config.ts';

/**
 * Writes the bootstrap checkpoint `00000000000000000000-0000000000.checkpoint`, as Kafka's `kafka-storage format`
 * (Formatter.writeBoostrapSnapshot): a snapshot whose header batch holds the SnapshotHeader and, for kraft.version 1
 * (KIP-853, a dynamic quorum), KRaftVersion and the initial Voters; then `records`, the bootstrap metadata records
 * (metadata.version and the other feature levels, --add-scram's UserScramCredentialRecords) in data batches; then
 * the footer. The replica reads its first voters from it; the controller reads the bootstrap records from it at
 * its first activation (BootstrapMetadata.read) and appends them to the log. It is never sent to other replicas
 * nor loaded as a listener's state. Controllers formatted without initial controllers (`--no-initial-controllers`)
 * get no voters and learn them from the log of the leader they find through controller.quorum.bootstrap.servers.
 * @param voters the initial voters (kraft.version 1), or null (kraft.version 0, a static quorum, or 1 without).
 * @param records encoded metadata records (metadata-record-serde frames).
 * @returns false when the log already has a bootstrap checkpoint.
 * @throws Error when the log is not empty, or voters are given with kraft.version 0 (Kafka's IllegalStateException).
 */
export async function writeBootstrapCheckpoint(log: ReplicatedLog, voters: VoterSet | null, kraftVersion: number, wallClockMs: number, records: readonly Buffer[] = []): Promise<boolean> {
  if (log.endOffset !== 0n || log.startOffset !== 0n) throw new Error(`Cannot write the bootstrap checkpoint into a metadata log that is not empty (${log.startOffset}-${log.endOffset})`);
  if (kraftVersion < 1 && voters !== null) throw new Error(`Voter set (${String(voters)}) not expected when the kraft.version is 0`);
  if (voters?.isEmpty === true) throw new Error('The bootstrap checkpoint needs at least one voter');
  const raw = await log.createNewSnapshotUnchecked(BOOTSTRAP_SNAPSHOT_ID);
  if (raw === null) return false;
  const writer = new SnapshotWriter({
    raw,
    lastContainedLogTimestamp: wallClockMs,
    maxBatchSizeBytes: MAX_BATCH_SIZE_BYTES,
    wallClockMs: () => wallClockMs,
    headerExtras: kraftVersion < 1 ? [] : [kraftVersionRecord(kraftVersion), ...(voters === null ? [] : [votersRecord(voters.toVotersRecord())])],
  });
  try {
    if (records.length > 0) await writer.append(records);
    await writer.freeze();
  } finally {
    await writer.close();
  }
  return true;
}
