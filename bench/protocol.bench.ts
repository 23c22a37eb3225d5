// Protocol codec throughput: decode + re-encode of a 1 MiB Produce request (v9) and a 1 MiB Fetch response
// (v12) with the generated code, beside Buffer.copy of the same number of bytes measured in the same run.
// Run: node bench/protocol.bench.ts   (prints a markdown table; figures are medians of several rounds)
import { randomBytes } from 'node:crypto';
import { Reader } from '../src/protocol/reader.ts';
import { Writer } from '../src/protocol/writer.ts';
import type { Input } from '../src/protocol/message-input.ts';
import {
  decodeProduceRequest,
  encodeProduceRequest,
  sizeProduceRequest,
  type ProduceRequest,
} from '../src/protocol/generated/messages/produce-request.ts';
import {
  decodeFetchResponse,
  encodeFetchResponse,
  sizeFetchResponse,
  type FetchResponse,
} from '../src/protocol/generated/messages/fetch-response.ts';

const TARGET_BYTES = 1 << 20;
const TOPICS = 32;
const PARTITIONS = 8;
const RECORDS_BYTES = Math.floor(TARGET_BYTES / (TOPICS * PARTITIONS)) - 64;
const ROUNDS = 7;
const ROUND_MS = 150;

interface Case {
  name: string;
  bytes: Buffer;
  decode(r: Reader): unknown;
  encode(value: unknown): Buffer;
}

function produceCase(): Case {
  const version = 9;
  const value: Input<ProduceRequest> = {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: Array.from({ length: TOPICS }, (_, t) => ({
      name: `topic-${t}`,
      partitionData: Array.from({ length: PARTITIONS }, (_, p) => ({ index: p, records: randomBytes(RECORDS_BYTES) })),
    })),
  };
  const encode = (v: unknown): Buffer => {
    const w = new Writer(sizeProduceRequest(version, v as Input<ProduceRequest>));
    encodeProduceRequest(w, version, v as Input<ProduceRequest>);
    return w.toBuffer();
  };
  return {
    name: `ProduceRequest v${version} (${TOPICS}x${PARTITIONS} partitions)`,
    bytes: Buffer.from(encode(value)),
    decode: (r) => decodeProduceRequest(r, version),
    encode,
  };
}

function fetchCase(): Case {
  const version = 12;
  const value: Input<FetchResponse> = {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: Array.from({ length: TOPICS }, (_, t) => ({
      topic: `topic-${t}`,
      partitions: Array.from({ length: PARTITIONS }, (_, p) => ({
        partitionIndex: p,
        errorCode: 0,
        highWatermark: 123456789n,
        lastStableOffset: 123456789n,
        logStartOffset: 0n,
        abortedTransactions: [],
        preferredReadReplica: -1,
        records: randomBytes(RECORDS_BYTES),
      })),
    })),
  };
  const encode = (v: unknown): Buffer => {
    const w = new Writer(sizeFetchResponse(version, v as Input<FetchResponse>));
    encodeFetchResponse(w, version, v as Input<FetchResponse>);
    return w.toBuffer();
  };
  return {
    name: `FetchResponse v${version} (${TOPICS}x${PARTITIONS} partitions)`,
    bytes: Buffer.from(encode(value)),
    decode: (r) => decodeFetchResponse(r, version),
    encode,
  };
}

/** Median MB/s of `fn` (which processes `bytes` per call) over several timed rounds. */
function measure(bytes: number, fn: () => void): number {
  for (let i = 0; i < 20; i++) fn();
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsedNs = 0n;
    do {
      fn();
      n++;
      elapsedNs = process.hrtime.bigint() - start;
    } while (elapsedNs < BigInt(ROUND_MS) * 1_000_000n);
    rates.push((bytes * n) / (Number(elapsedNs) / 1e9) / 1e6);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}

let sink = 0;
const rows: string[] = [];
for (const c of [produceCase(), fetchCase()]) {
  const decoded = c.decode(new Reader(c.bytes));
  const roundTrip = c.encode(decoded);
  if (!roundTrip.equals(c.bytes)) throw new Error(`${c.name}: re-encoding changed the bytes`);
  const decodeMBs = measure(c.bytes.length, () => {
    sink ^= (c.decode(new Reader(c.bytes)) as object) === null ? 1 : 0;
  });
  const encodeMBs = measure(c.bytes.length, () => {
    sink ^= c.encode(decoded).length;
  });
  const bothMBs = measure(c.bytes.length, () => {
    sink ^= c.encode(c.decode(new Reader(c.bytes))).length;
  });
  // An encoder writes into a new buffer each time, so the fair baseline copies into a new buffer too
  // (fresh pages cost page faults); the copy into a reused buffer is the memcpy ceiling.
  const copyFreshMBs = measure(c.bytes.length, () => {
    sink ^= c.bytes.copy(Buffer.allocUnsafe(c.bytes.length));
  });
  const target = Buffer.allocUnsafe(c.bytes.length);
  const copyWarmMBs = measure(c.bytes.length, () => {
    sink ^= c.bytes.copy(target);
  });
  const f = (x: number): string => x.toFixed(0);
  rows.push(
    `| ${c.name} | ${c.bytes.length} | ${f(decodeMBs)} | ${f(encodeMBs)} | ${f(bothMBs)} | ${f(copyFreshMBs)} | ` +
      `${f(copyWarmMBs)} | ${(bothMBs / copyFreshMBs).toFixed(2)} | ${(bothMBs / copyWarmMBs).toFixed(3)} |`,
  );
}

process.stdout.write(
  [
    `Protocol codec throughput, Node ${process.version}, median of ${ROUNDS} rounds of ${ROUND_MS} ms (MB/s = 10^6 bytes/s)`,
    '',
    '| message | bytes | decode MB/s | encode MB/s | decode+encode MB/s | Buffer.copy to new buffer MB/s | ' +
      'Buffer.copy to reused buffer MB/s | ratio vs new-buffer copy | ratio vs reused-buffer copy |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n') + (sink === 0.5 ? ' ' : '\n'),
);
