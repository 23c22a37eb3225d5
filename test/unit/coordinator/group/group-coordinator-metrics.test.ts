import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { scrapeRegistry } from '../../../../src/observability/bulk-gauges.ts';
import { GroupCoordinator } from '../../../../src/coordinator/group/group-coordinator.ts';
import { MockTime } from '../../../../src/common/time.ts';
import { EMPTY_IMAGE } from '../../../../src/metadata/metadata-image.ts';
import { InMemoryPartitionWriter } from '../../../../src/coordinator/runtime/in-memory-partition-writer.ts';
import { commitReq, ctx, formGroup, type Harness } from './group-test-kit.ts';

test('metrics: group counts by protocol and state, rebalances, offset commits and consumer lag', async () => {
  const writer = new InMemoryPartitionWriter();
  const time = new MockTime();
  const coordinator = new GroupCoordinator({
    config: { offsetsTopicNumPartitions: 1, classicGroupInitialRebalanceDelayMs: 0 },
    time, writer, metadataImage: () => EMPTY_IMAGE, autoTimers: false,
    logEndOffset: (tp) => (tp.topic === 't' ? 100n : null),
  });
  await coordinator.onPartitionLeadershipChange({ topic: '__consumer_offsets', partition: 0 }, true, 0);
  const h: Harness = { time, writer, coordinator, config: { offsetsTopicNumPartitions: 1, classicGroupInitialRebalanceDelayMs: 0 }, image: EMPTY_IMAGE };
  const { memberIds } = await formGroup(h, 'g', 2);
  await coordinator.commitOffsets(ctx(), commitReq('g', memberIds[0]!, 1, [{ topic: 't', partition: 0, offset: 60n }, { topic: 'other', partition: 0, offset: 5n }]));
  await coordinator.commitOffsets(ctx(), commitReq('simple', '', -1, [{ topic: 't', partition: 1, offset: 90n }]));
  const registry = new Registry();
  coordinator.registerMetrics(registry);
  const text = await scrapeRegistry(registry);
  assert.match(text, /^kafka_coordinator_group_groupmetadatamanager_numgroups 2$/m);
  assert.match(text, /^kafka_coordinator_group_groupmetadatamanager_numgroupsstable 1$/m);
  assert.match(text, /^kafka_coordinator_group_groupmetadatamanager_numgroupsempty 1$/m);
  assert.match(text, /^kafka_coordinator_group_groupmetadatamanager_numgroupspreparingrebalance 0$/m);
  assert.match(text, /^kafka_coordinator_group_groupmetadatamanager_numoffsets 3$/m);
  assert.match(text, /^kafka_server_group_coordinator_metrics_group_count\{protocol="classic"\} 2$/m);
  assert.match(text, /^kafka_server_group_coordinator_metrics_classic_group_count\{state="Stable"\} 1$/m);
  assert.match(text, /^kafka_server_group_coordinator_metrics_classic_group_count\{state="Empty"\} 1$/m);
  assert.match(text, /^kafka_server_group_coordinator_metrics_group_completed_rebalance_count 1$/m);
  assert.match(text, /^kafka_server_group_coordinator_metrics_offset_commit_count 3$/m);
  assert.match(text, /^kafka_server_group_coordinator_metrics_offset_count 3$/m);
  assert.match(text, /kafka_consumergroup_lag\{consumergroup="g",topic="t",partition="0"\} 40/);
  assert.match(text, /kafka_consumergroup_lag\{consumergroup="simple",topic="t",partition="1"\} 10/);
  assert.doesNotMatch(text, /topic="other"/, 'no lag without a known log end offset');
  coordinator.close();
});
