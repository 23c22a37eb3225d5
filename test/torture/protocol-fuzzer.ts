// Protocol fuzzing at scale (issue 16 item 5): a grammar-aware mutator over the generated message schemas. Each
// frame starts as a valid request of a random API and version (random field values from the schema, as the codec
// tests build them; Produce carries a real record batch), then most frames are mutated where parsers break:
// bit flips, int16/int32 fields overwritten with extremes, truncation, inserted bytes, huge varints (compact
// lengths, array counts, tagged-field sizes), an unknown API key or an unsupported version.
// Frames go out pipelined on several connections at once; a connection the broker closes is reopened. While it
// runs, a well-behaved kafkajs producer and consumer keep working; the run then checks the broker is alive, that
// every acknowledged record reads back (also after a restart over the same log), and that its heap returns near
// the baseline once the fuzzing connections are closed.
import net from 'node:net';
import { buildRecordBatchSync } from '../../src/protocol/records/record-batch-builder.ts';
import { decodeRequestHeader, encodeRequestHeader } from '../../src/protocol/request-header.ts';
import { API_MESSAGES, requestHeaderVersion } from '../../src/protocol/generated/api-messages.ts';
import { Reader } from '../../src/protocol/reader.ts';
import { Writer } from '../../src/protocol/writer.ts';
import { loadAll, randomStruct, Rng, versionsOf, type LoadedMessage } from '../unit/protocol/message-values.ts';

const API_VERSIONS_KEY = 18;

/** Whether our own decoders read `frame` (size prefix included) as one whole request. */
function parses(frame: Buffer): boolean {
  if (frame.length < 12 || frame.readInt32BE(0) !== frame.length - 4) return false;
  const apiKey = frame.readInt16BE(4);
  const version = frame.readInt16BE(6);
  const api = API_MESSAGES.get(apiKey);
  if (api === undefined || version < api.minVersion || version > api.maxVersion) return false;
  try {
    const r = new Reader(frame.subarray(4));
    decodeRequestHeader(r, requestHeaderVersion(apiKey, version));
    api.decodeRequest(r, version);
    return true;
  } catch {
    return false;
  }
}

/** One request kind the generator draws from. */
interface RequestKind {
  loaded: LoadedMessage;
  versions: number[];
}

/** Counts of what a fuzz run sent and saw. */
export interface FuzzStats {
  frames: number;
  mutated: number;
  responses: number;
  /** Connections the broker closed (the answer Kafka gives to a request it cannot parse). */
  closedByBroker: number;
  /** Connections we closed after `idleMs` without an answer (a frame the broker waits on, or never answers). */
  idleRecycled: number;
  /** Frames our own decoders reject (bad header, unknown API or version, body that does not parse). */
  unparseable: number;
  /**
   * Unparseable frames the broker answered anyway (Kafka closes the connection instead; only ApiVersions with an
   * unsupported version is answered, with UNSUPPORTED_VERSION): must be 0. The first few, for the report.
   */
  answeredUnparseable: { apiKey: number; version: number; mutation: string }[];
  byMutation: Record<string, number>;
}

const MUTATIONS = ['none', 'bitflip', 'int-extreme', 'truncate', 'insert', 'varint-bomb', 'unknown-api', 'bad-version', 'size-lie'] as const;
type Mutation = (typeof MUTATIONS)[number];

/** Builds request frames (4-byte size included) from a seed; deterministic for a seed. */
export class FrameGenerator {
  readonly #kinds: RequestKind[];
  readonly #rng: Rng;
  #correlationId = 0;

  private constructor(kinds: RequestKind[], seed: number) {
    this.#kinds = kinds;
    this.#rng = new Rng(seed);
  }

  /** Loads every request schema with its generated codec. */
  static async create(seed: number): Promise<FrameGenerator> {
    const kinds = (await loadAll()).filter((l) => l.msg.type === 'request' && l.msg.apiKey >= 0).map((loaded) => ({ loaded, versions: versionsOf(loaded.msg) }));
    return new FrameGenerator(kinds, seed);
  }

  /** Number of (API, version) pairs the generator covers. */
  get coverage(): number {
    return this.#kinds.reduce((n, k) => n + k.versions.length, 0);
  }

