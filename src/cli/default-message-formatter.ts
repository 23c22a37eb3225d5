// Kafka's DefaultMessageFormatter (the console consumer's, Kafka 4.4): what print.timestamp, print.partition,
// print.offset, print.epoch, print.headers, print.key and print.value show, separated by key.separator (\t) and ended
// by line.separator (\n), with headers.separator (,) between headers and null.literal ("null") for null bytes.

/** A consumed record as the formatter needs it. */
export interface FormattedRecord {
  readonly partition: number;
  readonly offset: bigint;
  /** Milliseconds since the epoch, or -1n for NO_TIMESTAMP. */
  readonly timestamp: bigint;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly leaderEpoch: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly { key: string; value: Buffer | null }[];
}

/** The formatter properties this formatter knows; a deserializer other than the byte array's is refused. */
const KNOWN = new Set(['print.timestamp', 'print.key', 'print.offset', 'print.epoch', 'print.partition', 'print.headers', 'print.value', 'key.separator', 'line.separator', 'headers.separator', 'null.literal', 'key.deserializer', 'value.deserializer', 'headers.deserializer']);
const PASS_THROUGH_DESERIALIZERS = new Set(['org.apache.kafka.common.serialization.ByteArrayDeserializer', 'org.apache.kafka.common.serialization.StringDeserializer']);

/**
 * Formats records as Kafka's DefaultMessageFormatter.
 * @throws Error (constructor) for a property it does not implement, so that nothing asked for is silently ignored.
 */
export class DefaultMessageFormatter {
  readonly #flags: Record<'timestamp' | 'key' | 'offset' | 'epoch' | 'partition' | 'headers' | 'value', boolean>;
  readonly #keySeparator: Buffer;
  readonly #lineSeparator: Buffer;
  readonly #headersSeparator: Buffer;
  readonly #nullLiteral: Buffer;

  constructor(props: Readonly<Record<string, string>>) {
    for (const [k, v] of Object.entries(props)) {
      if (!KNOWN.has(k)) throw new Error(`Formatter property ${k} is not supported by kafka-broker console-consumer`);
      if (k.endsWith('deserializer') && !PASS_THROUGH_DESERIALIZERS.has(v)) throw new Error(`${k}=${v} is not supported by kafka-broker console-consumer: bytes are printed as they are (UTF-8)`);
    }
    const flag = (name: string, fallback: boolean): boolean => (props[name] === undefined ? fallback : props[name].trim().toLowerCase() === 'true');
    this.#flags = {
      timestamp: flag('print.timestamp', false),
      key: flag('print.key', false),
      offset: flag('print.offset', false),
      epoch: flag('print.epoch', false),
      partition: flag('print.partition', false),
      headers: flag('print.headers', false),
      value: flag('print.value', true),
    };
    const bytes = (name: string, fallback: string): Buffer => Buffer.from(props[name] ?? fallback, 'utf8');
    this.#keySeparator = bytes('key.separator', '\t');
    this.#lineSeparator = bytes('line.separator', '\n');
    this.#headersSeparator = bytes('headers.separator', ',');
    this.#nullLiteral = bytes('null.literal', 'null');
  }

  /** The bytes Kafka's formatter writes for `record`. */
  format(record: FormattedRecord): Buffer {
    const f = this.#flags;
    const out: Buffer[] = [];
    // Each field is followed by the column separator when a later field is printed, as Kafka's writeSeparator.
    const fields: [boolean, () => Buffer[]][] = [
      [f.timestamp, () => [Buffer.from(record.timestamp < 0n ? 'NO_TIMESTAMP' : `${record.timestampType}:${record.timestamp}`)]],
      [f.partition, () => [Buffer.from(`Partition:${record.partition}`)]],
      [f.offset, () => [Buffer.from(`Offset:${record.offset}`)]],
      [f.epoch, () => [Buffer.from(`Epoch:${record.leaderEpoch < 0 ? 'NOT_PRESENT' : record.leaderEpoch}`)]],
      [f.headers, () => record.headers.length === 0
        ? [Buffer.from('NO_HEADERS')]
        : record.headers.flatMap((h, i) => [Buffer.from(`${h.key}:`), h.value ?? this.#nullLiteral, ...(i < record.headers.length - 1 ? [this.#headersSeparator] : [])])],
      [f.key, () => [record.key ?? this.#nullLiteral]],
    ];
    fields.forEach(([shown, render], i) => {
      if (!shown) return;
      out.push(...render());
      const later = fields.slice(i + 1).some(([s]) => s) || f.value;
      out.push(later ? this.#keySeparator : this.#lineSeparator);
    });
    if (f.value) out.push(record.value ?? this.#nullLiteral, this.#lineSeparator);
    return Buffer.concat(out);
  }
}
