// Certificate reload as Kafka's DynamicBrokerConfig does it: IncrementalAlterConfigs (and AlterConfigs) on this
// broker's resource setting `listener.name.ssl.ssl.keystore.location` makes the SSL listener present the new
// certificate to new connections, after the broker validated it (SslFactory.validateReconfiguration): a store that
// cannot be loaded, a changed DN or changed SANs (ssl.allow.dn.changes / ssl.allow.san.changes false) are refused
// with INVALID_REQUEST and the listener keeps its certificate. kafkajs produces over the reloaded listener.
// Certificates are made by the test with Debian's openssl.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { createTestPki, type CertificateFiles, type TestPki } from '../../helpers/tls-certificates.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { KAFKA_TOOLS_AVAILABLE, kafkaTool } from '../../helpers/admin-tools.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { IncrementalAlterConfigsResponse } from '../../../src/protocol/generated/messages/incremental-alter-configs-response.ts';
import type { AlterConfigsResponse } from '../../../src/protocol/generated/messages/alter-configs-response.ts';

const BROKER_RESOURCE = 4;
const KEYSTORE = 'listener.name.ssl.ssl.keystore.location';

describe('SSL listener certificate reload', () => {
  let pki: TestPki;
  let broker: TestBroker;
  let admin: RawKafkaClient;

  /** A PEM key store file (key + certificate + CA) for `cert`. */
  async function keystore(cert: CertificateFiles, name: string): Promise<string> {
    const path = join(pki.dir, `${name}.keystore.pem`);
    await writeFile(path, `${cert.key}${cert.cert}${pki.ca.cert}`);
    return path;
  }

  /** The serial number of the certificate a new TLS connection to the SSL listener is shown. */
  function presentedSerial(): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: broker.server.boundPort('SSL'), ca: [pki.ca.cert], servername: 'localhost' }, () => {
        const serial = socket.getPeerX509Certificate()!.serialNumber;
        socket.destroy();
        resolve(serial);
      });
      socket.once('error', reject);
    });
  }

  function alter(resourceName: string, value: string): Promise<IncrementalAlterConfigsResponse> {
    return admin.request<IncrementalAlterConfigsResponse>(ApiKeys.IncrementalAlterConfigs, 1, {
      resources: [{ resourceType: BROKER_RESOURCE, resourceName, configs: [{ name: KEYSTORE, configOperation: 0, value }] }],
      validateOnly: false,
    });
  }

  const serialOf = (cert: CertificateFiles): string => new X509Certificate(cert.cert).serialNumber;

  before(async () => {
    pki = await createTestPki();
    broker = await startBroker({
      overrides: {
        listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
        'advertised.listeners': 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
        'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL',
        'listener.name.ssl.ssl.keystore.type': 'PEM',
        [KEYSTORE]: await keystore(pki.server, 'initial'),
      },
    });
    admin = await RawKafkaClient.connect(broker.port);
  });

  after(async () => {
    await admin?.close();
    await broker?.stop();
    await pki?.cleanup();
  });

  test('refused reloads keep the current certificate: unloadable store, changed SANs, changed DN, another broker', async () => {
    const before = await presentedSerial();
    const garbage = join(pki.dir, 'garbage.pem');
    await writeFile(garbage, 'not a key store');
    const otherSan = await pki.issueServer('other-san', '/CN=localhost', 'DNS:localhost,DNS:elsewhere,IP:127.0.0.1');
    const otherDn = await pki.issueServer('other-dn', '/CN=broker-b', 'DNS:localhost,IP:127.0.0.1');
    const cases: [string, string, RegExp][] = [
      ['1', garbage, /^Validation of dynamic config update of SSLFactory failed: .*private key/],
      ['1', join(pki.dir, 'missing.pem'), /^Validation of dynamic config update of SSLFactory failed: cannot read the SSL store/],
      ['1', await keystore(otherSan, 'other-san'), /Keystore SubjectAltNames do not match/],
      ['1', await keystore(otherDn, 'other-dn'), /Keystore DistinguishedName does not match: .*CN=localhost.*CN=broker-b/],
      ['2', await keystore(pki.server, 'other-broker'), /^Unexpected broker id, expected 1, but received 2$/],
    ];
    for (const [resourceName, path, message] of cases) {
      const r = await alter(resourceName, path);
      assert.equal(r.responses[0]!.errorCode, Errors.INVALID_REQUEST, path);
      assert.match(r.responses[0]!.errorMessage ?? '', message);
    }
    // nothing was written: the broker's dynamic config holds no key store override
    assert.equal(broker.server.metadata.configs.get('4:1')?.get(KEYSTORE), undefined);
    assert.equal(await presentedSerial(), before);
  });

  test('a new certificate with the same DN and SANs is presented to new connections; kafkajs produces over it', async () => {
    const renewed = await pki.issueServer('renewed', '/CN=localhost', 'DNS:localhost,IP:127.0.0.1');
    const r = await alter('1', await keystore(renewed, 'renewed'));
    assert.deepEqual([r.responses[0]!.errorCode, r.responses[0]!.errorMessage], [Errors.NONE, null]);
    await waitFor('the renewed certificate presented', async () => (await presentedSerial()) === serialOf(renewed));

    const kafka = new Kafka({ brokers: [`127.0.0.1:${broker.server.boundPort('SSL')}`], ssl: { ca: [pki.ca.cert], servername: 'localhost' }, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    try {
      const [meta] = await producer.send({ topic: 'after-reload', messages: [{ value: 'over the renewed certificate' }] });
      assert.equal(meta!.errorCode, 0);
    } finally {
      await producer.disconnect();
    }
  });

  test("Kafka's kafka-configs reloads the key store, and is told why a changed DN is refused", { skip: !KAFKA_TOOLS_AVAILABLE && 'Kafka tool jars not in ~/.m2' }, async () => {
    const configs = (keystorePath: string) => kafkaTool('org.apache.kafka.tools.ConfigCommand', [
      '--bootstrap-server', `127.0.0.1:${broker.port}`, '--entity-type', 'brokers', '--entity-name', '1', '--alter', '--add-config', `${KEYSTORE}=${keystorePath}`,
    ]);
    const renewed = await pki.issueServer('renewed-by-tool', '/CN=localhost', 'DNS:localhost,IP:127.0.0.1');
    const ok = await configs(await keystore(renewed, 'renewed-by-tool'));
    assert.equal(ok.code, 0, ok.stderr);
    await waitFor('the certificate set by kafka-configs presented', async () => (await presentedSerial()) === serialOf(renewed));
    const otherDn = await pki.issueServer('tool-other-dn', '/CN=somebody-else', 'DNS:localhost,IP:127.0.0.1');
    const refused = await configs(await keystore(otherDn, 'tool-other-dn'));
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr + refused.stdout, /InvalidRequestException.*DistinguishedName does not match/s);
    assert.equal(await presentedSerial(), serialOf(renewed));
  });

  test('legacy AlterConfigs (the whole per-broker set) is validated the same way', async () => {
    const moved = await pki.issueServer('moved', '/CN=localhost', 'DNS:localhost,DNS:moved.example,IP:127.0.0.1');
    const path = await keystore(moved, 'moved');
    const legacy = (configs: { name: string; value: string }[]) => admin.request<AlterConfigsResponse>(ApiKeys.AlterConfigs, 2, {
      resources: [{ resourceType: BROKER_RESOURCE, resourceName: '1', configs }],
      validateOnly: false,
    });
    const refused = await legacy([{ name: KEYSTORE, value: path }, { name: 'listener.name.ssl.ssl.keystore.type', value: 'PEM' }]);
    assert.equal(refused.responses[0]!.errorCode, Errors.INVALID_REQUEST);
    assert.match(refused.responses[0]!.errorMessage ?? '', /SubjectAltNames do not match/);
  });
});
