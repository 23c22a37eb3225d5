import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerMetrics } from '../../../src/observability/metrics.ts';
import { RequestTimer } from '../../../src/observability/request-metrics.ts';
import { WindowedRate } from '../../../src/observability/socket-server-metrics.ts';

test('RequestMetrics: cached children per request and version; RequestsPerSec per version, time summaries per request', async () => {
  const metrics = new BrokerMetrics();
  const produce9 = metrics.requests.forRequest('Produce', 9);
  assert.equal(metrics.requests.forRequest('Produce', 9), produce9, 'cached');
  assert.notEqual(metrics.requests.forRequest('Produce', 10), produce9);
  for (let i = 0; i < 2; i++) {
    const t = new RequestTimer(produce9, null);
    t.localDone();
    t.done();
  }
  new RequestTimer(metrics.requests.forRequest('Fetch', 12), metrics.requests.forRequest('FetchConsumer', 12)).done();
  const text = await metrics.registry.metrics();
  assert.match(text, /^kafka_network_requestmetrics_requests_total\{request="Produce",version="9"\} 2$/m);
  assert.match(text, /^kafka_network_requestmetrics_requests_total\{request="Fetch",version="12"\} 1$/m);
  assert.match(text, /^kafka_network_requestmetrics_requests_total\{request="FetchConsumer",version="12"\} 1$/m);
  for (const name of ['totaltimems', 'localtimems', 'remotetimems']) {
    assert.match(text, new RegExp(`^kafka_network_requestmetrics_${name}_count\\{request="Produce"\\} 2$`, 'm'));
    assert.match(text, new RegExp(`^kafka_network_requestmetrics_${name}\\{quantile="0.99",request="Produce"\\} \\d`, 'm'));
    assert.match(text, new RegExp(`^kafka_network_requestmetrics_${name}_count\\{request="FetchConsumer"\\} 1$`, 'm'));
  }
});

test('RequestTimer with the connection\'s timing: queue time from the read, send phases from the connection\'s report; the phases add up to TotalTimeMs', async () => {
  const metrics = new BrokerMetrics();
  const timing: { receivedMs: number; onResponseSent?: (sendStartMs: number, sendEndMs: number) => void } = { receivedMs: performance.now() - 7 };
  const t = new RequestTimer(metrics.requests.forRequest('Metadata', 12), null, timing);
  t.localDone();
  t.done();
  let text = await metrics.registry.metrics();
  assert.match(text, /^kafka_network_requestmetrics_requestqueuetimems_count\{request="Metadata"\} 1$/m);
  assert.doesNotMatch(text, /^kafka_network_requestmetrics_totaltimems_count\{request="Metadata"\} [1-9]/m, 'total waits for the send');
  assert.equal(typeof timing.onResponseSent, 'function', 'the timer hooked the send');
  const start = performance.now() + 3;
  timing.onResponseSent!(start, start + 2);
  text = await metrics.registry.metrics();
  const sum = (name: string): number => Number(new RegExp(`^kafka_network_requestmetrics_${name}_sum\\{request="Metadata"\\} (\\S+)$`, 'm').exec(text)![1]);
  assert.ok(sum('requestqueuetimems') >= 7);
  assert.equal(sum('responsesendtimems'), 2);
  assert.ok(sum('responsequeuetimems') >= 3);
  const phases = ['requestqueuetimems', 'localtimems', 'remotetimems', 'responsequeuetimems', 'responsesendtimems'].reduce((a, n) => a + sum(n), 0);
  assert.ok(Math.abs(sum('totaltimems') - phases) < 1e-6, `total ${sum('totaltimems')} = sum of the phases ${phases}`);
});

test('BrokerTopicMetrics: every meter counts into the topic series and the all-topics series (no topic label)', async () => {
  const metrics = new BrokerMetrics();
  const a = metrics.topicStats('a');
  assert.equal(metrics.topicStats('a'), a, 'cached');
  a.bytesOut.inc(101);
  a.messagesIn.inc(3);
  metrics.topicStats('b').bytesOut.inc(20);
  metrics.topicStats('b').failedProduceRequests.inc();
  let text = await metrics.registry.metrics();
  assert.match(text, /^kafka_server_brokertopicmetrics_bytesout_total\{topic="a"\} 101$/m);
  assert.match(text, /^kafka_server_brokertopicmetrics_bytesout_total\{topic="b"\} 20$/m);
  assert.match(text, /^kafka_server_brokertopicmetrics_bytesout_total 121$/m);
  assert.match(text, /^kafka_server_brokertopicmetrics_messagesin_total\{topic="a"\} 3$/m);
  assert.match(text, /^kafka_server_brokertopicmetrics_failedproducerequests_total 1$/m);
  for (const name of ['bytesin', 'bytesrejected', 'failedfetchrequests', 'totalproducerequests', 'totalfetchrequests']) {
    assert.match(text, new RegExp(`^kafka_server_brokertopicmetrics_${name}_total\\{topic="a"\\} 0$`, 'm'));
  }
  metrics.topics.removeTopic('a');
  text = await metrics.registry.metrics();
  assert.doesNotMatch(text, /topic="a"/, 'a deleted topic\'s series go');
  assert.match(text, /^kafka_server_brokertopicmetrics_bytesout_total 121$/m, 'the totals stay');
});

test('socket-server metrics per listener: count, creation/close totals and rates; the event loop idle fraction', async () => {
  const metrics = new BrokerMetrics();
  metrics.socketServer.connectionOpened('PLAINTEXT');
  metrics.socketServer.connectionOpened('PLAINTEXT');
  metrics.socketServer.connectionClosed('PLAINTEXT');
  const text = await metrics.registry.metrics();
  assert.match(text, /^kafka_server_socket_server_metrics_connection_count\{listener="PLAINTEXT",networkProcessor="0"\} 1$/m);
  assert.match(text, /^kafka_server_socket_server_metrics_connection_creation_total\{listener="PLAINTEXT",networkProcessor="0"\} 2$/m);
  assert.match(text, /^kafka_server_socket_server_metrics_connection_close_total\{listener="PLAINTEXT",networkProcessor="0"\} 1$/m);
  assert.match(text, /^kafka_server_socket_server_metrics_connection_creation_rate\{listener="PLAINTEXT",networkProcessor="0"\} [\d.e-]+$/m);
  const idle = /^kafka_network_socketserver_networkprocessoravgidlepercent ([\d.e-]+)$/m.exec(text);
  assert.ok(idle !== null && Number(idle[1]) >= 0 && Number(idle[1]) <= 1);
  assert.match(text, /^nodejs_eventloop_lag_p99_seconds /m, 'Node\'s default metrics');
  assert.match(text, /^nodejs_heap_size_used_bytes /m);
});

test('WindowedRate: events per second over two 30 s windows, as Kafka\'s Rate; older windows drop out', () => {
  let now = 0;
  const rate = new WindowedRate(() => now);
  for (let i = 0; i < 60; i++) rate.record();
  now = 10_000;
  assert.equal(rate.perSecond(), 2, '60 events over at least one 30 s window');
  now = 45_000;
  rate.record(30);
  assert.equal(rate.perSecond(), 90 / 45);
  now = 75_000;
  assert.equal(rate.perSecond(), 30 / 45, 'the first window dropped out: the window of 30..60 s and the current one');
  now = 200_000;
  assert.equal(rate.perSecond(), 0);
  assert.equal(rate.total, 90);
});