  #validBody(): { apiKey: number; version: number; bytes: Buffer } {
    const rng = this.#rng;
    const kind = rng.pick(this.#kinds);
    const version = rng.pick(kind.versions);
    const { msg, codec } = kind.loaded;
    const value = randomStruct(msg, msg.root, version, rng);
    if (msg.name === 'ProduceRequest') {
      // A real batch inside, so that mutations reach the batch header, CRC and record parsers.
      const batch = buildRecordBatchSync({ baseOffset: 0n, records: [{ value: rng.bytes(rng.int(0, 64)), key: rng.chance(0.5) ? rng.bytes(4) : null }] });
      for (const t of (value.topicData as { partitionData: { records: unknown }[] }[] | undefined) ?? []) for (const p of t.partitionData) p.records = batch;
    }
    const w = new Writer(256);
    const headerVersion = requestHeaderVersion(msg.apiKey, version);
    encodeRequestHeader(w, headerVersion, { requestApiKey: msg.apiKey, requestApiVersion: version, correlationId: this.#correlationId++, clientId: rng.chance(0.9) ? 'fuzzer' : null });
    codec.encode(w, version, value);
    return { apiKey: msg.apiKey, version, bytes: Buffer.from(w.toBuffer()) };
  }

  /**
   * The next frame and the mutation applied; `endAfter` when the frame announces more bytes than it carries and
   * the sender should then close its side (the broker meets end-of-stream inside a frame).
   */
  next(mutateProbability: number): { frame: Buffer; mutation: Mutation; endAfter: boolean } {
    const rng = this.#rng;
    let { bytes } = this.#validBody();
    let mutation: Mutation = rng.chance(mutateProbability) ? rng.pick(MUTATIONS.slice(1)) : 'none';
    let sizeLie = 0;
    switch (mutation) {
      case 'bitflip':
        for (let i = rng.int(1, 4); i > 0; i--) {
          const at = rng.int(0, bytes.length - 1);
          bytes[at] = bytes[at]! ^ (1 << rng.int(0, 7));
        }
        break;
      case 'int-extreme': {
        if (bytes.length < 12) break;
        const at = rng.int(8, bytes.length - 4);
        if (rng.chance(0.5)) bytes.writeInt32BE(rng.pick([-1, 0x7fffffff, -0x80000000, 0x10000000]), at);
        else bytes.writeInt16BE(rng.pick([-1, 0x7fff, -0x8000]), at);
        break;
      }
      case 'truncate':
        bytes = bytes.subarray(0, rng.int(0, bytes.length - 1));
        break;
      case 'insert': {
        const at = rng.int(0, bytes.length);
        bytes = Buffer.concat([bytes.subarray(0, at), rng.bytes(rng.int(1, 16)), bytes.subarray(at)]);
        break;
      }
      case 'varint-bomb': {
        const at = rng.int(4, Math.max(4, bytes.length));
        const bomb = rng.pick([Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])]);
        bytes = Buffer.concat([bytes.subarray(0, at), bomb, bytes.subarray(Math.min(bytes.length, at + rng.int(0, 2)))]);
        break;
      }
      case 'unknown-api':
        if (bytes.length >= 2) bytes.writeInt16BE(rng.pick([-1, 200, 1000, 0x7fff]), 0);
        break;
      case 'bad-version':
        if (bytes.length >= 4) bytes.writeInt16BE(rng.pick([-1, 99, 0x7fff]), 2);
        break;
      case 'size-lie':
        // The size prefix announces less than follows (the tail then reads as the start of another frame), or
        // more, and the stream ends inside the frame.
        sizeLie = rng.pick([-3, -1, 1, 7]);
        break;
      case 'none':
        break;
    }
    if (bytes.length === 0) mutation = 'truncate';
    const size = Buffer.alloc(4);
    size.writeInt32BE(Math.max(0, bytes.length + sizeLie));
    return { frame: Buffer.concat([size, bytes]), mutation, endAfter: sizeLie > 0 };
  }
}

/**
 * Sends `frames` frames from `generator` to `host:port` over `connections` connections at once, each connection
 * one frame at a time: the next goes when the answer came, so that every frame reaches the broker's parser (a bad
 * frame closes the connection and would discard anything pipelined behind it). A connection the broker closed is
 * replaced; one that got no answer within `idleMs` (acks=0 Produce, a frame cut short) is recycled.
 */
export async function fuzzBroker(generator: FrameGenerator, options: { host: string; port: number; frames: number; connections: number; mutateProbability: number; idleMs?: number }): Promise<FuzzStats> {
  const stats: FuzzStats = { frames: 0, mutated: 0, responses: 0, closedByBroker: 0, idleRecycled: 0, unparseable: 0, answeredUnparseable: [], byMutation: {} };
  const idleMs = options.idleMs ?? 100;
  const worker = async (): Promise<void> => {
    while (stats.frames < options.frames) {
      await new Promise<void>((resolve) => {
        const socket = net.connect({ host: options.host, port: options.port });
        let buffered: Buffer = Buffer.alloc(0);
        let endedByUs = false;
        let pending: { apiKey: number; version: number; mutation: string } | null = null;
        const sendNext = (): void => {
          if (stats.frames >= options.frames) {
            endedByUs = true;
            socket.end();
            return;
          }
          const { frame, mutation, endAfter } = generator.next(options.mutateProbability);
          stats.frames++;
          if (mutation !== 'none') stats.mutated++;
          stats.byMutation[mutation] = (stats.byMutation[mutation] ?? 0) + 1;
          pending = parses(frame) ? null : { apiKey: frame.length >= 6 ? frame.readInt16BE(4) : -1, version: frame.length >= 8 ? frame.readInt16BE(6) : -1, mutation };
          if (pending !== null) stats.unparseable++;
          socket.write(frame);
          if (endAfter) {
            endedByUs = true;
            socket.end();
          }
        };
        socket.setNoDelay(true);
        socket.on('connect', sendNext);
        socket.on('data', (chunk: Buffer) => {
          buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
          let answered = false;
          while (buffered.length >= 4) {
            const size = buffered.readInt32BE(0);
            if (buffered.length < 4 + size) break;
            buffered = buffered.subarray(4 + size);
            stats.responses++;
            answered = true;
            if (pending !== null && pending.apiKey !== API_VERSIONS_KEY && stats.answeredUnparseable.length < 20) stats.answeredUnparseable.push(pending);
            pending = null;
          }
          if (answered && !endedByUs) sendNext();
        });
        socket.setTimeout(idleMs, () => {
          if (!endedByUs) stats.idleRecycled++;
          endedByUs = true;
          socket.destroy();
        });
        socket.on('error', () => undefined);
        socket.on('close', () => {
          if (!endedByUs) stats.closedByBroker++;
          resolve();
        });
      });
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  return stats;
}
