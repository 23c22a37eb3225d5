import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { raftMetricName, registerRaftMetrics, registerSnapshotEmitterMetrics } from '../../../src/observability/raft-metrics.ts';

test("raft metrics are named as the JMX exporter names Kafka's kafka.server:type=raft-metrics attributes", () => {
  assert.equal(raftMetricName('current-leader'), 'kafka_server_raft_metrics_current_leader');
  assert.equal(raftMetricName('commit-latency-avg'), 'kafka_server_raft_metrics_commit_latency_avg');
});

test('each scrape reads the raft client: numbers as gauges, NaN kept, the state as a label of one series', async () => {
  const registry = new Registry();
  let values: Record<string, number | string> = { 'current-state': 'follower', 'current-leader': 2, 'high-watermark': 41, 'commit-latency-avg': NaN };
  registerRaftMetrics(registry, () => values);
  let text = await registry.metrics();
  assert.match(text, /^kafka_server_raft_metrics_current_leader 2$/m);
  assert.match(text, /^kafka_server_raft_metrics_high_watermark 41$/m);
  // prom-client writes NaN as "Nan", which Prometheus parses (Go's ParseFloat ignores case).
  assert.match(text, /^kafka_server_raft_metrics_commit_latency_avg NaN$/im);
  assert.match(text, /^kafka_server_raft_metrics_current_state\{state="follower"\} 1$/m);
  assert.match(text, /^# HELP kafka_server_raft_metrics_current_epoch The current quorum epoch$/m);
  values = { 'current-state': 'leader', 'current-leader': 1, 'high-watermark': 50, 'commit-latency-avg': 3.5 };
  text = await registry.metrics();
  assert.match(text, /^kafka_server_raft_metrics_current_leader 1$/m);
  assert.match(text, /^kafka_server_raft_metrics_commit_latency_avg 3.5$/m);
  assert.match(text, /^kafka_server_raft_metrics_current_state\{state="leader"\} 1$/m);
  assert.doesNotMatch(text, /state="follower"/, 'only the current state has a series');
});

test('the snapshot emitter metrics read the emitter at each scrape', async () => {
  const registry = new Registry();
  const emitter = { latestSnapshotGeneratedBytes: 0, latestSnapshotGeneratedAgeMs: 10 };
  registerSnapshotEmitterMetrics(registry, emitter);
  emitter.latestSnapshotGeneratedBytes = 4096;
  const text = await registry.metrics();
  assert.match(text, /^kafka_server_snapshotemitter_latest_snapshot_generated_bytes 4096$/m);
  assert.match(text, /^kafka_server_snapshotemitter_latest_snapshot_generated_age_ms 10$/m);
});
