import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files of one certificate and its key, in a temp dir. */
export interface CertificateFiles {
  readonly certPath: string;
  readonly keyPath: string;
  readonly cert: string;
  readonly key: string;
}

/** A test PKI made by Debian's openssl in a temp dir (nothing committed): a CA, a server and clients. */
export interface TestPki {
  readonly dir: string;
  readonly ca: CertificateFiles;
  /** Server certificate for 127.0.0.1 / localhost, signed by `ca`. */
  readonly server: CertificateFiles;
  /** Issues another server certificate signed by `ca`, with `subject` and `subjectAltName` (openssl forms). */
  issueServer(name: string, subject: string, subjectAltName: string): Promise<CertificateFiles>;
  /** Issues a client certificate with `subject` (openssl form, e.g. "/O=Acme/OU=eng/CN=alice") signed by `ca`. */
  client(name: string, subject: string): Promise<CertificateFiles>;
  /** A PKCS12 file of the server key and chain, protected by `password`. */
  serverPkcs12(password: string): Promise<string>;
  /** A separate self-signed CA with a client certificate it signed: trusted by nobody else. */
  untrusted(): Promise<{ ca: CertificateFiles; client: CertificateFiles }>;
  cleanup(): Promise<void>;
}

async function files(dir: string, name: string): Promise<CertificateFiles> {
  const certPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}.key`);
  return { certPath, keyPath, cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
}

async function selfSigned(dir: string, name: string, subject: string): Promise<CertificateFiles> {
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`), '-subj', subject]);
  return files(dir, name);
}

async function signed(dir: string, ca: CertificateFiles, name: string, subject: string, extensions: string): Promise<CertificateFiles> {
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, extensions);
  await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, `${name}.key`), '-out', csr, '-subj', subject]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-CAcreateserial', '-days', '1',
    '-out', join(dir, `${name}.pem`), '-extfile', ext]);
  return files(dir, name);
}

/** Creates a fresh test PKI (EC P-256 keys, valid one day). */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'tls-pki-'));
  const ca = await selfSigned(dir, 'ca', '/CN=Test CA');
  const server = await signed(dir, ca, 'server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  return {
    dir,
    ca,
    server,
    issueServer: (name, subject, subjectAltName) => signed(dir, ca, name, subject, `subjectAltName=${subjectAltName}\n`),
    client: (name, subject) => signed(dir, ca, name, subject, 'extendedKeyUsage=clientAuth\n'),
    async serverPkcs12(password) {
      const out = join(dir, 'server.p12');
      await run('openssl', ['pkcs12', '-export', '-in', server.certPath, '-inkey', server.keyPath, '-certfile', ca.certPath, '-out', out, '-passout', `pass:${password}`]);
      return out;
    },
    async untrusted() {
      const other = await selfSigned(dir, 'other-ca', '/CN=Other CA');
      return { ca: other, client: await signed(dir, other, 'mallory', '/CN=mallory', 'extendedKeyUsage=clientAuth\n') };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
