// The console's message browser: records of one hosted partition read from its log (async reads, bounded bytes and
// records), rendered for display as text, JSON or hex.
import { iterateBatches } from '../../protocol/records/batch-iterator.ts';
import { readRecords } from '../../protocol/records/record-iterator.ts';
import type { UnifiedLog } from '../../storage/unified-log.ts';

/** How record keys, values and header values are rendered. */
export type MessageFormat = 'text' | 'json' | 'hex';

/** One record as the console shows it; key/value/header values are rendered in the requested format, null stays null. */
export interface BrowsedRecord {
  /** Decimal int64. */
  readonly offset: string;
  /** Epoch ms (CreateTime or LogAppendTime as the batch says), decimal int64. */
  readonly timestamp: string;
  readonly key: unknown;
  readonly value: unknown;
  readonly headers: readonly { readonly key: string; readonly value: unknown }[];
  /** Bytes of the value (before rendering and truncation). */
  readonly valueBytes: number;
}

/** A page of records and where the next page starts. */
export interface BrowsedPage {
  readonly records: BrowsedRecord[];
  /** The offset to ask for next (decimal int64): after the last record returned, or the start when none was. */
  readonly nextOffset: string;
}

/** Longest rendering of one key, value or header value, in bytes of the original: longer ones are cut (and say so). */
export const MAX_RENDERED_BYTES = 16 * 1024;
/** Largest single read from a segment, in bytes (a batch larger than this is still read whole: minOneMessage). */
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * Reads up to `limit` records of `log` from `startOffset` (clamped to the log start offset) below `endOffset`
 * (exclusive: the high watermark, so only committed records are shown, as a read_uncommitted consumer sees them;
 * records of aborted transactions are included and control batches skipped). Reads stop once `maxBytes` of
 * batches were read (at least one batch is). Every read is an async file read; decompression is async.
 * @throws what UnifiedLog.read throws (KafkaStorageError when the log dir is offline).
 */
export async function browseRecords(log: UnifiedLog, startOffset: bigint, endOffset: bigint, limit: number, maxBytes: number, format: MessageFormat): Promise<BrowsedPage> {
  const records: BrowsedRecord[] = [];
  let next = startOffset < log.logStartOffset ? log.logStartOffset : startOffset;
  let bytesRead = 0;
  while (records.length < limit && next < endOffset && bytesRead < maxBytes) {
    const read = await log.read(next, Math.min(READ_CHUNK_BYTES, maxBytes - bytesRead), endOffset, true);
    const buf = await read.records.readInto();
    if (buf.length === 0) break;
    bytesRead += buf.length;
    let progressed = false;
    for (const batch of iterateBatches(buf)) {
      if (batch.nextOffset <= next) continue;
      progressed = true;
      if (!batch.isControl) {
        for (const r of await readRecords(batch)) {
          if (r.offset < next || r.offset >= endOffset) continue;
          if (records.length >= limit) break;
          records.push({
            offset: String(r.offset),
            timestamp: String(r.timestamp),
            key: render(r.key, format),
            value: render(r.value, format),
            headers: r.headers.map((h) => ({ key: h.key, value: render(h.value, format) })),
            valueBytes: r.value?.length ?? 0,
          });
          next = r.offset + 1n;
        }
      }
      if (records.length >= limit) break;
      // The end (a high watermark) may fall inside a batch: the rest of it is read when the end has moved on.
      next = batch.nextOffset < endOffset ? batch.nextOffset : endOffset;
    }
    // A slice cut inside its only batch (cannot happen with minOneMessage) must not loop forever.
    if (!progressed) break;
  }
  return { records, nextOffset: String(next) };
}

/**
 * `bytes` for display: text (UTF-8, invalid sequences replaced), JSON (the parsed value, or
 * `{"invalidJson": "<text>"}` when it does not parse) or hex; null stays null. Cut at {@link MAX_RENDERED_BYTES}.
 */
export function render(bytes: Buffer | null, format: MessageFormat): unknown {
  if (bytes === null) return null;
  const cut = bytes.length > MAX_RENDERED_BYTES;
  const shown = cut ? bytes.subarray(0, MAX_RENDERED_BYTES) : bytes;
  if (format === 'hex') return shown.toString('hex') + (cut ? '…' : '');
  const text = shown.toString('utf8');
  if (format === 'text') return text + (cut ? '…' : '');
  if (cut) return { invalidJson: `${text}…`, truncated: true };
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { invalidJson: text };
  }
}
