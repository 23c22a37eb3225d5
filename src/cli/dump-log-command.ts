// `kafka-broker dump-log`: Apache Kafka's kafka-dump-log.sh (DumpLogSegments, Kafka 4.4) with its flags and output,
// line for line, over the files of a log directory: `.log` segments and `.checkpoint` KRaft snapshots (batches, and
// records with --deep-iteration / --print-data-log), `.index` and `.timeindex` (entries, checked against the
// segment: --verify-index-only, --index-sanity-check), `.txnindex` (aborted transactions) and `.snapshot` (producer
// state). Everything is read through the broker's own storage classes and record codecs.
// Records print as UTF-8 text, or as the JSON of an internal topic's records with --offsets-decoder,
// --transaction-log-decoder or --cluster-metadata-decoder (see record-parsers.ts).
// Refused with exit code 1 rather than printed differently: --remote-log-metadata-decoder and
// --share-group-state-decoder (this broker has neither tiered storage nor share groups), decoder classes other
// than StringDecoder (no Java classes to load), and v0/v1 message sets (this broker writes only v2 batches).

import { basename, dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { FileRecords } from '../storage/file-records.ts';
import { OffsetIndex } from '../storage/offset-index.ts';
import { ProducerSnapshotFile } from '../storage/producer-snapshot-file.ts';
import { batchFirstSeq } from '../storage/producer-state-entry.ts';
import { TimeIndex } from '../storage/time-index.ts';
import { TransactionIndex } from '../storage/transaction-index.ts';
import { CorruptSnapshotError } from '../storage/errors.ts';
import { givenOptions, parseIntOption, PROCESS_OUTPUT, runTool, UsageError, type ToolOutput } from './admin-tool.ts';
import { javaHashMapOrder, javaStringHash } from './java-hash-map-order.ts';
import { clusterMetadataParser, offsetsParser, stringParser, transactionLogParser, type MessageParser } from './record-parsers.ts';
import { batchRecords, dumpLog, forEachBatch, NO_MAX_BYTES, parseBaseOffset, type NonConsecutiveOffsets } from './log-records-dump.ts';

const DESCRIPTION = 'This tool helps to parse a log file and dump its contents to the console, useful for debugging a seemingly corrupt log segment.';
/** Kafka's default --max-message-size (5 MiB). */
const DEFAULT_MAX_MESSAGE_SIZE = 5 * 1024 * 1024;
/** The only decoder class there is here: Kafka's default, keys and values as UTF-8. */
const STRING_DECODER = 'org.apache.kafka.tools.api.StringDecoder';
/** The internal-topic decoders, in the order Kafka's tool picks the first one given. */
const DECODERS: readonly [string, MessageParser][] = [
  ['offsets-decoder', offsetsParser],
  ['transaction-log-decoder', transactionLogParser],
  ['cluster-metadata-decoder', clusterMetadataParser],
];
const UNSUPPORTED_DECODERS = ['remote-log-metadata-decoder', 'share-group-state-decoder'];

interface DumpLogOptions {
  files?: string;
  maxMessageSize: string;
  maxBytes: string;
  valueDecoderClass?: string | true;
  keyDecoderClass?: string | true;
}

/** Pairs noted per file, printed after all files in the order Kafka's HashMap of absolute paths iterates. */
type PerFile<T> = Map<string, T>;

function noted<T>(map: PerFile<T[]>, file: string, item: T): void {
  const list = map.get(file);
  if (list === undefined) map.set(file, [item]);
  else list.push(item);
}

function inJavaOrder<T>(map: PerFile<T>): [string, T][] {
  return javaHashMapOrder([...map.entries()], ([name]) => javaStringHash(name));
}

/** What the index checks found (DumpLogSegments' mismatch maps and TimeIndexDumpErrors). */
interface IndexErrors {
  /** .index: index offset → the last offset of the batch at its position, per file (printed descending). */
  readonly offsetMismatches: PerFile<Map<number, bigint>>;
  readonly timestampMismatches: PerFile<[number, bigint][]>;
  readonly outOfOrderTimestamps: PerFile<[number, number][]>;
  readonly shallowOffsetNotFound: PerFile<[number, bigint][]>;
}

/** The `.log` file beside an index: the same base offset. */
function segmentLogFile(file: string): string {
  return join(dirname(resolve(file)), `${basename(file).split('.')[0]}.log`);
}

/** DumpLogSegments.dumpIndex: each entry, checked against the first batch at its position. */
async function dumpIndex(file: string, sanityOnly: boolean, verifyOnly: boolean, maxMessageSize: number, errors: IndexErrors, out: (text: string) => void): Promise<void> {
  const baseOffset = Number(parseBaseOffset(basename(file)));
  const records = await FileRecords.open(segmentLogFile(file), false);
  try {
    const index = new OffsetIndex(file, baseOffset, -1);
    await index.loadUnchecked();
    // Kafka says an offset index without entries is empty before any check, --index-sanity-check included.
    if (index.entries === 0) {
      out(`${file} is empty.\n`);
      return;
    }
    if (sanityOnly) {
      await index.load(records.sizeInBytes);
      out(`${file} passed sanity check.\n`);
      return;
    }
    for (let i = 0; i < index.entries; i++) {
      const entry = index.entry(i);
      // A preallocated file ends in zero entries, read as the base offset again: the end of what was written.
      if (entry.offset === baseOffset && i > 0) return;
      let firstBatchLastOffset: bigint | null = null;
      await forEachBatch(records, entry.position, entry.position + maxMessageSize, (batch) => {
        firstBatchLastOffset = batch.lastOffset;
        return false;
      });
      if (firstBatchLastOffset === null) throw new Error(`No batch of at most ${maxMessageSize} bytes at position ${entry.position} of ${segmentLogFile(file)}`);
      if (firstBatchLastOffset !== BigInt(entry.offset)) {
        const key = resolve(file);
        if (!errors.offsetMismatches.has(key)) errors.offsetMismatches.set(key, new Map());
        errors.offsetMismatches.get(key)!.set(entry.offset, firstBatchLastOffset);
      }
      if (!verifyOnly) out(`offset: ${entry.offset} position: ${entry.position}\n`);
    }
  } finally {
    await records.close();
  }
}

/** DumpLogSegments.dumpTimeIndex: each entry, checked against the batch whose last offset it names. */
async function dumpTimeIndex(file: string, sanityOnly: boolean, verifyOnly: boolean, errors: IndexErrors, out: (text: string) => void): Promise<void> {
  const baseOffset = Number(parseBaseOffset(basename(file)));
  const logFile = segmentLogFile(file);
  const records = await FileRecords.open(logFile, false);
  try {
    const index = new OffsetIndex(logFile.replace(/\.log$/, '.index'), baseOffset, -1);
    await index.loadUnchecked();
    const timeIndex = new TimeIndex(file, baseOffset, -1);
    if (sanityOnly) {
      await timeIndex.load(records.sizeInBytes);
      out(`${file} passed sanity check.\n`);
      return;
    }
    await timeIndex.loadUnchecked();
    const key = resolve(file);
    let prevTimestamp = -1;
    for (let i = 0; i < timeIndex.entries; i++) {
      const entry = timeIndex.entry(i);
      if (entry.offset === baseOffset && i > 0) return;
      const found = await records.searchForOffsetWithSize(entry.offset, index.lookup(entry.offset).position);
      if (found === null) {
        noted(errors.shallowOffsetNotFound, key, [entry.offset, -1n]);
      } else if (found.lastOffset !== entry.offset) {
        noted(errors.shallowOffsetNotFound, key, [entry.offset, BigInt(found.lastOffset)]);
      } else {
        let maxTimestamp = -1n;
        await forEachBatch(records, found.position, found.position + found.size, (batch) => {
          for (const record of batchRecords(batch)) if (record.timestamp > maxTimestamp) maxTimestamp = record.timestamp;
        });
        if (maxTimestamp !== BigInt(entry.timestamp)) noted(errors.timestampMismatches, key, [entry.timestamp, maxTimestamp]);
        if (prevTimestamp >= entry.timestamp) noted(errors.outOfOrderTimestamps, key, [entry.timestamp, prevTimestamp]);
      }
      if (!verifyOnly) out(`timestamp: ${entry.timestamp} offset: ${entry.offset}\n`);
      prevTimestamp = entry.timestamp;
    }
  } finally {
    await records.close();
  }
}

/** DumpLogSegments.dumpProducerIdSnapshot: one line per producer; a corrupt snapshot's message goes to stderr. */
async function dumpProducerSnapshot(file: string, io: ToolOutput): Promise<void> {
  let entries;
  try {
    entries = await ProducerSnapshotFile.read(file);
  } catch (e) {
    if (!(e instanceof CorruptSnapshotError)) throw e;
    io.err(`${e.message}\n`);
    return;
  }
  for (const entry of entries) {
    const txnFirst = entry.currentTxnFirstOffset === null ? 'OptionalLong.empty' : `OptionalLong[${entry.currentTxnFirstOffset}]`;
    let line = `producerId: ${entry.producerId} producerEpoch: ${entry.producerEpoch} coordinatorEpoch: ${entry.coordinatorEpoch} currentTxnFirstOffset: ${txnFirst} lastTimestamp: ${entry.lastTimestamp}`;
    const batch = entry.batchMetadata[0];
    if (batch !== undefined) {
      line += ` firstSequence: ${batchFirstSeq(batch)} lastSequence: ${batch.lastSeq} lastOffset: ${batch.lastOffset} offsetDelta: ${batch.offsetDelta} timestamp: ${batch.timestamp}`;
    }
    io.out(`${line}\n`);
  }
}

/** DumpLogSegments.dumpTxnIndex: one line per aborted transaction. */
async function dumpTxnIndex(file: string, out: (text: string) => void): Promise<void> {
  const index = new TransactionIndex(file, Number(parseBaseOffset(basename(file))));
  await index.load();
  for (const txn of index.entries) {
    out(`version: 0 producerId: ${txn.producerId} firstOffset: ${txn.firstOffset} lastOffset: ${txn.lastOffset} lastStableOffset: ${txn.lastStableOffset}\n`);
  }
}

/** The errors DumpLogSegments prints on stderr once every file is dumped, in its order. */
function printErrors(errors: IndexErrors, gaps: NonConsecutiveOffsets, err: (text: string) => void): void {
  for (const [file, mismatches] of inJavaOrder(errors.offsetMismatches)) {
    err(`Mismatches in :${file}\n`);
    for (const [indexOffset, logOffset] of [...mismatches].sort((a, b) => b[0] - a[0])) err(`  Index offset: ${indexOffset}, log offset: ${logOffset}\n`);
  }
  for (const [file, list] of inJavaOrder(errors.timestampMismatches)) {
    err(`Found timestamp mismatch in :${file}\n`);
    for (const [index, log] of list) err(`  Index timestamp: ${index}, log timestamp: ${log}\n`);
  }
  for (const [file, list] of inJavaOrder(errors.outOfOrderTimestamps)) {
    err(`Found out of order timestamp in :${file}\n`);
    for (const [index, prev] of list) err(`  Index timestamp: ${index}, Previously indexed timestamp: ${prev}\n`);
  }
  for (const [file, list] of inJavaOrder(errors.shallowOffsetNotFound)) {
    err(`The following indexed offsets are not found in :${file}\n`);
    for (const [index, log] of list) err(`Indexed offset: ${index}, found log offset: ${log}\n`);
  }
  for (const [file, pairs] of inJavaOrder(gaps)) {
    err(`Non-consecutive offsets in ${file}\n`);
    for (const [previous, next] of pairs) err(`  ${previous} is followed by ${next}\n`);
  }
}

/** The `dump-log` command; `io` gets what Kafka's tool prints on stdout and stderr. */
export function dumpLogCommand(io: ToolOutput = PROCESS_OUTPUT): Command {
  const command = new Command('dump-log')
    .description(`${DESCRIPTION} (kafka-dump-log)`)
    .option('--print-data-log', 'If set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified.')
    .option('--verify-index-only', 'If set, just verify the index log without printing its content.')
    .option('--index-sanity-check', 'If set, just checks the index sanity without printing its content. This is the same check that is executed on broker startup to determine if an index needs rebuilding or not.')
    .option('--files <file1, file2, ...>', 'REQUIRED: The comma separated list of data and index log files to be dumped.')
    .option('--max-message-size <size>', 'Size of largest message.', String(DEFAULT_MAX_MESSAGE_SIZE))
    .option('--max-bytes <size>', 'Limit the amount of total batches read in bytes avoiding reading the whole .log file(s).', String(NO_MAX_BYTES))
    .option('--deep-iteration', 'If set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled.')
    .option('--value-decoder-class [class]', 'If set, used to deserialize the messages. This class should implement org.apache.kafka.tools.api.Decoder trait. Only org.apache.kafka.tools.api.StringDecoder (the default) is supported here.')
    .option('--key-decoder-class [class]', 'If set, used to deserialize the keys. This class should implement org.apache.kafka.tools.api.Decoder trait. Only org.apache.kafka.tools.api.StringDecoder (the default) is supported here.')
    .option('--offsets-decoder', 'If set, log data will be parsed as offset data from the __consumer_offsets topic.')
    .option('--transaction-log-decoder', 'If set, log data will be parsed as transaction metadata from the __transaction_state topic.')
    .option('--cluster-metadata-decoder', 'If set, log data will be parsed as cluster metadata records.')
    .option('--remote-log-metadata-decoder', 'If set, log data will be parsed as TopicBasedRemoteLogMetadataManager (RLMM) metadata records. (Not supported: this broker has no tiered storage.)')
    .option('--share-group-state-decoder', 'If set, log data will be parsed as share group state data from the __share_group_state topic. (Not supported: this broker has no share groups.)')
    .option('--skip-record-metadata', 'Skip metadata when printing records. This flag also skips control records.');
  command.action(async (opts: DumpLogOptions) => {
    await runTool(command, io, (message) => ({ stream: 'err', text: `Error: ${message}\n` }), async () => {
      const given = givenOptions(command);
      if (given.size === 0) throw new UsageError(DESCRIPTION);
      if (!given.has('files')) throw new UsageError('Missing required argument "[files]"');
      const unsupported = UNSUPPORTED_DECODERS.find((d) => given.has(d));
      if (unsupported !== undefined) throw new Error(`--${unsupported} is not supported by this broker's dump-log`);
      const decoder = DECODERS.find(([d]) => given.has(d));
      for (const [flag, value] of [['value-decoder-class', opts.valueDecoderClass], ['key-decoder-class', opts.keyDecoderClass]] as const) {
        if (typeof value === 'string' && value !== STRING_DECODER) throw new Error(`--${flag} ${value}: only ${STRING_DECODER} is supported`);
      }
      const maxMessageSize = parseIntOption('max-message-size', opts.maxMessageSize);
      const maxBytes = parseIntOption('max-bytes', opts.maxBytes);
      const printContents = decoder !== undefined || ['print-data-log', 'value-decoder-class', 'key-decoder-class'].some((o) => given.has(o));
      const parser = decoder === undefined ? stringParser : decoder[1];
      const logOptions = { printContents, deepIteration: printContents || given.has('deep-iteration'), skipRecordMetadata: given.has('skip-record-metadata'), maxBytes, parser };
      const sanityOnly = given.has('index-sanity-check');
      const verifyOnly = given.has('verify-index-only');
      const errors: IndexErrors = { offsetMismatches: new Map(), timestampMismatches: new Map(), outOfOrderTimestamps: new Map(), shallowOffsetNotFound: new Map() };
      const gaps: NonConsecutiveOffsets = new Map();
      const out = (text: string): void => io.out(text);
      for (const file of opts.files!.split(',')) {
        out(`Dumping ${file}\n`);
        const name = basename(file);
        const suffix = name.includes('.') ? name.slice(name.lastIndexOf('.')) : '';
        if (suffix === '.log' || suffix === '.checkpoint') await dumpLog(file, logOptions, gaps, out);
        else if (suffix === '.index') await dumpIndex(file, sanityOnly, verifyOnly, maxMessageSize, errors, out);
        else if (suffix === '.timeindex') await dumpTimeIndex(file, sanityOnly, verifyOnly, errors, out);
        else if (suffix === '.snapshot') await dumpProducerSnapshot(file, io);
        else if (suffix === '.txnindex') await dumpTxnIndex(file, out);
        else io.err(`Ignoring unknown file ${file}\n`);
      }
      printErrors(errors, gaps, (text) => io.err(text));
    });
  });
  return command;
}
