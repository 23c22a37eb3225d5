// Config values through real clients: the old four-part versions Kafka 3.9 accepts (message.format.version is
// parsed by MetadataVersion.fromVersionString, which keeps three parts of a "0." version and two of the others),
// and dynamic broker updates of settings this broker would not act on, which are refused with INVALID_CONFIG.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { Kafka, logLevel, type Admin as KafkaJsAdmin } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { withKafkaError } from '../../fixtures/e2e/client-errors.ts';

const TOPIC = 2;
const BROKER = 4;
const SET = 0;

describe('config values as Kafka 3.9 accepts them', () => {
  let broker: TestBroker;
  let kafkajs: KafkaJsAdmin;
  let platformatic: Admin;

  before(async () => {
    broker = await startBroker();
    kafkajs = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await kafkajs.connect();
    platformatic = new Admin({ clientId: 'config-compat', bootstrapBrokers: [broker.bootstrap], retries: 0 });
  });
  after(async () => {
    await kafkajs.disconnect();
    await platformatic.close();
    await broker.cleanup();
  });

  async function messageFormatVersion(topic: string): Promise<string | undefined> {
    const described = await kafkajs.describeConfigs({ resources: [{ type: TOPIC, name: topic, configNames: ['message.format.version'] }], includeSynonyms: false });
    return described.resources[0]!.configEntries[0]?.configValue;
  }

  test('message.format.version=0.10.0.0 is accepted by CreateTopics, AlterConfigs and IncrementalAlterConfigs', async () => {
    assert.equal(await kafkajs.createTopics({ topics: [{ topic: 'old-format', configEntries: [{ name: 'message.format.version', value: '0.10.0.0' }] }] }), true);
    assert.equal(await messageFormatVersion('old-format'), '0.10.0.0');
    await kafkajs.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: 'old-format', configEntries: [{ name: 'message.format.version', value: '0.11.0.2' }] }] });
    assert.equal(await messageFormatVersion('old-format'), '0.11.0.2');
    await platformatic.incrementalAlterConfigs({ resources: [{ resourceType: TOPIC, resourceName: 'old-format', configs: [{ name: 'message.format.version', configOperation: SET, value: '2.8.1' }] }] });
    assert.equal(await messageFormatVersion('old-format'), '2.8.1');
  });

  test('a version Kafka does not know is still INVALID_CONFIG', async () => {
    await assert.rejects(
      kafkajs.createTopics({ topics: [{ topic: 'bad-format', configEntries: [{ name: 'message.format.version', value: '0.10.9.0' }] }] }),
      withKafkaError('INVALID_CONFIG'),
    );
    await assert.rejects(
      platformatic.incrementalAlterConfigs({ resources: [{ resourceType: TOPIC, resourceName: 'old-format', configs: [{ name: 'message.format.version', configOperation: SET, value: '9.9' }] }] }),
      withKafkaError('INVALID_CONFIG'),
    );
  });

  test('a dynamic broker update is refused when this broker would not act on it (refused or inactive configs)', async () => {
    for (const [name, value] of [['ssl.cipher.suites', 'TLS_AES_128_GCM_SHA256'], ['background.threads', '4']] as const) {
      await assert.rejects(
        platformatic.incrementalAlterConfigs({ resources: [{ resourceType: BROKER, resourceName: '1', configs: [{ name, configOperation: SET, value }] }] }),
        withKafkaError('INVALID_CONFIG'),
        name,
      );
    }
    // An implemented dynamic config is still updated.
    await platformatic.incrementalAlterConfigs({ resources: [{ resourceType: BROKER, resourceName: '1', configs: [{ name: 'log.cleaner.threads', configOperation: SET, value: '2' }] }] });
    const described = await kafkajs.describeConfigs({ resources: [{ type: BROKER, name: '1', configNames: ['log.cleaner.threads'] }], includeSynonyms: false });
    assert.equal(described.resources[0]!.configEntries[0]?.configValue, '2');
  });
});
