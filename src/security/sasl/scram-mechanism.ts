import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';

/**
 * The SCRAM mechanisms Kafka supports (its `ScramMechanism`): the SASL name, the mechanism type stored in
 * UserScramCredentialRecord.mechanism (1, 2), the hash, and Kafka's minimum iterations (4096).
 */
export interface ScramMechanism {
  readonly mechanismName: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  readonly type: 1 | 2;
  readonly hashAlgorithm: 'sha256' | 'sha512';
  /** Digest length in bytes (32, 64). */
  readonly hashBytes: number;
  readonly minIterations: number;
}

export const SCRAM_SHA_256: ScramMechanism = Object.freeze({ mechanismName: 'SCRAM-SHA-256', type: 1, hashAlgorithm: 'sha256', hashBytes: 32, minIterations: 4096 });
export const SCRAM_SHA_512: ScramMechanism = Object.freeze({ mechanismName: 'SCRAM-SHA-512', type: 2, hashAlgorithm: 'sha512', hashBytes: 64, minIterations: 4096 });

/**
 * What a server stores per user and mechanism (RFC 5802 section 3; the fields of UserScramCredentialRecord, which
 * the metadata image keeps in this shape).
 */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

/** Kafka's upper bound on iterations (ScramMechanism / AlterUserScramCredentials validation). */
export const SCRAM_MAX_ITERATIONS = 16384;

/** The SCRAM mechanism of a SASL name or a record's mechanism type, or undefined. */
export function scramMechanism(nameOrType: string | number): ScramMechanism | undefined {
  for (const m of [SCRAM_SHA_256, SCRAM_SHA_512]) if (m.mechanismName === nameOrType || m.type === nameOrType) return m;
  return undefined;
}

/** RFC 5802 H(): the mechanism's hash. */
export function scramHash(m: ScramMechanism, data: Buffer): Buffer {
  return createHash(m.hashAlgorithm).update(data).digest();
}

/** RFC 5802 HMAC(key, text). */
export function scramHmac(m: ScramMechanism, key: Buffer, text: Buffer | string): Buffer {
  return createHmac(m.hashAlgorithm, key).update(text).digest();
}

/**
 * RFC 5802 SaltedPassword := Hi(Normalize(password), salt, i), i.e. PBKDF2 with the mechanism's HMAC. Synchronous
 * and CPU-heavy (i iterations): for credential creation (CLI, tests), never on the request path. Kafka does not
 * SASLprep the password (it uses the UTF-8 bytes), nor does this.
 */
export function scramSaltedPassword(m: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, m.hashBytes, m.hashAlgorithm);
}

/**
 * The credential a server stores for a password (RFC 5802 section 3): StoredKey := H(HMAC(SaltedPassword,
 * "Client Key")), ServerKey := HMAC(SaltedPassword, "Server Key"), with the salt and iteration count, from a
 * salted password (what AlterUserScramCredentials carries).
 */
export function scramCredentialFromSaltedPassword(m: ScramMechanism, saltedPassword: Buffer, salt: Buffer, iterations: number): ScramCredential {
  const clientKey = scramHmac(m, saltedPassword, 'Client Key');
  return {
    salt,
    storedKey: scramHash(m, clientKey),
    serverKey: scramHmac(m, saltedPassword, 'Server Key'),
    iterations,
  };
}

/** {@link scramCredentialFromSaltedPassword} of a clear password (Kafka's ScramFormatter.generateCredential). */
export function scramCredential(m: ScramMechanism, password: string, salt: Buffer, iterations: number): ScramCredential {
  return scramCredentialFromSaltedPassword(m, scramSaltedPassword(m, password, salt, iterations), salt, iterations);
}
