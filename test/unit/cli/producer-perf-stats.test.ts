import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProducerPerfStats } from '../../../src/cli/producer-perf-stats.ts';
import { formatJavaDate } from '../../../src/cli/java-date-format.ts';

// ProducerPerformance.Stats' lines: a window line per reporting interval and the summary with the percentiles of the
// sampled latencies (index floor(q * n) of the sorted sample, as Kafka).

test('window lines every reporting interval and the summary with the 50th/95th/99th/99.9th percentiles', () => {
  const lines: string[] = [];
  const stats = new ProducerPerfStats(1000, 5000, false, (l) => lines.push(l), 0);
  for (let i = 0; i < 1000; i++) stats.record(i % 100, 100, i < 500 ? 1000 : 6000);
  assert.deepEqual(lines, ['501 records sent, 83.5 records/sec (0.01 MB/sec), 49.4 ms avg latency, 99.0 ms max latency.\n']);
  stats.printTotal(10_000);
  assert.equal(lines[1], '1000 records sent, 100.000000 records/sec (0.01 MB/sec), 49.50 ms avg latency, 99.00 ms max latency, 50 ms 50th, 95 ms 95th, 99 ms 99th, 99 ms 99.9th.\n');
});

test('at most 500,000 latencies are sampled, every numRecords / 500,000th', () => {
  const lines: string[] = [];
  const stats = new ProducerPerfStats(1_000_000, 1e9, false, (l) => lines.push(l), 0);
  // Every second record is sampled: the odd ones (latency 1000) never are.
  for (let i = 0; i < 1_000_000; i++) stats.record(i % 2 === 0 ? 1 : 1000, 1, 1);
  stats.printTotal(1000);
  assert.match(lines[0]!, /, 1 ms 50th, 1 ms 95th, 1 ms 99th, 1 ms 99\.9th\.\n$/);
});

test("--date-format patterns as SimpleDateFormat prints them", () => {
  const d = new Date(2026, 0, 2, 3, 4, 5, 6);
  assert.equal(formatJavaDate('yyyy-MM-dd HH:mm:ss:SSS', d), '2026-01-02 03:04:05:006');
  assert.equal(formatJavaDate("yy/M/d 'at' H''mm", d), "26/1/2 at 3'04");
  assert.throws(() => formatJavaDate('yyyy Q', d), /Illegal pattern character 'Q'/);
});
