// Issue 13 item 7 at CI scale, against a broker process: connections that announce large request frames and send
// most of them cannot grow the broker's memory past a bound derived from queued.max.request.bytes, while a real
// client keeps producing (acks=all) and reads everything back. bench/hostile-connections.ts runs the full size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess, waitFor } from '../../helpers/broker.ts';
import { HostileConnection, LegitClient, RssSampler, rssOf } from './hostile-client.ts';

const MiB = 1024 * 1024;
const BUDGET = 32 * MiB;
/** FramePool's cap on recycled memory kept idle (DEFAULT_MAX_IDLE_BYTES). */
const POOL_IDLE_CAP = 64 * MiB;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('announced-but-unsent frames: broker RSS stays within the request budget while a client produces and consumes', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'hostile-test-'));
  const broker = await startBrokerProcess(dataDir, {
    overrides: { 'queued.max.request.bytes': String(BUDGET), 'socket.request.max.bytes': String(BUDGET) },
  });
  const attackers: HostileConnection[] = [];
  t.after(async () => {
    for (const a of attackers) a.close();
    await broker.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });
  const client = await LegitClient.connect(broker.bootstrap);
  for (let i = 0; i < 20; i++) await client.send();
  const idleBytes = rssOf(broker.child.pid!);

  // Without the memory budget these would hold 16 x 25 MB = 400 MB of request bytes in the broker.
  const sampler = new RssSampler(broker.child.pid!);
  client.startProducing(20);
  const ackedBefore = client.acked;
  for (let i = 0; i < 16; i++) {
    attackers.push(await HostileConnection.open({ port: broker.port, announcedBytes: 30_000_000, sendBytes: 25_000_000, handshake: true }));
  }
  // Until every attacker finished or stalled (the broker stopped reading it) for 2 s.
  await waitFor('the attackers to stall', () => attackers.every((a) => a.done || a.closed || Date.now() - a.lastProgressMs > 2000), 60_000, 100);
  await sleep(1000);
  const peakBytes = sampler.stop();
  const ackedDuringAttack = client.acked - ackedBefore;
  await client.stopProducing();

  const growthMiB = (peakBytes - idleBytes) / MiB;
  const boundMiB = (BUDGET + BUDGET + POOL_IDLE_CAP) / MiB;
  t.diagnostic(`idle RSS ${(idleBytes / MiB).toFixed(0)} MiB, peak ${(peakBytes / MiB).toFixed(0)} MiB, ${ackedDuringAttack} produce acks during the attack`);
  // The budget, plus one frame of overshoot (Kafka's non-strict pool), plus the frame pool's idle memory.
  assert.ok(growthMiB < boundMiB, `RSS grew by ${growthMiB.toFixed(0)} MiB, more than ${boundMiB} MiB`);
  assert.ok(attackers.filter((a) => a.done).length <= 2, 'the broker stopped reading most attackers (muted)');
  assert.ok(attackers.every((a) => !a.closed), 'muted, not disconnected');
  assert.ok(ackedDuringAttack >= 10, `the client kept producing (${ackedDuringAttack} acks)`);

  // A connection whose first frame is large is closed before anything is allocated (first-request limit).
  const stranger = await HostileConnection.open({ port: broker.port, announcedBytes: 30_000_000, sendBytes: 5_000_000, handshake: false });
  await waitFor('the stranger to be closed', () => stranger.closed);

  for (const a of attackers) a.close();
  assert.equal(await client.consumeAll(), client.acked, 'every acknowledged record is read back');
});
