// kcat's balanced consumer (-G, librdkafka's classic consumer group: FindCoordinator v2, JoinGroup v5,
// OffsetCommit v7, OffsetFetch v7) against a real broker: two members split the partitions, and when one is
// killed the other takes over its partitions from the committed offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, waitFor } from '../../helpers/broker.ts';
import { requireGroupApis } from './coordinator-test-kit.ts';

interface KcatMember {
  child: ChildProcess;
  records: string[];
  /** Partitions of the latest "assigned:" rebalance line. */
  assigned: number[];
}

function kcatMember(bootstrap: string, group: string, topic: string): KcatMember {
  const child = spawn('kcat', [
    '-b', bootstrap, '-G', group, topic, '-u', '-f', '%p:%s\\n',
    '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=500', '-X', 'auto.commit.interval.ms=200',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const m: KcatMember = { child, records: [], assigned: [] };
  createInterface({ input: child.stdout! }).on('line', (l) => m.records.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => {
    // "% Group g rebalanced (memberid ...): assigned: t [0], t [2]" / "... revoked: ..."
    const i = l.indexOf('assigned:');
    if (i >= 0) m.assigned = [...l.slice(i).matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1])).sort((a, b) => a - b);
    else if (l.includes('revoked:')) m.assigned = [];
  });
  return m;
}

test('kcat -G: two members split the partitions; a killed member\'s partitions go to the other, resuming from commits', { timeout: 90_000 }, async (t) => {
  const broker = await startBroker();
  if (!(await requireGroupApis(t, broker.port))) return broker.cleanup();
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const members: KcatMember[] = [];
  try {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kc', numPartitions: 4 }] });
    const producer = kafka.producer();
    await producer.connect();
    const send = (from: number, n: number) => producer.send({ topic: 'kc', messages: Array.from({ length: n }, (_, i) => ({ value: `v${from + i}`, partition: (from + i) % 4 })) });
    members.push(kcatMember(broker.bootstrap, 'kcat-group', 'kc'), kcatMember(broker.bootstrap, 'kcat-group', 'kc'));
    await waitFor('two kcat members with 2 partitions each', () => members.every((m) => m.assigned.length === 2), 60_000);
    assert.deepEqual([...members[0]!.assigned, ...members[1]!.assigned].sort(), [0, 1, 2, 3]);
    await send(0, 40);
    const values = () => new Set(members.flatMap((m) => m.records.map((r) => r.slice(r.indexOf(':') + 1))));
    await waitFor('all 40 records consumed once across the group', () => values().size === 40, 30_000);
    // Let the auto-commits land, then kill one member without LeaveGroup.
    await waitFor('offsets committed for every partition', async () => {
      const o = await admin.fetchOffsets({ groupId: 'kcat-group', topics: ['kc'] });
      return o[0]!.partitions.every((p) => Number(p.offset) === 10);
    }, 15_000);
    const [dead, alive] = members as [KcatMember, KcatMember];
    dead.child.kill('SIGKILL');
    await send(40, 40);
    await waitFor('the survivor owns all 4 partitions', () => alive.assigned.length === 4, 40_000);
    await waitFor('the survivor reads every new record', () => {
      const got = new Set(alive.records.map((r) => r.slice(r.indexOf(':') + 1)));
      return Array.from({ length: 40 }, (_, i) => `v${40 + i}`).every((v) => got.has(v));
    }, 30_000);
    // Committed offsets were honoured: nothing from before the kill is read twice by the survivor.
    const old = alive.records.map((r) => r.slice(r.indexOf(':') + 1)).filter((v) => Number(v.slice(1)) < 40);
    assert.equal(new Set(old).size, old.length, 'no record read twice');
    const groups = await admin.describeGroups(['kcat-group']);
    assert.equal(groups.groups[0]!.members.length, 1);
    await producer.disconnect();
    await admin.disconnect();
  } finally {
    for (const m of members) m.child.kill('SIGKILL');
    await broker.cleanup();
  }
});
