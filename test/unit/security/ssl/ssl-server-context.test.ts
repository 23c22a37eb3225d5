import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { rfc2253SubjectName } from '../../../../src/security/ssl/rfc2253-name.ts';
import { sslServerContext, type SslServerSettings } from '../../../../src/security/ssl/ssl-server-context.ts';
import { javaCipherSuites } from '../../../../src/security/ssl/java-cipher-suites.ts';
import { createTestPki, type TestPki } from '../../../helpers/tls-certificates.ts';

let pki: TestPki;
before(async () => {
  pki = await createTestPki();
});
after(() => pki.cleanup());

function settings(overrides: Partial<SslServerSettings>): SslServerSettings {
  return {
    listenerName: 'SSL', keystoreType: 'PEM', keystoreLocation: null, keystorePassword: null, keyPassword: null,
    keystoreKey: null, keystoreCertificateChain: null, truststoreType: 'JKS', truststoreLocation: null, truststorePassword: null,
    truststoreCertificates: null, clientAuth: 'none', principalMappingRules: null, protocol: 'TLSv1.3',
    enabledProtocols: ['TLSv1.2', 'TLSv1.3'], cipherSuites: [], ...overrides,
  };
}

test('RFC 2253 subject: most specific RDN first, multi-valued RDNs joined by +, special characters escaped', async () => {
  const client = await pki.client('rfc', '/C=US/O=Acme, Inc/OU=eng+L=Paris/CN=alice');
  assert.equal(rfc2253SubjectName(new X509Certificate(client.cert)), 'CN=alice,OU=eng+L=Paris,O=Acme\\, Inc,C=US');
});

test('key stores: PEM file, inline PEM and PKCS12 load; the principal of a certificate is its mapped subject', async () => {
  const pemFile = join(pki.dir, 'keystore.pem');
  await writeFile(pemFile, `${pki.server.key}\n${pki.server.cert}`);
  const p12 = await pki.serverPkcs12('secret');
  const contexts = [
    sslServerContext(settings({ keystoreLocation: pemFile })),
    sslServerContext(settings({ keystoreKey: pki.server.key, keystoreCertificateChain: pki.server.cert })),
    sslServerContext(settings({ keystoreType: 'PKCS12', keystoreLocation: p12, keystorePassword: 'secret' })),
  ];
  assert.equal(contexts.length, 3);
  const mapped = sslServerContext(settings({ keystoreLocation: pemFile, principalMappingRules: 'RULE:^CN=([^,]*),.*$/$1/L,DEFAULT' }));
  const client = await pki.client('bob', '/O=Acme/CN=Bob');
  assert.equal(mapped.principalName(new X509Certificate(client.cert)), 'bob');
  assert.equal(mapped.principalName(undefined), 'ANONYMOUS');
});

test('refused stores and settings stop the start with a message naming the listener and the way out', async () => {
  const p12 = await pki.serverPkcs12('secret');
  const cases: [Partial<SslServerSettings>, RegExp][] = [
    [{ keystoreType: 'JKS', keystoreLocation: '/etc/kafka/ks.jks', keystorePassword: 'x' }, /listener SSL: ssl.keystore.type=JKS.*PKCS12 or PEM/],
    [{}, /needs a key store/],
    [{ keystoreType: 'PKCS12', keystoreLocation: p12, keystorePassword: 'wrong' }, /cannot load the SSL key store/],
    [{ keystoreType: 'PKCS12', keystoreLocation: p12, keystorePassword: 'secret', keyPassword: 'other' }, /one password/],
    [{ keystoreType: 'PKCS12', keystoreLocation: p12 }, /key store password is not specified/],
    [{ keystoreKey: pki.server.key, keystoreCertificateChain: pki.server.cert, keystorePassword: 'x' }, /password cannot be specified with PEM/],
    [{ keystoreType: 'PKCS12', keystoreLocation: p12, keystorePassword: 'secret', truststoreType: 'PKCS12', truststoreLocation: p12, truststorePassword: 'secret' }, /truststore.type=PKCS12 is not supported.*-nokeys/],
    [{ keystoreType: 'PKCS12', keystoreLocation: p12, keystorePassword: 'secret', truststoreType: 'JKS', truststoreLocation: '/ts.jks', truststorePassword: 'x' }, /truststore.type=JKS/],
    [{ keystoreType: 'PKCS12', keystoreLocation: p12, keystorePassword: 'secret', enabledProtocols: ['TLSv1.1'] }, /TLSv1.1 not supported/],
    [{ keystoreType: 'PKCS12', keystoreLocation: p12, keystorePassword: 'secret', protocol: 'SSLv3' }, /ssl.protocol=SSLv3 is not supported/],
    [{ keystoreType: 'PKCS12', keystoreLocation: p12, keystorePassword: 'secret', protocol: 'TLSv1.2', enabledProtocols: ['TLSv1.3'] }, /no TLS protocol left/],
    [{ keystoreType: 'PKCS12', keystoreLocation: p12, keystorePassword: 'secret', cipherSuites: ['TLS_RSA_WITH_NULL_SHA'] }, /no OpenSSL cipher suite for TLS_RSA_WITH_NULL_SHA/],
    [{ keystoreType: 'PKCS12', keystoreLocation: p12, keystorePassword: 'secret', principalMappingRules: 'RULE:x' }, /Invalid rule/],
  ];
  for (const [overrides, error] of cases) assert.throws(() => sslServerContext(settings(overrides)), error, JSON.stringify(overrides));
});

test('Java cipher suite names map to OpenSSL ones, TLS 1.3 names pass through', () => {
  assert.deepEqual(javaCipherSuites(['TLS_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256']), {
    tls12: 'ECDHE-ECDSA-AES128-GCM-SHA256', tls13: 'TLS_AES_256_GCM_SHA384',
  });
});
