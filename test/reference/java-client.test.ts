// Apache Kafka's own Java client (kafka-clients 4.4.0, from the reference jars) against our broker: Admin creates a
// topic, an idempotent producer (acks=all, lz4 or zstd) writes keyed records, and a consumer of each group protocol,
// classic and consumer (KIP-848), reads every record back in offset order and commits (java/ClientRoundTrip.java,
// run as a single-file program). Skipped when the reference jars are not resolved.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startBroker, type TestBroker } from '../helpers/broker.ts';
import { REFERENCE_KAFKA_AVAILABLE, runReferenceJava } from '../helpers/reference-kafka.ts';

const PROGRAM = fileURLToPath(new URL('./java/ClientRoundTrip.java', import.meta.url));
const COUNT = 500;

function results(stdout: string): Record<string, string> {
  return Object.fromEntries(stdout.split('\n').filter((l) => l.includes('=')).map((l) => l.split('=', 2) as [string, string]));
}

describe('Kafka 4.4 Java client against our broker', { skip: !REFERENCE_KAFKA_AVAILABLE && 'reference Kafka jars not resolved (mvn -f reference/pom.xml dependency:build-classpath)' }, () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startBroker();
  });
  after(async () => {
    await broker?.cleanup();
  });

  for (const [groupProtocol, compression] of [['classic', 'lz4'], ['consumer', 'zstd']] as const) {
    test(`idempotent producer (${compression}) and a ${groupProtocol} group consumer: every record read back in order, offsets committed`, async () => {
      const run = await runReferenceJava([PROGRAM, broker.bootstrap, `java-${groupProtocol}`, groupProtocol, compression, String(COUNT)], 120_000);
      assert.equal(run.code, 0, run.output);
      assert.deepEqual(results(run.stdout), { 'admin.partitions': '3', produced: String(COUNT), assigned: '3', committed: String(COUNT), consumed: String(COUNT) }, run.output);
    });
  }
});
