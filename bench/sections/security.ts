// What security costs (issue 18's performance figures), each beside the plaintext figure of the same broker in the
// same run: produce and consume MB/s over TLS (kcat / librdkafka, 1 KiB records, one partition) with the broker's
// CPU per GB, and connection set-up rates (TCP connect + ApiVersions; TLS handshake; SASL PLAIN; SASL SCRAM-SHA-512)
// with the broker's CPU per connection. One broker serves PLAINTEXT, SSL and SASL_PLAINTEXT listeners at once.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestPki, type TestPki } from '../../test/helpers/tls-certificates.ts';
import { createTopics, deleteTopics } from '../lib/admin.ts';
import { BenchBroker } from '../lib/bench-broker.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import { CONSUMER_DEFAULTS, PRODUCER_DEFAULTS, runKcat } from '../lib/kcat.ts';
import type { Row } from '../lib/report.ts';
import { freePort } from '../lib/server-process.ts';
import { fmt, median } from '../lib/stats.ts';
import { measureConnectRate, type ConnectKind } from '../lib/connect-rate.ts';
import { RawKafkaClient } from '../../test/fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { SCRAM_SHA_512, scramSaltedPassword } from '../../src/security/sasl/scram-mechanism.ts';
import { messageFile } from './produce.ts';

const SECTION = 'Security (TLS, SASL)';
const SCRAM_USER = 'bench';
const SCRAM_PASSWORD = 'bench-secret';

interface Endpoints {
  plaintext: number;
  ssl: number;
  sasl: number;
}

