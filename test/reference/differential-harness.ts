// The differential harness: one raw connection to Apache Kafka 4.4.0 (test/helpers/reference-kafka.ts) and one to
// our broker; every exchange sends the same request to both, decodes both answers with our generated codecs,
// normalises them (normalise-response.ts) and compares them field by field. A difference either matches an entry of
// accepted-deviations.json (an exchange pattern, a field path pattern and the reason it is accepted) or fails the
// suite; an entry that matched nothing fails it as well, so the file never lists what is no longer true.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { API_MESSAGES } from '../../src/protocol/generated/api-messages.ts';
import { Writer } from '../../src/protocol/writer.ts';
import { RawKafkaClient } from '../fixtures/e2e/raw-kafka-client.ts';
import { compareNormalised, normaliseResponse, type FieldDifference, type Plain } from './normalise-response.ts';

/** Which broker a request goes to; request builders use it for what differs per broker (topic ids). */
export type Side = 'kafka' | 'ours';

/** An accepted difference: `exchange` and `path` are patterns where `*` stands for any text. */
export interface AcceptedDeviation {
  readonly exchange: string;
  readonly path: string;
  readonly reason: string;
}

/** One compared exchange and what came of it. */
export interface ExchangeResult {
  /** "<Api> v<version> <scenario>", e.g. "Metadata v12 unknown topic". */
  readonly exchange: string;
  readonly accepted: FieldDifference[];
  readonly unexplained: FieldDifference[];
}

/** The outcome of a request the broker answered by closing the connection. */
export const CONNECTION_CLOSED = Object.freeze({ connectionClosed: true });

const DEVIATIONS_FILE = new URL('./accepted-deviations.json', import.meta.url);

