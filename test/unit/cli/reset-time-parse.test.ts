import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDateTime, parseDuration } from '../../../src/cli/reset-time-parse.ts';

test('--by-duration parses ISO-8601 durations as java.time.Duration', () => {
  assert.equal(parseDuration('P1D'), 86_400_000);
  assert.equal(parseDuration('PT1H30M'), 5_400_000);
  assert.equal(parseDuration('PT0.5S'), 500);
  assert.equal(parseDuration('P1DT2H3M4.005S'), 86_400_000 + 7_200_000 + 180_000 + 4_005);
  assert.equal(parseDuration('-PT1M'), -60_000);
  for (const bad of ['', 'P', 'PT', '1D', 'P1H', 'PT1D']) assert.throws(() => parseDuration(bad), /Text cannot be parsed to a Duration/, bad);
});

test('--to-datetime takes yyyy-MM-ddTHH:mm:ss.SSS with an optional zone', () => {
  assert.equal(parseDateTime('2024-01-02T03:04:05.678Z'), Date.UTC(2024, 0, 2, 3, 4, 5, 678));
  assert.equal(parseDateTime('2024-01-02T03:04:05.678+01:00'), Date.UTC(2024, 0, 2, 2, 4, 5, 678));
  assert.equal(parseDateTime('2024-01-02T03:04:05.678+0100'), Date.UTC(2024, 0, 2, 2, 4, 5, 678));
  assert.equal(parseDateTime('2024-01-02T03:04:05.678'), new Date(2024, 0, 2, 3, 4, 5, 678).getTime());
  assert.throws(() => parseDateTime('2024-01-02'), /does not contain a 'T'/);
  assert.throws(() => parseDateTime('2024-01-02T03:04'), /Error parsing timestamp with format/);
});
