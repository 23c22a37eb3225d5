// The load generators of issue 19: `kafka-broker producer-perf-test` and `consumer-perf-test` against kcat
// (librdkafka) and Apache Kafka's own ProducerPerformance / ConsumerPerformance (kafka-tools 4.4 from ~/.m2, when
// there), on one broker, the same topic layout and the same client settings (acks=1, 1 MB batches, 5 ms linger; big
// fetches), runs of the three interleaved per round. A perf tool's throughput is what its own summary line reports
// (first send to last acknowledgement, or the consume time), since JVM and Node start-up are not load; kcat's is
// records over its wall time (start-up of a few ms included), so the ratio leans against our tools. The bar:
// >= 0.9x kcat in the same run.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { KAFKA_TOOLS_AVAILABLE, KAFKA_TOOLS_CLASSPATH } from '../../test/helpers/admin-tools.ts';
import { createTopics, deleteTopics } from '../lib/admin.ts';
import { BenchBroker } from '../lib/bench-broker.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import { CONSUMER_DEFAULTS, PRODUCER_DEFAULTS, runKcat } from '../lib/kcat.ts';
import { writeMessageFile } from '../lib/message-file.ts';
import type { Row } from '../lib/report.ts';
import { fmt, median } from '../lib/stats.ts';

const SECTION = 'Perf tools (vs kcat)';
const PRODUCE_PROPS = ['acks=1', 'batch.size=1000000', 'linger.ms=5'];

/** Runs a process to its end; its stdout, or an Error with its stderr on a non-zero exit. */
function runProcess(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2048)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/** records/s of a ProducerPerformance summary line ("N records sent, X records/sec ..."). */
function producerRate(out: string): number {
  const m = /(\d+) records sent, ([\d.]+) records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, /.exec(out);
  if (m === null) throw new Error(`no summary line in: ${out.slice(-500)}`);
  return Number(m[2]);
}

/** records/s (nMsg.sec) of a ConsumerPerformance summary line. */
function consumerRate(out: string, records: number): number {
  const line = out.trim().split('\n').at(-1)!.split(', ');
  if (Number(line[4]) !== records) throw new Error(`consumed ${line[4]} records, expected ${records}: ${out.slice(-500)}`);
  return Number(line[5]);
}

interface Case {
  readonly label: string;
  readonly recordBytes: number;
  readonly records: number;
}