/** kcat settings that reach the broker over `transport` (ssl: verifying the broker's certificate with the test CA). */
function kcatTransport(transport: 'plaintext' | 'ssl', ports: Endpoints, pki: TestPki): string[] {
  if (transport === 'plaintext') return ['-b', `127.0.0.1:${ports.plaintext}`];
  return ['-b', `127.0.0.1:${ports.ssl}`, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${pki.ca.certPath}`];
}

async function startSecuredBroker(ctx: BenchContext, pki: TestPki): Promise<{ broker: BenchBroker; ports: Endpoints }> {
  const ports: Endpoints = { plaintext: await freePort(), ssl: await freePort(), sasl: await freePort() };
  const keystore = join(pki.dir, 'bench-keystore.pem');
  writeFileSync(keystore, `${pki.server.key}\n${pki.server.cert}`);
  const at = (name: string, port: number): string => `${name}://127.0.0.1:${port}`;
  const broker = await BenchBroker.start(join(ctx.scratch, 'security-broker'), {
    port: ports.plaintext,
    overrides: {
      listeners: `${at('PLAINTEXT', ports.plaintext)},${at('SSL', ports.ssl)},${at('SASL_PLAINTEXT', ports.sasl)},CONTROLLER://127.0.0.1:0`,
      'advertised.listeners': `${at('PLAINTEXT', ports.plaintext)},${at('SSL', ports.ssl)},${at('SASL_PLAINTEXT', ports.sasl)}`,
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'listener.name.ssl.ssl.keystore.type': 'PEM',
      'listener.name.ssl.ssl.keystore.location': keystore,
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config':
        `org.apache.kafka.common.security.plain.PlainLoginModule required user_${SCRAM_USER}="${SCRAM_PASSWORD}";`,
    },
  });
  return { broker, ports };
}

interface Throughput {
  mbPerSec: number[];
  cpuSecPerGB: number[];
}

async function produceRuns(ctx: BenchContext, broker: BenchBroker, transport: 'plaintext' | 'ssl', ports: Endpoints, pki: TestPki, into: Throughput, round: number): Promise<void> {
  const file = messageFile(ctx, 1024);
  const topic = `security-produce-${transport}-${round}`;
  await createTopics(broker.bootstrap, [{ topic, numPartitions: 1 }]);
  try {
    const cpu0 = broker.cpuSeconds();
    const run = await runKcat(['-P', ...kcatTransport(transport, ports, pki), '-t', topic, '-p', '0', '-X', 'acks=1', ...PRODUCER_DEFAULTS, '-l', file.path]);
    into.cpuSecPerGB.push((broker.cpuSeconds() - cpu0) / (file.payloadBytes / 1e9));
    into.mbPerSec.push(file.payloadBytes / 1e6 / run.wallSec);
    ctx.progress('security', `produce over ${transport} run ${round + 1}: ${fmt(into.mbPerSec.at(-1))} MB/s`);
  } finally {
    await deleteTopics(broker.bootstrap, [topic]);
  }
}

async function consumeRun(ctx: BenchContext, broker: BenchBroker, transport: 'plaintext' | 'ssl', ports: Endpoints, pki: TestPki, data: { records: number; payloadBytes: number }, into: Throughput | undefined): Promise<void> {
  const records = into === undefined ? Math.min(65536, data.records) : data.records;
  const cpu0 = broker.cpuSeconds();
  const run = await runKcat(['-C', ...kcatTransport(transport, ports, pki), '-t', 'security-consume', '-p', '0', '-o', 'beginning', '-e', '-q',
    '-c', String(records), ...CONSUMER_DEFAULTS, '-f', '%o\\n']);
  if (into === undefined) return;
  into.cpuSecPerGB.push((broker.cpuSeconds() - cpu0) / (data.payloadBytes / 1e9));
  into.mbPerSec.push(data.payloadBytes / 1e6 / run.wallSec);
  ctx.progress('security', `consume over ${transport}: ${fmt(into.mbPerSec.at(-1))} MB/s`);
}

function throughputRows(what: string, plain: Throughput, tls: Throughput, baselineLabel: string): Row[] {
  return [
    {
      section: SECTION,
      figure: `${what} over SSL: MB/s`,
      value: median(tls.mbPerSec),
      unit: 'MB/s',
      baseline: { label: `${baselineLabel}, same broker`, value: median(plain.mbPerSec) },
      note: `1 KiB records, one partition, kcat; SSL is TLS 1.3 through node:tls (OpenSSL)`,
    },
    {
      section: SECTION,
      figure: `${what} over SSL: broker CPU-s per GB`,
      value: median(tls.cpuSecPerGB),
      unit: 'CPU-s/GB',
      digits: 2,
      baseline: { label: baselineLabel, value: median(plain.cpuSecPerGB), digits: 2 },
      note: 'lower is better; all broker threads',
    },
  ];
}

/** Creates the SCRAM-SHA-512 credential of the bench user (AlterUserScramCredentials over PLAINTEXT). */
async function addScramUser(port: number): Promise<void> {
  const client = await RawKafkaClient.connect(port);
  try {
    const salt = Buffer.from('bench-salt-0123456789');
    const response = await client.request<{ results: { errorCode: number; errorMessage: string | null }[] }>(ApiKeys.AlterUserScramCredentials, 0, {
      deletions: [],
      upsertions: [{ name: SCRAM_USER, mechanism: SCRAM_SHA_512.type, iterations: 4096, salt, saltedPassword: scramSaltedPassword(SCRAM_SHA_512, SCRAM_PASSWORD, salt, 4096) }],
    });
    const failed = response.results.find((r) => r.errorCode !== 0);
    if (failed !== undefined) throw new Error(`AlterUserScramCredentials failed: ${failed.errorCode} ${failed.errorMessage}`);
  } finally {
    await client.close();
  }
}

const CONNECT_KINDS: readonly { kind: ConnectKind; label: string }[] = [
  { kind: 'ssl', label: 'TLS handshake + ApiVersions' },
  { kind: 'sasl-plain', label: 'SASL PLAIN + ApiVersions' },
  { kind: 'sasl-scram-sha-512', label: 'SASL SCRAM-SHA-512 + ApiVersions' },
];

/**
 * Runs the security figures: produce and consume over SSL vs PLAINTEXT, and connection set-up rates. Returns rows
 * for the results table. @throws when the broker cannot start or kcat fails.
 */
export async function runSecurity(ctx: BenchContext): Promise<Row[]> {
  const pki = await createTestPki();
  const { broker, ports } = await startSecuredBroker(ctx, pki);
  const rows: Row[] = [];
  try {
    const produce = { plaintext: { mbPerSec: [], cpuSecPerGB: [] } as Throughput, ssl: { mbPerSec: [], cpuSecPerGB: [] } as Throughput };
    for (let r = 0; r < ctx.options.runs; r++) {
      await produceRuns(ctx, broker, 'plaintext', ports, pki, produce.plaintext, r);
      await produceRuns(ctx, broker, 'ssl', ports, pki, produce.ssl, r);
    }
    rows.push(...throughputRows('Produce, acks=1', produce.plaintext, produce.ssl, 'PLAINTEXT'));

    const file = messageFile(ctx, 1024);
    await createTopics(broker.bootstrap, [{ topic: 'security-consume', numPartitions: 1 }]);
    await runKcat(['-P', '-b', broker.bootstrap, '-t', 'security-consume', '-p', '0', '-X', 'acks=1', ...PRODUCER_DEFAULTS, '-l', file.path]);
    const data = { records: file.count, payloadBytes: file.payloadBytes };
    const consume = { plaintext: { mbPerSec: [], cpuSecPerGB: [] } as Throughput, ssl: { mbPerSec: [], cpuSecPerGB: [] } as Throughput };
    await consumeRun(ctx, broker, 'plaintext', ports, pki, data, undefined);
    for (let r = 0; r < ctx.options.runs; r++) {
      await consumeRun(ctx, broker, 'plaintext', ports, pki, data, consume.plaintext);
      await consumeRun(ctx, broker, 'ssl', ports, pki, data, consume.ssl);
    }
    rows.push(...throughputRows('Consume from page cache', consume.plaintext, consume.ssl, 'PLAINTEXT (sendfile)'));

    await addScramUser(ports.plaintext);
    // Every kind once per round, rounds interleaved, medians quoted: warm-up and machine noise fall on all kinds.
    const connections = ctx.options.runs === 1 ? 500 : 1000;
    const kinds = [{ kind: 'plaintext' as const, label: 'TCP connect + ApiVersions' }, ...CONNECT_KINDS];
    const rates = new Map<ConnectKind, { perSec: number[]; cpuMs: number[] }>(kinds.map((k) => [k.kind, { perSec: [], cpuMs: [] }]));
    for (let r = 0; r < Math.max(2, ctx.options.runs); r++) {
      for (const { kind, label } of kinds) {
        const port = kind === 'plaintext' ? ports.plaintext : kind === 'ssl' ? ports.ssl : ports.sasl;
        const res = await measureConnectRate(broker, { kind, port, ca: pki.ca.cert, username: SCRAM_USER, password: SCRAM_PASSWORD }, connections);
        rates.get(kind)!.perSec.push(res.perSec);
        rates.get(kind)!.cpuMs.push(res.brokerCpuMsPerConnection);
        ctx.progress('security', `${label} round ${r + 1}: ${fmt(res.perSec)} connections/s`);
      }
    }
    const plain = rates.get('plaintext')!;
    for (const { kind, label } of CONNECT_KINDS) {
      const res = rates.get(kind)!;
      rows.push({
        section: SECTION,
        figure: `Connection set-up, ${label}: connections/s`,
        value: median(res.perSec),
        unit: '/s',
        baseline: { label: 'TCP connect + ApiVersions, same broker', value: median(plain.perSec) },
        note: `${connections} connections per round, ${res.perSec.length} rounds, 8 at a time from one Node client (SCRAM: the client's PBKDF2 included); ` +
          `broker ${fmt(median(res.cpuMs), 3)} CPU-ms per connection (plaintext ${fmt(median(plain.cpuMs), 3)})`,
      });
    }
  } finally {
    await broker.stop();
    await pki.cleanup();
  }
  return rows;
}
