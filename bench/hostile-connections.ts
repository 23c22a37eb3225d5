// Issue 13 item 7: broker RSS under connections that announce large request frames and send most of them, while a
// real client (kafkajs) keeps producing with acks=all and reads everything back afterwards.
//
//   node bench/hostile-connections.ts [--connections 20] [--announce-mb 100] [--send-mb 90]
//       [--queued-max-request-bytes 268435456|-1] [--handshake] [--settle-ms 10000]
//
// --handshake makes every attacking connection send a valid ApiVersions request first (past the broker's
// first-request frame limit, so the attack meets the queued.max.request.bytes budget). Prints one JSON line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBrokerProcess } from '../test/helpers/broker.ts';
import { HostileConnection, LegitClient, RssSampler, rssOf } from '../test/integration/network/hostile-client.ts';

const MB = 1_000_000;

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '20' },
    'announce-mb': { type: 'string', default: '100' },
    'send-mb': { type: 'string', default: '90' },
    'queued-max-request-bytes': { type: 'string', default: '-1' },
    handshake: { type: 'boolean', default: false },
    'settle-ms': { type: 'string', default: '10000' },
  },
});
const connections = Number(values.connections);
const announcedBytes = Number(values['announce-mb']) * MB;
const sendBytes = Number(values['send-mb']) * MB;
const budget = values['queued-max-request-bytes']!;
const settleMs = Number(values['settle-ms']);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const dataDir = await mkdtemp(join(tmpdir(), 'hostile-bench-'));
const broker = await startBrokerProcess(dataDir, { overrides: { 'queued.max.request.bytes': budget } });
const pid = broker.child.pid!;
try {
  const client = await LegitClient.connect(broker.bootstrap);
  await client.send();
  const idleRssBytes = rssOf(pid);

  const sampler = new RssSampler(pid);
  client.startProducing(50);
  const attackStart = Date.now();
  const ackedAtAttack = client.acked;
  const attackers = await Promise.all(
    Array.from({ length: connections }, () => HostileConnection.open({ port: broker.port, announcedBytes, sendBytes, handshake: values.handshake! })),
  );
  // Until every attacker is done, closed, or stalled (the broker stopped reading it) for 3 s.
  const quiet = (): boolean => attackers.every((a) => a.done || a.closed || Date.now() - a.lastProgressMs > 3000);
  while (!quiet()) await sleep(100);
  const sendPhaseMs = Date.now() - attackStart;
  await sleep(settleMs);
  const ackedDuringAttack = client.acked - ackedAtAttack;
  const peakRssBytes = sampler.stop();
  await client.stopProducing();
  const attackersClosedByBroker = attackers.filter((a) => a.closed).length;
  for (const a of attackers) a.close();
  const consumed = await client.consumeAll();

  console.log(JSON.stringify({
    connections,
    announcedBytes,
    sendBytes,
    queuedMaxRequestBytes: Number(budget),
    handshake: values.handshake,
    idleRssMiB: +(idleRssBytes / 2 ** 20).toFixed(1),
    peakRssMiB: +(peakRssBytes / 2 ** 20).toFixed(1),
    attackerBytesSentMiB: +(attackers.reduce((n, a) => n + a.sentBytes, 0) / 2 ** 20).toFixed(1),
    attackersClosedByBroker,
    sendPhaseMs,
    ackedDuringAttack,
    maxAckMs: client.maxAckMs,
    produced: client.acked,
    consumed,
  }));
} finally {
  await broker.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
}
