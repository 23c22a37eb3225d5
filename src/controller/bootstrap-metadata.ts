import { decodeMetadataRecord, type MetadataRecordInput } from '../metadata/metadata-record-serde.ts';
import { ELR_VERSION_FEATURE, METADATA_VERSION_FEATURE, bootstrapElrVersion } from '../metadata/metadata-version.ts';
import { FileRawSnapshotReader } from '../raft/file-raw-snapshot-reader.ts';
import { BOOTSTRAP_SNAPSHOT_ID, deletedSnapshotPath, snapshotPath } from '../raft/snapshot-path.ts';
import { SnapshotReader } from '../raft/snapshot-reader.ts';

/**
 * The records a new cluster's first active controller appends before anything else (Kafka's BootstrapMetadata):
 * the FeatureLevelRecords (metadata.version first in meaning, eligible.leader.replicas.version, ...) and whatever
 * format added (--add-scram's UserScramCredentialRecords). `source` names where they came from, for logs and
 * errors ("format command", "the binary bootstrap metadata file: <path>", "the default bootstrap").
 */
export class BootstrapMetadata {
  readonly records: readonly MetadataRecordInput[];
  readonly source: string;

  private constructor(records: readonly MetadataRecordInput[], source: string) {
    this.records = records;
    this.source = source;
  }

  /**
   * The default records at metadata.version `level`: that FeatureLevelRecord and, from 4.1-IV0,
   * eligible.leader.replicas.version 1 (KIP-966), as Kafka's format writes them for the latest production release.
   */
  static fromVersions(level: number, source: string): BootstrapMetadata {
    const records: MetadataRecordInput[] = [{ type: 'FeatureLevelRecord', version: 0, data: { name: METADATA_VERSION_FEATURE, featureLevel: level } }];
    const elr = bootstrapElrVersion(level);
    if (elr > 0) records.push({ type: 'FeatureLevelRecord', version: 0, data: { name: ELR_VERSION_FEATURE, featureLevel: elr } });
    return new BootstrapMetadata(records, source);
  }

  /**
   * Records that must set metadata.version (Kafka's BootstrapMetadata.fromRecords).
   * @throws Error "No FeatureLevelRecord for metadata.version was found in the bootstrap metadata from <source>".
   */
  static fromRecords(records: readonly MetadataRecordInput[], source: string): BootstrapMetadata {
    const metadata = new BootstrapMetadata(records, source);
    if (metadata.featureLevel(METADATA_VERSION_FEATURE) === 0) throw new Error(`No FeatureLevelRecord for ${METADATA_VERSION_FEATURE} was found in the bootstrap metadata from ${source}`);
    return metadata;
  }

  /**
   * Reads the bootstrap records of the bootstrap checkpoint (`00000000000000000000-0000000000.checkpoint`, written
   * by `kafka-broker format`) in `dir`, the metadata partition's directory (`<metadata.log.dir>/__cluster_metadata-0`),
   * as Kafka's BootstrapDirectory.
   * @returns null when there is no checkpoint (never formatted by the command: the broker formatted itself at its
   *   first start, or a snapshot retired it), or when it holds no data records (written by a format older than the
   *   bootstrap records: only the voters): the caller then uses {@link fromVersions}.
   * @throws RecordsError CORRUPT_MESSAGE for a corrupt checkpoint; Error for an undecodable or unknown record or no
   *   metadata.version among its records.
   */
  static async read(dir: string): Promise<BootstrapMetadata | null> {
    const path = snapshotPath(dir, BOOTSTRAP_SNAPSHOT_ID);
    let raw: FileRawSnapshotReader;
    try {
      raw = await FileRawSnapshotReader.open(BOOTSTRAP_SNAPSHOT_ID, path, deletedSnapshotPath(dir, BOOTSTRAP_SNAPSHOT_ID));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const records: MetadataRecordInput[] = [];
    for await (const batch of new SnapshotReader(raw).batches()) {
      for (const value of batch.records) {
        const record = decodeMetadataRecord(value);
        if (record.type === 'Unknown') throw new Error(`Unknown metadata record (api key ${record.apiKey}) in the bootstrap checkpoint ${path}`);
        records.push(record as MetadataRecordInput);
      }
    }
    return records.length === 0 ? null : BootstrapMetadata.fromRecords(records, `the binary bootstrap metadata file: ${path}`);
  }

  /** The level a FeatureLevelRecord of these records sets for `feature`, or 0 (Kafka's featureLevel). */
  featureLevel(feature: string): number {
    for (const r of this.records) if (r.type === 'FeatureLevelRecord' && r.data.name === feature) return r.data.featureLevel;
    return 0;
  }
}
