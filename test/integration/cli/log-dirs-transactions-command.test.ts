import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { KAFKA_TOOLS_AVAILABLE, kafkaBroker, kafkaTool, type ToolRun } from '../../helpers/admin-tools.ts';

// `kafka-broker log-dirs` and `kafka-broker transactions` against a running broker holding an open transaction
// (kafkajs, on txn-0 and txn-1) and a committed one (on txn-2), as processes, compared line for line with Kafka's
// LogDirsCommand and TransactionsCommand against the same broker when they are installed.

let broker: TestBroker;
let open: Producer;
before(async () => {
  broker = await startBroker();
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'log-dirs-transactions', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'txn', numPartitions: 3 }, { topic: 'plain', numPartitions: 2 }] });
  await admin.disconnect();
  const plain = kafka.producer();
  await plain.connect();
  await plain.send({ topic: 'plain', messages: [{ value: 'x', partition: 1 }] });
  await plain.disconnect();
  const done = kafka.producer({ transactionalId: 'tx-done', idempotent: true, maxInFlightRequests: 1 });
  await done.connect();
  const t = await done.transaction();
  await t.send({ topic: 'txn', messages: [{ value: 'c', partition: 2 }] });
  await t.commit();
  await done.disconnect();
  open = kafka.producer({ transactionalId: 'tx-open', idempotent: true, maxInFlightRequests: 1 });
  await open.connect();
  const u = await open.transaction();
  await u.send({ topic: 'txn', messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }] });
});
after(async () => {
  await open.disconnect();
  await broker.cleanup();
});

async function compare(mainClass: string, ours: ToolRun, args: string[], mask: (s: string) => string = (s) => s): Promise<void> {
  if (!KAFKA_TOOLS_AVAILABLE) return;
  const theirs = await kafkaTool(mainClass, args);
  assert.equal(mask(ours.stdout), mask(theirs.stdout), `${mainClass} ${args.join(' ')}`);
  assert.equal(ours.stderr.trimEnd(), theirs.stderr.trimEnd());
  assert.equal(ours.code, theirs.code);
}

test('log-dirs --describe prints the two lines and the JSON as Kafka, filtered by --topic-list', async () => {
  for (const extra of [[], ['--topic-list', 'plain,txn'], ['--broker-list', '1']]) {
    const args = ['--bootstrap-server', broker.bootstrap, '--describe', ...extra];
    const r = await kafkaBroker(['log-dirs', ...args]);
    assert.equal(r.code, 0, r.stderr);
    const [querying, received, json] = r.stdout.trimEnd().split('\n');
    assert.equal(querying, 'Querying brokers for log directories information');
    assert.equal(received, 'Received log directory information from brokers 1');
    const parsed = JSON.parse(json!) as { version: number; brokers: { broker: number; logDirs: { logDir: string; error: null; partitions: { partition: string; size: number }[] }[] }[] };
    assert.equal(parsed.version, 1);
    assert.equal(parsed.brokers[0]!.logDirs[0]!.logDir, `${broker.dataDir}/logs`);
    const partitions = parsed.brokers[0]!.logDirs[0]!.partitions;
    assert.ok(partitions.find((p) => p.partition === 'plain-1')!.size > 0);
    if (extra[0] === '--topic-list') assert.deepEqual(partitions.map((p) => p.partition).sort(), ['plain-0', 'plain-1', 'txn-0', 'txn-1', 'txn-2']);
    await compare('org.apache.kafka.tools.LogDirsCommand', r, args);
  }
});

test('log-dirs: a broker that is not in the cluster and a missing --describe', async () => {
  const args = ['--bootstrap-server', broker.bootstrap, '--describe', '--broker-list', '1,7'];
  const r = await kafkaBroker(['log-dirs', ...args]);
  assert.deepEqual(r, { code: 1, stdout: '', stderr: 'ERROR: The given brokers do not exist from --broker-list: 7. Current existent brokers: 1\n' });
  await compare('org.apache.kafka.tools.LogDirsCommand', r, args);
  const missing = await kafkaBroker(['log-dirs', '--bootstrap-server', broker.bootstrap]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.split('\n')[0], 'Missing required argument "[describe]"');
});