function pattern(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

function shorten(value: unknown): string {
  const text = JSON.stringify(value) ?? 'absent';
  return text.length > 160 ? `${text.slice(0, 160)}... (${text.length} chars)` : text;
}

/**
 * Drives both brokers in lock step. `versions(apiKey)` is the range both advertise; `exchange` sends one request
 * per side and records the comparison; `summary()` gives the counts the suite prints.
 */
export class DifferentialHarness {
  readonly #clients: Record<Side, RawKafkaClient>;
  readonly #ports: Record<Side, number>;
  readonly #ranges: Record<Side, Map<number, { minVersion: number; maxVersion: number }>>;
  readonly #deviations: readonly { entry: AcceptedDeviation; exchange: RegExp; path: RegExp; matched: number }[];
  readonly results: ExchangeResult[] = [];
  /** Scenario versions skipped because the request cannot be written at that version. */
  skippedVersions = 0;
  readonly #counter = { leaves: 0 };
  /** Every normalised pair, kept when DIFFERENTIAL_DUMP names a file to write them to (see {@link close}). */
  readonly #dump: { exchange: string; kafka: Plain; ours: Plain }[] | undefined = process.env['DIFFERENTIAL_DUMP'] === undefined ? undefined : [];

  private constructor(ports: Record<Side, number>, clients: Record<Side, RawKafkaClient>, ranges: Record<Side, Map<number, { minVersion: number; maxVersion: number }>>) {
    this.#ports = ports;
    this.#clients = clients;
    this.#ranges = ranges;
    const entries = JSON.parse(readFileSync(DEVIATIONS_FILE, 'utf8')) as { deviations: AcceptedDeviation[] };
    this.#deviations = entries.deviations.map((entry) => ({ entry, exchange: pattern(entry.exchange), path: pattern(entry.path), matched: 0 }));
  }

  /** Connects to both brokers and asks each for its ApiVersions (v0: any broker answers it). */
  static async connect(kafkaPort: number, oursPort: number): Promise<DifferentialHarness> {
    const kafka = await RawKafkaClient.connect(kafkaPort, '127.0.0.1', 'differential');
    const ours = await RawKafkaClient.connect(oursPort, '127.0.0.1', 'differential');
    const ranges = async (c: RawKafkaClient): Promise<Map<number, { minVersion: number; maxVersion: number }>> => {
      const r = await c.request<{ apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[] }>(18, 0, {});
      return new Map(r.apiKeys.map((k) => [k.apiKey, k]));
    };
    return new DifferentialHarness({ kafka: kafkaPort, ours: oursPort }, { kafka, ours }, { kafka: await ranges(kafka), ours: await ranges(ours) });
  }

  /**
   * The versions of `apiKey` both brokers serve where `body` can be written (a request carrying a field a version
   * does not have is skipped there, and counted in {@link skippedVersions}).
   */
  versions(apiKey: number, body: (version: number, side: Side) => object = () => ({})): number[] {
    const k = this.#ranges.kafka.get(apiKey);
    const o = this.#ranges.ours.get(apiKey);
    if (k === undefined || o === undefined) return [];
    const api = API_MESSAGES.get(apiKey)!;
    const out: number[] = [];
    for (let v = Math.max(k.minVersion, o.minVersion, api.minVersion); v <= Math.min(k.maxVersion, o.maxVersion, api.maxVersion); v++) {
      try {
        api.encodeRequest(new Writer(64), v, body(v, 'kafka') as never);
        out.push(v);
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        this.skippedVersions++;
      }
    }
    return out;
  }

  /** Sends `body(version, side)` to one broker and resolves with the decoded response (setup steps, not compared). */
  request<T = any>(side: Side, apiKey: number, version: number, body: object): Promise<T> {
    return this.#clients[side].request<T>(apiKey, version, body);
  }

  /**
   * Sends a request whose answer is compared: a broker that closes the connection instead of answering (as Kafka
   * does for a request it cannot parse or a version it does not serve) is an outcome, CONNECTION_CLOSED, and a new
   * connection replaces the closed one.
   */
  async #compared(side: Side, apiKey: number, version: number, body: object): Promise<object> {
    try {
      return await this.request<object>(side, apiKey, version, body);
    } catch (err) {
      if (!this.#clients[side].isClosed) throw err;
      this.#clients[side] = await RawKafkaClient.connect(this.#ports[side], '127.0.0.1', 'differential');
      return CONNECTION_CLOSED;
    }
  }

  /**
   * Sends the request to both brokers at once, compares the normalised answers and records the result under
   * "<Api> v<version> <scenario>". Resolves with both decoded responses (a scenario may read them for its next step),
   * or {@link CONNECTION_CLOSED} for a side that closed the connection.
   */
  async exchange<T = any>(scenario: string, apiKey: number, version: number, body: (version: number, side: Side) => object): Promise<Record<Side, T>> {
    const name = `${API_MESSAGES.get(apiKey)!.name} v${version} ${scenario}`.trim();
    const [kafka, ours] = await Promise.all([this.#compared('kafka', apiKey, version, body(version, 'kafka')), this.#compared('ours', apiKey, version, body(version, 'ours'))]);
    this.record(name, normaliseResponse(kafka), normaliseResponse(ours));
    return { kafka: kafka as T, ours: ours as T };
  }

  /** Runs `exchange` at every version of {@link versions} from `fromVersion` on (a scenario that only exists there). */
  async everyVersion(scenario: string, apiKey: number, body: (version: number, side: Side) => object, fromVersion = 0): Promise<void> {
    for (const v of this.versions(apiKey, body)) if (v >= fromVersion) await this.exchange(scenario, apiKey, v, body);
  }

  /** Compares two normalised answers of exchange `name` and records the result. */
  record(name: string, kafka: Plain, ours: Plain): void {
    this.#dump?.push({ exchange: name, kafka, ours });
    const accepted: FieldDifference[] = [];
    const unexplained: FieldDifference[] = [];
    for (const d of compareNormalised(kafka, ours, this.#counter)) {
      const deviation = this.#deviations.find((x) => x.exchange.test(name) && x.path.test(d.path));
      if (deviation === undefined) unexplained.push(d);
      else {
        deviation.matched++;
        accepted.push(d);
      }
    }
    this.results.push({ exchange: name, accepted, unexplained });
  }

  /** Accepted deviations that matched no difference in this run (the file must not list what is no longer true). */
  staleDeviations(): AcceptedDeviation[] {
    return this.#deviations.filter((d) => d.matched === 0).map((d) => d.entry);
  }

  /** The counts the suite prints: exchanges, leaves compared, differences accepted and unexplained. */
  summary(): string {
    const accepted = this.results.reduce((n, r) => n + r.accepted.length, 0);
    const unexplained = this.results.filter((r) => r.unexplained.length > 0);
    const lines = [
      `differential: ${this.results.length} exchanges compared (${this.#counter.leaves} fields), ${this.skippedVersions} scenario versions not writable, ` +
        `${accepted} differing fields accepted by ${this.#deviations.length - this.staleDeviations().length}/${this.#deviations.length} listed deviations, ` +
        `${unexplained.reduce((n, r) => n + r.unexplained.length, 0)} unexplained in ${unexplained.length} exchanges`,
    ];
    for (const r of unexplained) {
      for (const d of r.unexplained) lines.push(`  ${r.exchange}: ${d.path}: kafka ${shorten(d.kafka)} ours ${shorten(d.ours)}`);
    }
    for (const d of this.staleDeviations()) lines.push(`  stale deviation (matched nothing): ${d.exchange} / ${d.path}`);
    return lines.join('\n');
  }

  /** Closes both connections; writes the normalised pairs to the file DIFFERENTIAL_DUMP names, if set. */
  async close(): Promise<void> {
    await Promise.all([this.#clients.kafka.close(), this.#clients.ours.close()]);
    if (this.#dump !== undefined) await writeFile(process.env['DIFFERENTIAL_DUMP']!, JSON.stringify(this.#dump, null, 1));
  }
}