/** The rows: produce (100 B and 1 KiB records) and consume, ours and Kafka's tools beside kcat. */
export async function runPerfTools(ctx: BenchContext): Promise<Row[]> {
  const dataDir = join(ctx.scratch, 'broker-perf-tools');
  const broker = await BenchBroker.start(dataDir);
  const bin = join(ctx.repo, 'bin', 'kafka-broker.js');
  const java = KAFKA_TOOLS_AVAILABLE;
  const rows: Row[] = [];
  try {
    const cases: Case[] = [
      { label: '100 B records', recordBytes: 100, records: ctx.options.smallRecords },
      { label: '1 KiB records', recordBytes: 1024, records: Math.round((ctx.options.produceMiB * 1024 * 1024) / 1024) },
    ];
    for (const c of cases) {
      const file = join(ctx.scratch, `perf-tools-${c.recordBytes}-${c.records}.txt`);
      writeMessageFile(file, c.records, c.recordBytes);
      const rates = { kcat: [] as number[], ours: [] as number[], kafka: [] as number[] };
      for (let r = 0; r < ctx.options.runs; r++) {
        const topic = `perf-produce-${c.recordBytes}-${r}`;
        await createTopics(broker.bootstrap, [{ topic, numPartitions: 1 }]);
        try {
          const kcat = await runKcat(['-P', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-X', 'acks=1', ...PRODUCER_DEFAULTS, '-l', file]);
          rates.kcat.push(c.records / kcat.wallSec);
          const args = ['--bootstrap-server', broker.bootstrap, '--topic', topic, '--num-records', String(c.records), '--record-size', String(c.recordBytes), '--throughput', '-1', '--command-property', ...PRODUCE_PROPS];
          rates.ours.push(producerRate(await runProcess(process.execPath, [bin, 'producer-perf-test', ...args])));
          if (java) rates.kafka.push(producerRate(await runProcess('java', ['-cp', KAFKA_TOOLS_CLASSPATH, 'org.apache.kafka.tools.ProducerPerformance', ...args])));
          ctx.progress('perf-tools', `produce ${c.label} run ${r + 1}: kcat ${fmt(rates.kcat.at(-1))}, ours ${fmt(rates.ours.at(-1))}, Kafka's ${fmt(rates.kafka.at(-1))} rec/s`);
        } finally {
          await deleteTopics(broker.bootstrap, [topic]);
        }
      }
      rows.push(...rateRows(`producer-perf-test, ${c.label}, acks=1`, rates, `${fmt(c.records)} records/run`));
    }
    // Consume: one topic filled by kcat, read whole by each tool.
    const records = Math.round((ctx.options.consumeMiB * 1024 * 1024) / 1024);
    const file = join(ctx.scratch, `perf-tools-1024-${records}.txt`);
    writeMessageFile(file, records, 1024);
    await createTopics(broker.bootstrap, [{ topic: 'perf-consume', numPartitions: 1 }]);
    await runKcat(['-P', '-b', broker.bootstrap, '-t', 'perf-consume', '-p', '0', '-X', 'acks=1', ...PRODUCER_DEFAULTS, '-l', file]);
    const rates = { kcat: [] as number[], ours: [] as number[], kafka: [] as number[] };
    for (let r = 0; r < ctx.options.runs; r++) {
      const kcat = await runKcat(['-C', '-b', broker.bootstrap, '-t', 'perf-consume', '-p', '0', '-o', 'beginning', '-e', '-q', '-c', String(records), '-f', '', ...CONSUMER_DEFAULTS]);
      rates.kcat.push(records / kcat.wallSec);
      // A new group per tool and run: each reads the topic from the start (a group resumes at its commits).
      const args = (tool: string) => ['--bootstrap-server', broker.bootstrap, '--topic', 'perf-consume', '--num-records', String(records), '--group', `perf-${tool}-${r}`, '--timeout', '30000', '--command-property', 'max.partition.fetch.bytes=16777216', '--command-property', 'fetch.max.bytes=52428800'];
      rates.ours.push(consumerRate(await runProcess(process.execPath, [bin, 'consumer-perf-test', ...args('ours')]), records));
      if (java) rates.kafka.push(consumerRate(await runProcess('java', ['-cp', KAFKA_TOOLS_CLASSPATH, 'org.apache.kafka.tools.ConsumerPerformance', ...args('kafka')]), records));
      ctx.progress('perf-tools', `consume run ${r + 1}: kcat ${fmt(rates.kcat.at(-1))}, ours ${fmt(rates.ours.at(-1))}, Kafka's ${fmt(rates.kafka.at(-1))} rec/s`);
    }
    rows.push(...rateRows('consumer-perf-test, 1 KiB records', rates, `${fmt(records)} records/run, 16 MiB partition fetches`));
  } finally {
    await broker.stop();
  }
  return rows;
}

function rateRows(figure: string, rates: { kcat: number[]; ours: number[]; kafka: number[] }, note: string): Row[] {
  const kcat = median(rates.kcat);
  const rows: Row[] = [{
    section: SECTION,
    figure: `${figure}: kafka-broker records/s`,
    value: median(rates.ours),
    unit: 'rec/s',
    baseline: { label: 'kcat (librdkafka)', value: kcat },
    target: { op: '>=', value: 0.9, on: 'ratio' },
    note,
  }];
  rows.push(rates.kafka.length === 0
    ? { section: SECTION, figure: `${figure}: Kafka's tool records/s`, unit: 'rec/s', text: 'skipped: kafka-tools 4.4 not in ~/.m2' }
    : { section: SECTION, figure: `${figure}: Kafka's tool records/s`, value: median(rates.kafka), unit: 'rec/s', baseline: { label: 'kcat (librdkafka)', value: kcat }, note: 'ProducerPerformance / ConsumerPerformance 4.4 on Java 17' });
  return rows;
}
