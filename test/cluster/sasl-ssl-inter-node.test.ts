// Three combined broker+controller nodes whose controller listener (CONTROLLER: SASL_SSL, PLAIN, mTLS required) and
// inter-broker listener (INTERNAL: SASL_SSL, SCRAM-SHA-512) are secured, with the StandardAuthorizer on and only
// User:broker and User:admin as super users: the metadata quorum (Raft Vote/Fetch), broker registration and
// heartbeats, forwarding (Envelope) and the replica fetchers all authenticate as User:broker. The SCRAM credential of
// the inter-broker listener is created after start with AlterUserScramCredentials (through the PLAIN `admin`), as an
// operator does without `format --add-scram`; a topic with min.insync.replicas=3 then takes acks=all writes only
// once both followers fetch over SCRAM; after a kill -9 the node rejoins, its fetchers catch up, and every record
// reads back. PLAINTEXT stays as an anonymous listener (the harness's readiness checks): it is refused writes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { NetworkClient } from '../../src/network/network-client.ts';
import { tlsSocketFactory } from '../../src/network/tls-socket-factory.ts';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { PlainSaslClient } from '../../src/security/client/plain-sasl-client.ts';
import { SaslClientAuthenticator } from '../../src/security/client/sasl-client-authenticator.ts';
import { sslClientContext } from '../../src/security/client/ssl-client-context.ts';
import { SCRAM_SHA_512, scramSaltedPassword } from '../../src/security/sasl/scram-mechanism.ts';
import { consumeWithKafkajs } from '../fixtures/e2e/kafkajs-consume.ts';
import { testBrokerProps, waitFor } from '../helpers/broker.ts';
import { createTestPki, type TestPki } from '../helpers/tls-certificates.ts';
import { writeProperties } from './cluster-node-props.ts';
import { freePorts, printLogsOnFailure, SHORT_BROKER_SESSION, TestCluster } from './test-cluster.ts';

const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SCRAM_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const TOPIC = 'secured-replicated';

