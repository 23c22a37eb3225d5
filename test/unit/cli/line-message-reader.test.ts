import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DefaultMessageFormatter } from '../../../src/cli/default-message-formatter.ts';
import { LineMessageReader, LineReaderError } from '../../../src/cli/line-message-reader.ts';

// The console tools' line parsing and record formatting, case by case as Kafka's LineMessageReaderTest and
// DefaultMessageFormatterTest describe them.

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));

test('LineMessageReader: value only, key and value, headers, ignore.error and the null marker', () => {
  assert.deepEqual(text(new LineMessageReader({}).read('k\tv').value), 'k\tv');
  const keyed = new LineMessageReader({ 'parse.key': 'true' }).read('k\tv\tw');
  assert.deepEqual([text(keyed.key), text(keyed.value)], ['k', 'v\tw']);
  const full = new LineMessageReader({ 'parse.key': 'true', 'parse.headers': 'true' }).read('a:1,b:2,\tk\tv');
  assert.deepEqual(full.headers.map((h) => [h.key, text(h.value)]), [['a', '1'], ['b', '2']]);
  const lax = new LineMessageReader({ 'parse.key': 'true', 'ignore.error': 'true' }).read('no separator');
  assert.deepEqual([lax.key, text(lax.value)], [null, 'no separator']);
  const nulls = new LineMessageReader({ 'parse.key': 'true', 'null.marker': '-' }).read('-\t-');
  assert.deepEqual([nulls.key, nulls.value], [null, null]);
  assert.throws(() => new LineMessageReader({ 'parse.key': 'true' }).read('x'), /^LineReaderError: No key separator found on line number 1: 'x'$/);
  assert.throws(() => new LineMessageReader({ 'parse.headers': 'true' }).read('a\tv'), /No header key separator found in pair 'a' on line number 1/);
  assert.throws(() => new LineMessageReader({ 'headers.separator': ':' }), LineReaderError);
  assert.throws(() => new LineMessageReader({ 'null.marker': '\t' }), /null.marker and key.separator may not be equal/);
});

test('DefaultMessageFormatter: separators between the printed fields only, NO_TIMESTAMP, NOT_PRESENT epochs', () => {
  const record = { partition: 2, offset: 7n, timestamp: -1n, timestampType: 'CreateTime' as const, leaderEpoch: -1, key: null, value: Buffer.from('v'), headers: [] };
  const all = new DefaultMessageFormatter({ 'print.timestamp': 'true', 'print.partition': 'true', 'print.offset': 'true', 'print.epoch': 'true', 'print.headers': 'true', 'print.key': 'true', 'key.separator': '|' });
  assert.equal(all.format(record).toString(), 'NO_TIMESTAMP|Partition:2|Offset:7|Epoch:NOT_PRESENT|NO_HEADERS|null|v\n');
  assert.equal(new DefaultMessageFormatter({ 'print.key': 'true', 'print.value': 'false' }).format(record).toString(), 'null\n');
  assert.throws(() => new DefaultMessageFormatter({ 'print.nope': 'true' }), /not supported/);
  assert.throws(() => new DefaultMessageFormatter({ 'value.deserializer': 'org.apache.kafka.common.serialization.LongDeserializer' }), /not supported/);
});
