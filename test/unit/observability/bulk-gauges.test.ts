import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Registry } from 'prom-client';
import { forEachSliced, labelString, registerBulkGauges, scrapeRegistry } from '../../../src/observability/bulk-gauges.ts';

test('bulk gauges: one series per row and gauge after the registry\'s metrics, label values escaped, rows read at each scrape', async () => {
  const registry = new Registry();
  new Counter({ name: 'plain_total', help: 'a prom-client metric', registers: [registry] }).inc(2);
  let rows = [{ group: 'g"1\\x\ny', lag: 3 }, ...Array.from({ length: 4999 }, (_, i) => ({ group: `g${i}`, lag: i }))];
  registerBulkGauges(registry, [{ name: 'lag', help: 'the lag', value: (r) => r.lag }, { name: 'twice', help: 'twice the lag', value: (r) => 2 * r.lag }], () => rows, (r) => labelString([['consumergroup', r.group], ['partition', '0']]));
  let text = await scrapeRegistry(registry);
  assert.match(text, /^plain_total 2$/m);
  assert.match(text, /^# TYPE lag gauge$/m);
  assert.ok(text.includes('lag{consumergroup="g\\"1\\\\x\\ny",partition="0"} 3\n'), 'quote, backslash and newline escaped');
  assert.match(text, /^twice\{consumergroup="g4998",partition="0"\} 9996$/m);
  assert.equal(text.split('\n').filter((l) => l.startsWith('lag{')).length, 5000);
  rows = [];
  text = await scrapeRegistry(registry);
  assert.doesNotMatch(text, /^lag\{/m, 'series of rows gone are gone');
  assert.match(text, /^# TYPE twice gauge$/m);
});

test('a long bulk scrape yields to the event loop between slices: timers and I/O callbacks run while it writes', async () => {
  const registry = new Registry();
  const rows = Array.from({ length: 200_000 }, (_, i) => i);
  registerBulkGauges(registry, [{ name: 'slow', help: 'busy value', value: (r) => { let x = r; for (let k = 0; k < 200; k++) x = (x * 31 + k) % 1_000_003; return x; } }], () => rows, (r) => labelString([['row', String(r)]]));
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  try {
    const text = await scrapeRegistry(registry);
    assert.equal(text.split('\n').filter((l) => l.startsWith('slow{')).length, 200_000);
  } finally {
    clearInterval(ticker);
  }
  assert.ok(turns >= 2, `a timer ran ${turns} times during the scrape`);
});

test('forEachSliced visits every item once, in order, across its yields', async () => {
  const seen: number[] = [];
  await forEachSliced((function* () { for (let i = 0; i < 100_000; i++) yield i; })(), (i) => seen.push(i));
  assert.equal(seen.length, 100_000);
  assert.ok(seen.every((v, i) => v === i));
});