describe('three combined nodes with SASL_SSL controller and inter-broker listeners and the StandardAuthorizer', () => {
  let pki: TestPki;
  let cluster: TestCluster;
  /** INTERNAL (SASL_SSL) port of each node, by node id. */
  const internalPorts = new Map<number, number>();

  before(async () => {
    pki = await createTestPki();
    const keystore = join(pki.dir, 'node-keystore.pem');
    await writeFile(keystore, `${pki.server.key}\n${pki.server.cert}`);
    const dir = await mkdtemp(join(tmpdir(), 'kafka-sasl-ssl-cluster-'));
    const ports = await freePorts(9);
    const nodes = [1, 2, 3].map((id) => ({ id, plaintext: ports.pop()!, internal: ports.pop()!, controller: ports.pop()! }));
    const voters = nodes.map((n) => `${n.id}@127.0.0.1:${n.controller}`).join(',');
    const files: string[] = [];
    for (const n of nodes) {
      internalPorts.set(n.id, n.internal);
      const nodeDir = join(dir, `node-${n.id}`);
      await mkdir(nodeDir, { recursive: true });
      const props = testBrokerProps(nodeDir, {
        ...SHORT_BROKER_SESSION,
        'replica.lag.time.max.ms': '2000',
        'node.id': String(n.id),
        'controller.quorum.voters': voters,
        listeners: `PLAINTEXT://127.0.0.1:${n.plaintext},INTERNAL://127.0.0.1:${n.internal},CONTROLLER://127.0.0.1:${n.controller}`,
        'advertised.listeners': `PLAINTEXT://127.0.0.1:${n.plaintext},INTERNAL://127.0.0.1:${n.internal}`,
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:SASL_SSL,CONTROLLER:SASL_SSL',
        'inter.broker.listener.name': 'INTERNAL',
        'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
        'sasl.mechanism.controller.protocol': 'PLAIN',
        'listener.name.internal.sasl.enabled.mechanisms': 'SCRAM-SHA-512,PLAIN',
        'listener.name.internal.scram-sha-512.sasl.jaas.config': `${SCRAM_MODULE} required username="broker" password="broker-secret";`,
        'listener.name.internal.plain.sasl.jaas.config': `${PLAIN_MODULE} required user_admin="admin-secret";`,
        'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.controller.plain.sasl.jaas.config': `${PLAIN_MODULE} required username="broker" password="broker-secret" user_broker="broker-secret";`,
        'listener.name.controller.ssl.client.auth': 'required',
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': keystore,
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.location': pki.ca.certPath,
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users': 'User:broker;User:admin',
      });
      const file = join(nodeDir, 'server.properties');
      await writeProperties(file, props, `node ${n.id}: SASL_SSL controller and inter-broker listeners`);
      files.push(file);
    }
    cluster = await TestCluster.fromConfigFiles(files, dir);
    // Ready once each node logged its start and every broker lists the three (registration and unfencing went
    // through the SASL_SSL controller listener).
    await cluster.startAll(90_000);
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
    await pki?.cleanup();
  });

  /** kafkajs as the PLAIN user `admin` (a super user) over the INTERNAL listeners of the nodes that are up. */
  function adminKafka(): Kafka {
    const brokers = cluster.nodes.filter((n) => n.isUp).map((n) => `127.0.0.1:${internalPorts.get(n.nodeId)}`);
    return new Kafka({
      brokers, logLevel: logLevel.NOTHING, retry: { retries: 10 },
      ssl: { ca: [pki.ca.cert] }, sasl: { mechanism: 'plain', username: 'admin', password: 'admin-secret' },
    });
  }

  async function isrOf(admin: Admin): Promise<number[]> {
    const metadata = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    return [...metadata.topics[0]!.partitions[0]!.isr].sort();
  }

  test('the quorum forms over SASL_SSL, SCRAM-authenticated followers replicate acks=all writes, and a killed node rejoins and catches up', { timeout: 240_000 }, async () => {
    // The anonymous PLAINTEXT listener is authorized nothing.
    const anonymous = new Kafka({ brokers: cluster.bootstrapServers(), logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    await anonymous.connect();
    try {
      await assert.rejects(anonymous.createTopics({ topics: [{ topic: 'nope' }] }), (e: { errors?: { type?: string }[] }) => {
        assert.deepEqual(e.errors?.map((x) => x.type), ['TOPIC_AUTHORIZATION_FAILED']);
        return true;
      });
    } finally {
      await anonymous.disconnect();
    }

    // The inter-broker SCRAM credential, through our own client as admin (kafkajs has no AlterUserScramCredentials).
    const context = sslClientContext({
      listenerName: 'INTERNAL', keystoreType: 'PEM', keystoreLocation: null, keystorePassword: null, keyPassword: null, keystoreKey: null,
      keystoreCertificateChain: null, truststoreType: 'PEM', truststoreLocation: pki.ca.certPath, truststorePassword: null, truststoreCertificates: null,
      protocol: 'TLSv1.3', enabledProtocols: ['TLSv1.2', 'TLSv1.3'], cipherSuites: [], endpointIdentificationAlgorithm: 'https',
    });
    const client = new NetworkClient({
      clientId: 'sasl-ssl-cluster-test',
      socketFactory: tlsSocketFactory('SASL_SSL', context),
      newAuthenticator: () => new SaslClientAuthenticator(new PlainSaslClient('admin', 'admin-secret')),
    });
    try {
      const salt = randomBytes(16);
      const r = await client.send<{ results: { user: string; errorCode: number }[] }>({ nodeId: 1, host: '127.0.0.1', port: internalPorts.get(1)! }, ApiKeys.AlterUserScramCredentials, 0, {
        deletions: [],
        upsertions: [{ name: 'broker', mechanism: SCRAM_SHA_512.type, iterations: 4096, salt, saltedPassword: scramSaltedPassword(SCRAM_SHA_512, 'broker-secret', salt, 4096) }],
      });
      assert.deepEqual(r.body.results.map((x) => [x.user, x.errorCode]), [['broker', 0]]);
    } finally {
      client.close();
    }

    const kafka = adminKafka();
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({
        topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '3' }] }],
        waitForLeaders: true,
      }), true);
      // With min.insync.replicas=3, acks=all succeeds only once both followers fetched the records (over SCRAM).
      const produce = async (from: number): Promise<void> => {
        const producer = kafka.producer({ idempotent: true });
        await producer.connect();
        try {
          await producer.send({ topic: TOPIC, acks: -1, timeout: 10_000, messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i}` })) });
        } finally {
          await producer.disconnect();
        }
      };
      await waitFor('an acks=all produce with min.insync.replicas=3', () => produce(0).then(() => true, () => false), 60_000, 500);
      assert.deepEqual(await isrOf(admin), [1, 2, 3]);

      // kill -9 the partition leader: another node leads, the victim restarts, rejoins the quorum and the ISR.
      const leader = (await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics[0]!.partitions[0]!.leader;
      const victim = cluster.node(leader);
      await victim.kill();
      await waitFor('a new partition leader', async () => {
        const p = (await admin.fetchTopicMetadata({ topics: [TOPIC] }).catch(() => null))?.topics[0]?.partitions[0];
        return p !== undefined && p.leader !== leader && p.leader >= 0;
      }, 30_000, 200);
      await victim.start(60_000);
      await cluster.waitForBrokers([1, 2, 3], 60_000);
      await waitFor('the restarted node back in the ISR', async () => (await isrOf(admin).catch(() => [])).length === 3, 60_000, 200);
      await waitFor('an acks=all produce after the restart', () => produce(50).then(() => true, () => false), 60_000, 500);
    } finally {
      await admin.disconnect();
    }
    const consumed = await consumeWithKafkajs(adminKafka(), TOPIC, 100, 60_000);
    assert.deepEqual(consumed.map((m) => m.value!.toString()).sort(), Array.from({ length: 100 }, (_, i) => `v${i}`).sort());
  });
});
