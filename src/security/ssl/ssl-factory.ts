// The reloadable TLS side of one SSL listener, after Kafka's SslFactory (server mode): the context new connections
// get, and its replacement when the listener's key store or trust store configs change at run time
// (IncrementalAlterConfigs on the broker, Kafka's DynamicBrokerConfig), validated first as
// SslFactory.validateReconfiguration does.

import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import type { X509Certificate } from 'node:crypto';
import { rfc2253SubjectName } from './rfc2253-name.ts';
import { sslServerContext, sslStorePaths, type SslClientAuth, type SslServerContext, type SslServerSettings } from './ssl-server-context.ts';

/**
 * The settings Kafka's SslFactory rebuilds its engine for (SslConfigs.RECONFIGURABLE_CONFIGS): the key store and
 * trust store. Other ssl.* settings are read at start-up only (their dynamic updates are refused).
 */
const RECONFIGURABLE: readonly (keyof SslServerSettings)[] = [
  'keystoreType', 'keystoreLocation', 'keystorePassword', 'keyPassword', 'keystoreKey', 'keystoreCertificateChain',
  'truststoreType', 'truststoreLocation', 'truststorePassword', 'truststoreCertificates',
];

/** What may change in a reloaded key store's certificate (`ssl.allow.dn.changes`, `ssl.allow.san.changes`). */
export interface SslReloadPolicy {
  readonly allowDnChanges: boolean;
  readonly allowSanChanges: boolean;
}

/** A reload that Kafka's SslFactory refuses (a ConfigException there): the message says why. */
export class SslReconfigurationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(`Validation of dynamic config update of SSLFactory failed: ${message}`, options);
    this.name = 'SslReconfigurationError';
  }
}

/** A validated replacement for the current context (see {@link SslFactory.validateReconfiguration}). */
export interface SslReconfiguration {
  readonly settings: SslServerSettings;
  readonly context: SslServerContext;
  readonly files: ReadonlyMap<string, Buffer>;
}

function sanEntries(cert: X509Certificate | undefined): string[] {
  return (cert?.subjectAltName ?? '').split(', ').filter((e) => e !== '').sort();
}

/**
 * The TLS context of one SSL or SASL_SSL listener (Kafka's SslFactory): what a new connection's handshake uses
 * (the network layer reads `secureContext` at each accept, so a reload applies to new connections only, as in
 * Kafka; established ones keep their session). Built once at start-up from the listener's settings (reading the
 * stores synchronously), then replaced by {@link reconfigure} after {@link validateReconfiguration}.
 */
export class SslFactory {
  #settings: SslServerSettings;
  #context: SslServerContext;
  /** The store files the current context was built from, to notice a file replaced under the same path. */
  #files: ReadonlyMap<string, Buffer>;

  private constructor(settings: SslServerSettings, context: SslServerContext, files: ReadonlyMap<string, Buffer>) {
    this.#settings = settings;
    this.#context = context;
    this.#files = files;
  }

  /**
   * The factory of a listener at start-up (synchronous file reads).
   * @throws Error naming the listener when its settings are invalid or not supported (the broker does not start).
   */
  static create(settings: SslServerSettings): SslFactory {
    return new SslFactory(settings, sslServerContext(settings), new Map());
  }

  get listenerName(): string {
    return this.#settings.listenerName;
  }

  get settings(): SslServerSettings {
    return this.#settings;
  }

  /** The context the next handshake uses. */
  get secureContext(): SslServerContext['secureContext'] {
    return this.#context.secureContext;
  }

  get clientAuth(): SslClientAuth {
    return this.#context.clientAuth;
  }

  /** The certificate this listener presents now. */
  get certificate(): X509Certificate | undefined {
    return this.#context.certificate;
  }

  /** See {@link SslServerContext.principalName}. */
  principalName(peerCertificate: X509Certificate | undefined): string {
    return this.#context.principalName(peerCertificate);
  }

  /**
   * Builds and checks the context `next` describes, as Kafka's SslFactory.validateReconfiguration: the stores are
   * read (asynchronously) and loaded; the new key store's certificate must keep the current one's subject DN unless
   * `allowDnChanges`, and its subject alternative names unless `allowSanChanges` (CertificateEntries.ensureCompatible).
   * @returns the replacement, or null when nothing it is built from changed (same reconfigurable settings, same
   *   file contents: Kafka's shouldBeRebuilt).
   * @throws SslReconfigurationError with Kafka's reason: a store that cannot be read or loaded, a changed DN or SAN.
   */
  async validateReconfiguration(next: SslServerSettings, policy: SslReloadPolicy): Promise<SslReconfiguration | null> {
    const files = new Map<string, Buffer>();
    for (const path of sslStorePaths(next)) {
      try {
        files.set(path, await readFile(path));
      } catch (err) {
        throw new SslReconfigurationError(`cannot read the SSL store ${path}: ${(err as Error).message}`, { cause: err });
      }
    }
    const unchanged = RECONFIGURABLE.every((k) => isDeepStrictEqual(next[k], this.#settings[k]))
      && this.#files.size > 0 && isDeepStrictEqual(files, this.#files);
    if (unchanged) return null;
    let context: SslServerContext;
    try {
      context = sslServerContext(next, files);
    } catch (err) {
      throw new SslReconfigurationError((err as Error).message, { cause: err });
    }
    const before = this.#context.certificate;
    const after = context.certificate;
    if (!policy.allowDnChanges && before !== undefined) {
      const existing = rfc2253SubjectName(before);
      const proposed = after === undefined ? '' : rfc2253SubjectName(after);
      if (existing !== proposed) throw new SslReconfigurationError(`Keystore DistinguishedName does not match:  existing={DN=${existing}}, new={DN=${proposed}}`);
    }
    if (!policy.allowSanChanges && before !== undefined) {
      const existing = sanEntries(before);
      const proposed = sanEntries(after);
      if (!isDeepStrictEqual(existing, proposed)) {
        throw new SslReconfigurationError(`Keystore SubjectAltNames do not match:  existing={SAN=[${existing.join(', ')}]}, new={SAN=[${proposed.join(', ')}]}`);
      }
    }
    return { settings: next, context, files };
  }

  /** Makes a validated replacement the context of every later handshake (SslFactory.reconfigure). */
  reconfigure(r: SslReconfiguration): void {
    this.#settings = r.settings;
    this.#context = r.context;
    this.#files = r.files;
  }
}
