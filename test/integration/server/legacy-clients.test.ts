// Old clients, played by kcat with ApiVersions off and broker.version.fallback=0.9.0 (librdkafka then speaks
// Produce/Fetch v0-v1 with magic 0 message sets; for a 0.10+ fallback it asks ApiVersions anyway, so magic 1 is
// covered by api-version-matrix.test.ts instead): what they write is stored as v2 batches (no timestamp: -1) and
// read back by modern clients; what modern clients write is down-converted for them (headers and timestamps
// dropped); zstd cannot be down-converted. Each codec an old client could use.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { join } from 'node:path';
import { KCAT_RECORD_FORMAT, kcatConsumeAll, parseKcatRecords, runKcat } from '../../fixtures/e2e/kcat.ts';
import { readStoredPartition } from '../../fixtures/e2e/partition-files.ts';

const INPUT = ['k1:v1', 'k2:value two', `k3:${'x'.repeat(300)}`, 'k4:'];
const WANT = INPUT.map((l) => l.split(':') as [string, string]);

const LEGACY = ['-X', 'api.version.request=false', '-X', 'broker.version.fallback=0.9.0'];

describe('old clients (magic 0) through kcat', () => {
  let broker: TestBroker;

  before(async () => {
    broker = await startBroker();
  });
  after(async () => {
    await broker.cleanup();
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4']) {
    test(`magic 0, ${codec}: written by an old client, read by old and new ones`, async () => {
      const topic = `legacy-${codec}`;
      await runKcat(['-P', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-K', ':', '-z', codec, ...LEGACY], { input: INPUT.map((l) => `${l}\n`).join('') });

      const modern = await kcatConsumeAll(broker.bootstrap, topic, 0);
      assert.deepEqual(modern.map((r) => [r.offset, r.key!.toString(), r.value!.toString(), r.timestamp]), WANT.map(([k, v], i) => [i, k, v, -1]));

      const { stdout } = await runKcat(['-C', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', KCAT_RECORD_FORMAT, ...LEGACY]);
      assert.deepEqual(parseKcatRecords(stdout).map((r) => [r.offset, r.key!.toString(), r.value!.toString()]), WANT.map(([k, v], i) => [i, k, v]));
    });
  }

  test('records written by a modern client are down-converted for old ones (headers dropped); zstd cannot be', async () => {
    await runKcat(['-P', '-b', broker.bootstrap, '-t', 'modern-gzip', '-p', '0', '-K', ':', '-z', 'gzip', '-H', 'h=v'], { input: INPUT.map((l) => `${l}\n`).join('') });
    const modern = await kcatConsumeAll(broker.bootstrap, 'modern-gzip', 0);
    assert.deepEqual(modern.map((r) => r.headers), WANT.map(() => [['h', 'v']]));
    const { stdout } = await runKcat(['-C', '-b', broker.bootstrap, '-t', 'modern-gzip', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', KCAT_RECORD_FORMAT, ...LEGACY]);
    const old = parseKcatRecords(stdout);
    // kcat prints 0 for a message without a timestamp.
    assert.deepEqual(old.map((r) => [r.offset, r.key!.toString(), r.value!.toString(), r.headers, r.timestamp]), WANT.map(([k, v], i) => [i, k, v, [], 0]));

    // Long and repetitive, so librdkafka really compresses it (it sends a batch plain when zstd would not shrink it).
    await runKcat(['-P', '-b', broker.bootstrap, '-t', 'modern-zstd', '-p', '0', '-z', 'zstd'], { input: `${'compressed with zstd '.repeat(200)}\n` });
    assert.deepEqual((await readStoredPartition(join(broker.dataDir, 'logs'), 'modern-zstd', 0)).batches.map((b) => b.compression), [4]);
    const zstd = await runKcat(['-C', '-b', broker.bootstrap, '-t', 'modern-zstd', '-p', '0', '-o', 'beginning', '-e', '-q', ...LEGACY], { allowFailure: true, timeoutMs: 20_000 });
    assert.equal(zstd.stdout.length, 0);
    assert.match(zstd.stderr, /compression|Unsupported/i);
  });
});