const transactions = (...args: string[]) => kafkaBroker(['transactions', '--bootstrap-server', broker.bootstrap, ...args]);
const cells = (r: ToolRun) => r.stdout.trimEnd().split('\n').map((l) => l.split('\t').map((c) => c.trim()).filter((c, i, all) => i < all.length - 1 || c !== ''));

test('transactions list, describe and describe-producers print the tables of kafka-transactions', async () => {
  const listed = await transactions('list');
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(cells(listed).slice(1).sort(), [['tx-done', '1', cells(listed)[1]![2]!, 'CompleteCommit'], ['tx-open', '1', cells(listed)[2]![2]!, 'Ongoing']].sort());
  await compare('org.apache.kafka.tools.TransactionsCommand', listed, ['--bootstrap-server', broker.bootstrap, 'list']);
  const described = await transactions('describe', '--transactional-id', 'tx-open');
  assert.equal(described.code, 0, described.stderr);
  const row = cells(described)[1]!;
  assert.deepEqual([row[0], row[1], row[4], row[5], row[8]!.split(',').sort().join(',')], ['1', 'tx-open', 'Ongoing', '60000', 'txn-0,txn-1']);
  // TransactionDurationMs is now minus the start: it differs between two runs.
  const withoutDuration = (s: string) => s.split('\n').map((l, i) => (i === 1 ? l.split('\t').map((c, j) => (j === 7 ? '' : c)).join('\t') : l)).join('\n');
  await compare('org.apache.kafka.tools.TransactionsCommand', described, ['--bootstrap-server', broker.bootstrap, 'describe', '--transactional-id', 'tx-open'], withoutDuration);
  const producers = await transactions('describe-producers', '--topic', 'txn', '--partition', '0');
  assert.equal(cells(producers)[0]!.join(','), 'ProducerId,ProducerEpoch,LatestCoordinatorEpoch,LastSequence,LastTimestamp,CurrentTransactionStartOffset');
  assert.equal(cells(producers)[1]![5], '0');
  await compare('org.apache.kafka.tools.TransactionsCommand', producers, ['--bootstrap-server', broker.bootstrap, 'describe-producers', '--topic', 'txn', '--partition', '0']);
  const none = await transactions('describe', '--transactional-id', 'nope');
  assert.deepEqual(none, { code: 1, stdout: '', stderr: 'Failed to describe transaction state of transactional-id `nope`: DescribeTransactions request for transactionalId `nope` failed because the ID could not be found. Enable debug logging for additional detail.\n' });
  await compare('org.apache.kafka.tools.TransactionsCommand', none, ['--bootstrap-server', broker.bootstrap, 'describe', '--transactional-id', 'nope']);
});

test('find-hanging sees no hanging transaction while the coordinator has it; abort --start-offset writes the marker', async () => {
  const hanging = await transactions('find-hanging', '--topic', 'txn', '--max-transaction-timeout', '0');
  assert.equal(hanging.stdout, 'Topic\tPartition\tProducerId\tProducerEpoch\tCoordinatorEpoch\tStartOffset\tLastTimestamp\tDuration(min)\t\n');
  await compare('org.apache.kafka.tools.TransactionsCommand', hanging, ['--bootstrap-server', broker.bootstrap, 'find-hanging', '--topic', 'txn', '--max-transaction-timeout', '0']);
  const wrong = await transactions('abort', '--topic', 'txn', '--partition', '1', '--start-offset', '5');
  assert.deepEqual(wrong, { code: 1, stdout: '', stderr: 'Could not find any open transactions starting at offset 5 on partition txn-1\n' });
  await compare('org.apache.kafka.tools.TransactionsCommand', wrong, ['--bootstrap-server', broker.bootstrap, 'abort', '--topic', 'txn', '--partition', '1', '--start-offset', '5']);
  const aborted = await transactions('abort', '--topic', 'txn', '--partition', '1', '--start-offset', '0');
  assert.deepEqual(aborted, { code: 0, stdout: '', stderr: '' });
  const after = await transactions('describe-producers', '--topic', 'txn', '--partition', '1');
  assert.equal(cells(after)[1]![5], 'None');
  const unidentified = await transactions('abort', '--topic', 'txn', '--partition', '1');
  assert.equal(unidentified.code, 1);
  assert.match(unidentified.stderr, /^The transaction to abort must be identified either with --start-offset/);
  const scope = await transactions('find-hanging');
  assert.deepEqual(scope, { code: 1, stdout: '', stderr: 'The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search\n' });
});
