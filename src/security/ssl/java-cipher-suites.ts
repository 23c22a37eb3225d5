// ssl.cipher.suites holds Java (IANA) cipher suite names; OpenSSL, under Node's `tls`, names TLS 1.2 suites its own
// way. TLS 1.3 suites have the same name in both.

import { getCiphers } from 'node:tls';

/** TLS 1.3 suites: one name in Java, IANA and OpenSSL. */
const TLS13_SUITES = new Set(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);

/** IANA (Java) name -> OpenSSL name of the TLS 1.2 suites OpenSSL 3 offers by default (`openssl ciphers -stdname`). */
const TLS12_SUITES: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: 'DHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'DHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: 'DHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384: 'ECDHE-ECDSA-AES256-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384: 'ECDHE-RSA-AES256-SHA384',
  TLS_DHE_RSA_WITH_AES_256_CBC_SHA256: 'DHE-RSA-AES256-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_DHE_RSA_WITH_AES_128_CBC_SHA256: 'DHE-RSA-AES128-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_DHE_RSA_WITH_AES_256_CBC_SHA: 'DHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_DHE_RSA_WITH_AES_128_CBC_SHA: 'DHE-RSA-AES128-SHA',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_CBC_SHA256: 'AES256-SHA256',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
};

/** The suites of ssl.cipher.suites in Node's terms: TLS 1.3 ones (`ciphersuites`) and TLS 1.2 ones (`ciphers`). */
export interface OpenSslCipherSuites {
  /** OpenSSL cipher list of the TLS 1.2 suites, ':'-separated ('' when none is listed). */
  readonly tls12: string;
  /** TLS 1.3 suites, ':'-separated ('' when none is listed). */
  readonly tls13: string;
}

/**
 * Maps the Java names of ssl.cipher.suites to OpenSSL's.
 * @throws Error naming every suite that has no OpenSSL equivalent here or that this Node's OpenSSL does not offer:
 *   a suite that was asked for and silently dropped would change what the listener negotiates.
 */
export function javaCipherSuites(names: readonly string[]): OpenSslCipherSuites {
  const offered = new Set(getCiphers().map((c) => c.toUpperCase()));
  const tls12: string[] = [];
  const tls13: string[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    if (TLS13_SUITES.has(name)) tls13.push(name);
    else {
      const openssl = TLS12_SUITES[name];
      if (openssl === undefined || !offered.has(openssl)) unknown.push(name);
      else tls12.push(openssl);
    }
  }
  if (unknown.length > 0) {
    throw new Error(
      `ssl.cipher.suites: no OpenSSL cipher suite for ${unknown.join(', ')} (supported: ${[...TLS13_SUITES, ...Object.keys(TLS12_SUITES)].join(', ')})`,
    );
  }
  return { tls12: tls12.join(':'), tls13: tls13.join(':') };
}
