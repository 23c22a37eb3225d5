// The metadata log's dir failing ends the node (Kafka's ReplicaManager halts "because the metadata log dir has
// failed"): an fsync error of `__cluster_metadata` during a controller write goes to the broker's fault handler.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { RecordingFaultHandler } from '../../../src/common/fault-handler.ts';
import { KafkaConfig } from '../../../src/config/kafka-config.ts';
import { KafkaRaftServer } from '../../../src/server/kafka-raft-server.ts';
import { METADATA_LOG_DIR_NAME } from '../../../src/storage/log-manager.ts';
import { testBrokerProps, waitFor } from '../../helpers/broker.ts';
import { failSyncs } from '../../fixtures/storage/fail-syncs.ts';

test('an fsync error of the metadata log goes to the fault handler: the metadata log dir failed', { timeout: 60_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'metadata-log-failure-'));
  const logs = join(dataDir, 'logs');
  const faults = new RecordingFaultHandler();
  // Two log dirs, the metadata log in the first: the failure is the metadata dir's, not the last dir's.
  const props = testBrokerProps(dataDir, { 'log.dirs': `${logs},${join(dataDir, 'logs2')}` });
  const server = await KafkaRaftServer.start(KafkaConfig.fromProps(props), { formatClusterId: 'test-cluster-id-00000A', faultHandler: faults });
  const metadataDir = join(logs, METADATA_LOG_DIR_NAME) + sep;
  const { restore } = failSyncs((path) => path.startsWith(metadataDir));
  const admin = new Kafka({ brokers: [`127.0.0.1:${server.boundPort()}`], logLevel: logLevel.NOTHING, requestTimeout: 3000, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    // The controller's write of the topic's records is fsynced before it commits: that fsync fails. The request
    // is never answered (the process would have halted), so it is not awaited.
    void admin.createTopics({ topics: [{ topic: 'never-committed' }] }).catch(() => undefined);
    await waitFor('a fault', () => faults.firstFault);
    assert.equal(faults.firstFault!.message, `Shutdown broker because the metadata log dir ${logs} has failed`);
    assert.equal(server.metadata.topicsByName.has('never-committed'), false);
  } finally {
    restore();
    await admin.disconnect();
    // After the fault a real node has halted; here the failed metadata log makes the clean shutdown fail too, and
    // the controller can no longer approve a controlled shutdown.
    await server.shutdown(0).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
});
