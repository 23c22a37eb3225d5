// Kafka's LineMessageReader (the console producer's default reader, Kafka 4.4): one record per line, with an
// optional header section and key before the value, split by configurable separators; a null marker turns a field
// into null.

/** One record read from a line: UTF-8 key, value and headers (null for a null marker). */
export interface LineRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: { key: string; value: Buffer | null }[];
}

/** A line the reader cannot parse, or reader properties that contradict each other (Kafka's KafkaException). */
export class LineReaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineReaderError';
  }
}

const isTrue = (v: string | undefined): boolean => v !== undefined && v.trim().toLowerCase() === 'true';

/**
 * Reads records from lines with the reader properties parse.key, key.separator (\t), parse.headers,
 * headers.delimiter (\t), headers.separator (, as a regex), headers.key.separator (:), null.marker and ignore.error,
 * as Kafka's LineMessageReader: "h1:v1,h2:v2<delimiter>key<separator>value".
 */
export class LineMessageReader {
  readonly #parseKey: boolean;
  readonly #keySeparator: string;
  readonly #parseHeaders: boolean;
  readonly #headersDelimiter: string;
  readonly #headersSeparator: RegExp;
  readonly #headersKeySeparator: string;
  readonly #ignoreError: boolean;
  readonly #nullMarker: string | null;
  #lineNumber = 0;

  /** @throws LineReaderError with Kafka's message when two separators (or a separator and the null marker) are equal. */
  constructor(props: Readonly<Record<string, string>>) {
    this.#parseKey = isTrue(props['parse.key']);
    this.#keySeparator = props['key.separator'] ?? '\t';
    this.#parseHeaders = isTrue(props['parse.headers']);
    this.#headersDelimiter = props['headers.delimiter'] ?? '\t';
    const headersSeparator = props['headers.separator'] ?? ',';
    this.#headersSeparator = new RegExp(headersSeparator, 'u');
    this.#headersKeySeparator = props['headers.key.separator'] ?? ':';
    this.#ignoreError = isTrue(props['ignore.error']);
    this.#nullMarker = props['null.marker'] ?? null;
    const equal = (a: string, b: string | null, names: string): void => {
      if (a === b) throw new LineReaderError(`${names} may not be equal`);
    };
    equal(this.#headersDelimiter, headersSeparator, 'headers.delimiter and headers.separator');
    equal(this.#headersDelimiter, this.#headersKeySeparator, 'headers.delimiter and headers.key.separator');
    equal(headersSeparator, this.#headersKeySeparator, 'headers.separator and headers.key.separator');
    equal(this.#keySeparator, this.#nullMarker, 'null.marker and key.separator');
    equal(headersSeparator, this.#nullMarker, 'null.marker and headers.separator');
    equal(this.#headersDelimiter, this.#nullMarker, 'null.marker and headers.delimiter');
    equal(this.#headersKeySeparator, this.#nullMarker, 'null.marker and headers.key.separator');
  }

  /** The record of the next line. @throws LineReaderError with Kafka's message for a missing separator. */
  read(line: string): LineRecord {
    this.#lineNumber += 1;
    const headers = this.#parse(this.#parseHeaders, line, 0, this.#headersDelimiter, 'headers delimiter');
    const headerOffset = headers === null ? 0 : headers.length + this.#headersDelimiter.length;
    const key = this.#parse(this.#parseKey, line, headerOffset, this.#keySeparator, 'key separator');
    const keyOffset = key === null ? 0 : key.length + this.#keySeparator.length;
    const value = line.slice(headerOffset + keyOffset);
    return {
      key: key !== null && key !== this.#nullMarker ? Buffer.from(key, 'utf8') : null,
      value: value !== this.#nullMarker ? Buffer.from(value, 'utf8') : null,
      headers: headers !== null && headers !== this.#nullMarker ? this.#splitHeaders(headers) : [],
    };
  }

  #parse(enabled: boolean, line: string, start: number, demarcation: string, name: string): string | null {
    if (!enabled) return null;
    const index = line.indexOf(demarcation, start);
    if (index === -1) {
      if (this.#ignoreError) return null;
      throw new LineReaderError(`No ${name} found on line number ${this.#lineNumber}: '${line}'`);
    }
    return line.slice(start, index);
  }

  #splitHeaders(headers: string): { key: string; value: Buffer | null }[] {
    // Java's String.split drops trailing empty strings.
    const pairs = headers.split(this.#headersSeparator);
    while (pairs.length > 1 && pairs[pairs.length - 1] === '') pairs.pop();
    return pairs.map((pair) => {
      const i = pair.indexOf(this.#headersKeySeparator);
      if (i === -1) {
        if (this.#ignoreError) return { key: pair, value: null };
        throw new LineReaderError(`No header key separator found in pair '${pair}' on line number ${this.#lineNumber}`);
      }
      const key = pair.slice(0, i);
      if (key === this.#nullMarker) throw new LineReaderError(`Header keys should not be equal to the null marker '${this.#nullMarker}' as they can't be null`);
      const value = pair.slice(i + this.#headersKeySeparator.length);
      return { key, value: value === this.#nullMarker ? null : Buffer.from(value, 'utf8') };
    });
  }
}
