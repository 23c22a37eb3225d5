import { BatchLayout } from '../protocol/records/record-batch.ts';
import { crc32cAsync } from '../protocol/records/crc32c.ts';
import { CorruptRecordError } from '../storage/errors.ts';

/**
 * The records of a follower's fetch response, ready to be appended as follower: the whole batches (a response may
 * end with a batch cut by the size limits, which is dropped as Kafka's MemoryRecords.batches() does; the next fetch
 * starts at it), each checked against its CRC-32C (Kafka's appendAsFollower validates every batch before writing,
 * it does not re-validate anything else: offsets, epochs and producer fields are the leader's).
 * @returns the prefix of `records` holding whole batches (empty when there is none).
 * @throws CorruptRecordError (CORRUPT_MESSAGE, 2) for a batch whose CRC does not match, whose length is below a batch
 *   header, or whose magic is not 2.
 */
export async function verifiedWholeBatches(records: Buffer): Promise<Buffer> {
  let at = 0;
  while (records.length - at >= BatchLayout.LOG_OVERHEAD) {
    const size = records.readInt32BE(at + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
    if (size < BatchLayout.HEADER_SIZE) throw new CorruptRecordError(`Record batch at byte ${at} of a fetch response has an invalid size ${size}`);
    if (at + size > records.length) break;
    const magic = records.readInt8(at + BatchLayout.MAGIC);
    if (magic !== 2) throw new CorruptRecordError(`Record batch at byte ${at} of a fetch response has magic ${magic}; only magic 2 is stored`);
    const stored = records.readUInt32BE(at + BatchLayout.CRC);
    const computed = (await crc32cAsync(records.subarray(at + BatchLayout.ATTRIBUTES, at + size))) >>> 0;
    if (computed !== stored) {
      throw new CorruptRecordError(`Record batch at offset ${records.readBigInt64BE(at)} of a fetch response is corrupt (stored crc = ${stored}, computed crc = ${computed})`);
    }
    at += size;
  }
  return at === records.length ? records : records.subarray(0, at);
}
