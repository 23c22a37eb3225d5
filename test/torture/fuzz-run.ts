// A protocol fuzz run against one broker process (issue 16 item 5): FrameGenerator frames on several connections
// while a kafkajs producer (acks=all, idempotent) and consumer keep working on their own topic. After it: the
// broker is alive and answers; its heap came back near the baseline taken before the fuzzing (1.5x + 32 MB); every acknowledged
// record was consumed exactly once, in order; and after a clean restart over the same log a fresh consumer reads
// the same records again (the log was not corrupted).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker.ts';
import { FrameGenerator, fuzzBroker, type FuzzStats } from './protocol-fuzzer.ts';
import { freePorts } from '../cluster/test-cluster.ts';

/** What a fuzz run found. */
export interface FuzzResult {
  stats: FuzzStats;
  /** (API, version) pairs the generator drew from. */
  coverage: number;
  brokerAlive: boolean;
  /** Heap used by the broker (bytes): before fuzzing, at its peak reading during, and after the connections closed. */
  heap: { baselineBytes: number; peakBytes: number; afterBytes: number };
  /** Acknowledged records of the well-behaved producer, and what the consumers saw. */
  workload: { acknowledged: number; consumedLive: number; missingLive: number; duplicatesLive: number; consumedAfterRestart: number; matchesAfterRestart: boolean };
  durationMs: number;
}

const TOPIC = 'fuzz-workload';


async function heapUsed(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const m = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  if (m === null) throw new Error('the broker serves no nodejs_heap_size_used_bytes');
  return Number(m[1]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads `topic` partition 0 from the beginning with a new group until `count` records or `timeoutMs`. */
async function readAll(kafka: Kafka, count: number, timeoutMs: number): Promise<number[]> {
  const seen: number[] = [];
  const consumer: Consumer = kafka.consumer({ groupId: `fuzz-verify-${Date.now()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(Number(message.value!.toString())) });
  const deadline = Date.now() + timeoutMs;
  while (seen.length < count && Date.now() < deadline) await sleep(100);
  await consumer.disconnect();
  return seen;
}

/**
 * Runs `frames` fuzzed frames (seeded) against a fresh broker process with the well-behaved workload beside them.
 * @throws Error when the broker cannot start; everything found is in the result.
 */
export async function runFuzz(options: { frames: number; seed: number; connections?: number; log?: (line: string) => void }): Promise<FuzzResult> {
  const log = options.log ?? ((l: string) => process.stderr.write(`[fuzz] ${l}\n`));
  const t0 = performance.now();
  const dataDir = await mkdtemp(join(tmpdir(), 'fuzz-broker-'));
  const metricsPort = (await freePorts(1))[0]!;
  const overrides = { 'metrics.prometheus.listener': `127.0.0.1:${metricsPort}`, 'auto.create.topics.enable': 'false' };
  let broker: BrokerProcess | undefined;
  try {
    broker = await startBrokerProcess(dataDir, { overrides });
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
    await admin.disconnect();

    const acknowledged: number[] = [];
    const consumed: number[] = [];
    let producing = true;
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const producerLoop = (async () => {
      for (let v = 0; producing; v++) {
        try {
          await producer.send({ topic: TOPIC, acks: -1, messages: [{ value: String(v) }] });
          acknowledged.push(v);
        } catch (e) {
          log(`well-behaved producer: ${(e as Error).message}`);
        }
        await sleep(5);
      }
    })();
    const consumer = kafka.consumer({ groupId: 'fuzz-live', maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void consumed.push(Number(message.value!.toString())) });

    await sleep(2000);
    const baselineBytes = await heapUsed(metricsPort);
    let peakBytes = baselineBytes;
    const sampler = setInterval(() => void heapUsed(metricsPort).then((h) => (peakBytes = Math.max(peakBytes, h)), () => undefined), 1000);
    const generator = await FrameGenerator.create(options.seed);
    log(`fuzzing: ${options.frames} frames over ${generator.coverage} (API, version) pairs, heap baseline ${(baselineBytes / 1e6).toFixed(1)} MB`);
    const stats = await fuzzBroker(generator, { host: '127.0.0.1', port: broker.port, frames: options.frames, connections: options.connections ?? 16, mutateProbability: 0.8 });
    clearInterval(sampler);
    log(`sent ${stats.frames} frames (${stats.mutated} mutated), ${stats.responses} responses, ${stats.closedByBroker} connections closed by the broker, ${stats.idleRecycled} recycled idle`);

    // The heap after the fuzzing connections closed: V8 collects lazily, so give it a while to come back down.
    let afterBytes = await heapUsed(metricsPort);
    const allowance = baselineBytes * 1.5 + 32e6;
    for (let i = 0; i < 60 && afterBytes > allowance; i++) {
      await sleep(500);
      afterBytes = await heapUsed(metricsPort);
    }
    const brokerAlive = broker.child.exitCode === null && broker.child.signalCode === null;

    producing = false;
    await producerLoop;
    await producer.disconnect();
    const liveDeadline = Date.now() + 30_000;
    while (consumed.length < acknowledged.length && Date.now() < liveDeadline) await sleep(100);
    await consumer.disconnect();
    const consumedSet = new Set(consumed);
    const missingLive = acknowledged.filter((v) => !consumedSet.has(v)).length;
    const duplicatesLive = consumed.length - consumedSet.size;

    await broker.kill('SIGTERM');
    broker = await startBrokerProcess(dataDir, { overrides, port: broker.port });
    const again = await readAll(new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }), acknowledged.length, 30_000);
    const ackedSet = new Set(acknowledged);
    const matchesAfterRestart = again.filter((v) => ackedSet.has(v)).join(',') === acknowledged.join(',');
    return {
      stats,
      coverage: generator.coverage,
      brokerAlive,
      heap: { baselineBytes, peakBytes, afterBytes },
      workload: { acknowledged: acknowledged.length, consumedLive: consumed.length, missingLive, duplicatesLive, consumedAfterRestart: again.length, matchesAfterRestart },
      durationMs: performance.now() - t0,
    };
  } finally {
    await broker?.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}
