import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, waitFor } from '../../helpers/broker.ts';
import { freePorts } from '../quorum/in-process-nodes.ts';

/** Every sample of a Prometheus text exposition, by `name{labels}` ('name' alone without labels). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

test("the KRaft client's metrics and the snapshot emitter's are scraped from the Prometheus endpoint under Kafka's names", async () => {
  const [metricsPort] = await freePorts(1);
  const broker = await startBroker({ overrides: { 'metrics.prometheus.listener': `127.0.0.1:${metricsPort}`, 'metadata.log.max.record.bytes.between.snapshots': '200' } });
  try {
    const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: Array.from({ length: 5 }, (_, i) => ({ topic: `raft-metrics-${i}` })) });
    await admin.disconnect();
    const scrape = async (): Promise<Map<string, number>> => samples(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
    const raft = broker.server.shared.raft.client;
    const m = await waitFor('a snapshot written and the high watermark at the log end', async () => {
      const s = await scrape();
      return s.get('kafka_server_snapshotemitter_latest_snapshot_generated_bytes')! > 0 && s.get('kafka_server_raft_metrics_high_watermark') === Number(raft.logEndOffset) ? s : null;
    });
    assert.equal(m.get('kafka_server_raft_metrics_current_state{state="leader"}'), 1);
    assert.equal(m.get('kafka_server_raft_metrics_current_leader'), 1);
    assert.equal(m.get('kafka_server_raft_metrics_current_epoch'), raft.epoch);
    assert.equal(m.get('kafka_server_raft_metrics_log_end_offset'), Number(raft.logEndOffset));
    assert.equal(m.get('kafka_server_raft_metrics_number_of_voters'), 1);
    assert.equal(m.get('kafka_server_raft_metrics_number_of_observers'), 0);
    assert.equal(m.get('kafka_server_raft_metrics_uncommitted_voter_change'), 0);
    // Writes were committed: commit latency and append rate have samples (ms, records per second).
    assert.ok(m.get('kafka_server_raft_metrics_commit_latency_avg')! >= 0);
    assert.ok(m.get('kafka_server_raft_metrics_commit_latency_max')! >= m.get('kafka_server_raft_metrics_commit_latency_avg')!);
    assert.ok(m.get('kafka_server_raft_metrics_append_records_rate')! > 0);
    // A single voter elects itself without an election to time (NaN, as Kafka's), and fetches from nobody.
    for (const name of ['election_latency_avg', 'election_latency_max', 'fetch_records_rate', 'poll_idle_ratio_avg', 'current_vote', 'log_end_epoch']) {
      assert.ok(m.has(`kafka_server_raft_metrics_${name}`), name);
    }
  } finally {
    await broker.cleanup();
  }
});
