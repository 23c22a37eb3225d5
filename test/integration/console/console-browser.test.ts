// The web console end to end in headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH) driven by
// playwright-core: the assets are built from web/ first (as `npm ci` does), a broker serves them on
// console.listener, kafkajs makes the traffic. Pages render, a topic kafkajs created appears, its records show,
// and a group's lag chart follows records produced after its commit. Screenshots go to test-artifacts/console/
// (gitignored), kept by CI as artifacts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { eventually, freePort } from '../../helpers/console-http.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';

const { Kafka, logLevel } = kafkajs;
const REPO = new URL('../../..', import.meta.url).pathname;
const SCREENSHOTS = join(REPO, 'test-artifacts', 'console');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

let broker: TestBroker;
let browser: Browser;
let page: Page;
let base: string;

before(async () => {
  // The assets under test are those of this checkout's web/ sources (Vite, about a second).
  await promisify(execFile)(process.execPath, [join(REPO, 'web', 'build.ts')], { cwd: REPO });
  await mkdir(SCREENSHOTS, { recursive: true });
  const port = await freePort();
  broker = await startBroker({ overrides: { 'console.listener': `127.0.0.1:${port}` } });
  base = `http://127.0.0.1:${port}/`;
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
});

after(async () => {
  await browser?.close();
  await broker?.cleanup();
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

test('the console\'s pages render over a live broker and follow kafkajs traffic', async () => {
  const kafka = new Kafka({ clientId: 'console-browser-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    await page.goto(base);
    await page.getByTestId('active-controller').filter({ hasText: '1' }).waitFor();
    assert.equal(await page.getByTestId('quorum-state').textContent(), 'Leader');
    assert.equal(await page.getByTestId('brokers').locator('tbody tr').count(), 1);

    await admin.createTopics({ topics: [{ topic: 'browser-topic', numPartitions: 2 }], waitForLeaders: true });
    await producer.send({ topic: 'browser-topic', messages: Array.from({ length: 5 }, (_, i) => ({ partition: 0, key: `key-${i}`, value: JSON.stringify({ order: i, item: 'book' }) })) });
    // The rate charts plot the produce once a sample saw it.
    await page.locator('[data-testid="produce-rate-chart"]:not([data-max="0"]):not([data-max=""])').waitFor();
    await shot('cluster');

    await page.getByRole('link', { name: 'Topics' }).click();
    await page.locator('tr[data-topic="browser-topic"]').waitFor();
    await shot('topics');

    await page.getByRole('link', { name: 'browser-topic' }).click();
    await page.getByTestId('partitions').locator('tbody tr').nth(1).waitFor();
    assert.deepEqual(await page.getByTestId('partitions').locator('tbody tr').first().locator('td').allTextContents().then((c) => c.slice(0, 4)), ['0', '1', '1', '1']);
    await shot('topic');

    await page.getByRole('link', { name: 'Browse messages' }).click();
    await page.locator('[data-testid="messages"] tr[data-offset="4"]').waitFor();
    await page.getByTestId('format').selectOption('json');
    await page.locator('[data-testid="messages"] tr[data-offset="0"] td pre', { hasText: '"order": 0' }).waitFor();
    // Live tail: a record produced now appears without another click.
    await page.getByTestId('tail').check();
    await producer.send({ topic: 'browser-topic', messages: [{ partition: 0, key: 'tailed', value: '{"order":5}' }] });
    await page.locator('[data-testid="messages"] tr[data-offset="5"]').waitFor();
    await shot('messages');

    // A group that committed everything, then records arrive: its lag chart rises to them.
    // Committed as an admin tool does (generation -1, no member), which is quicker than kafkajs' setOffsets (a join).
    const client = await RawKafkaClient.connect(broker.port);
    try {
      // FindCoordinator creates __consumer_offsets; commits answer NOT_COORDINATOR / loading until it is led here.
      await eventually(async () => {
        await client.request(ApiKeys.FindCoordinator, 1, { key: 'browser-group', keyType: 0 });
        const commit = await client.request<{ topics: { partitions: { errorCode: number }[] }[] }>(ApiKeys.OffsetCommit, 2, {
          groupId: 'browser-group', generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1n,
          topics: [{ name: 'browser-topic', partitions: [{ partitionIndex: 0, committedOffset: 6n, committedMetadata: null }, { partitionIndex: 1, committedOffset: 0n, committedMetadata: null }] }],
        });
        return commit.topics[0]!.partitions.every((p) => p.errorCode === 0);
      }, 'the group\'s offsets were committed');
    } finally {
      await client.close();
    }
    await page.getByRole('link', { name: 'Consumer groups' }).click();
    await page.locator('tr[data-group="browser-group"]').waitFor();
    await page.getByRole('link', { name: 'browser-group' }).click();
    await page.locator('[data-testid="lag-chart"][data-last="0"]').waitFor();
    const pointsBefore = Number(await page.getByTestId('lag-chart').getAttribute('data-points'));
    await producer.send({ topic: 'browser-topic', messages: Array.from({ length: 12 }, (_, i) => ({ partition: i % 2, value: `late-${i}` })) });
    await page.locator('[data-testid="lag-chart"][data-last="12"]').waitFor();
    assert.ok(Number(await page.getByTestId('lag-chart').getAttribute('data-points')) > pointsBefore, 'the chart gained points');
    assert.equal(await page.getByTestId('total-lag').textContent(), '12');
    await shot('group');
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
});
