import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerMetrics } from '../../../src/observability/metrics.ts';

test('requestMetrics and topicIn are cached labelled children that count into the registry', async () => {
  const metrics = new BrokerMetrics();
  const produce9 = metrics.requestMetrics('Produce', 9);
  assert.equal(metrics.requestMetrics('Produce', 9), produce9, 'cached');
  assert.notEqual(metrics.requestMetrics('Produce', 10), produce9);
  produce9.count.inc();
  produce9.count.inc();
  metrics.requestMetrics('Produce', 10).count.inc();
  const end = produce9.latency.startTimer();
  end();
  const topic = metrics.topicIn('orders');
  assert.equal(metrics.topicIn('orders'), topic);
  topic.bytes.inc(1000);
  topic.messages.inc(3);
  const text = await metrics.registry.metrics();
  assert.match(text, /^kafka_network_requestmetrics_requests_total\{request="Produce",version="9"\} 2$/m);
  assert.match(text, /^kafka_network_requestmetrics_requests_total\{request="Produce",version="10"\} 1$/m);
  assert.match(text, /^kafka_network_requestmetrics_total_time_seconds_count\{request="Produce"\} 1$/m);
  assert.match(text, /^kafka_server_brokertopicmetrics_bytes_in_total\{topic="orders"\} 1000$/m);
  assert.match(text, /^kafka_server_brokertopicmetrics_messages_in_total\{topic="orders"\} 3$/m);
  assert.match(text, /^kafka_server_brokertopicmetrics_bytes_in_total 1000$/m, 'all-topics series');
  assert.match(text, /^nodejs_eventloop_lag_p99_seconds /m, 'event-loop delay is exported');
});

test('topicBytesOut counts into the topic series and the all-topics series (no topic label), as Kafka\'s allTopicsStats', async () => {
  const metrics = new BrokerMetrics();
  const a = metrics.topicBytesOut('a');
  assert.equal(metrics.topicBytesOut('a'), a, 'cached');
  a.inc(100);
  metrics.topicBytesOut('b').inc(20);
  a.inc(1);
  const text = await metrics.registry.metrics();
  assert.match(text, /^kafka_server_brokertopicmetrics_bytes_out_total\{topic="a"\} 101$/m);
  assert.match(text, /^kafka_server_brokertopicmetrics_bytes_out_total\{topic="b"\} 20$/m);
  assert.match(text, /^kafka_server_brokertopicmetrics_bytes_out_total 121$/m);
});
