import { randomBytes, timingSafeEqual } from 'node:crypto';
import { scramHash, scramHmac, type ScramCredential, type ScramMechanism } from './scram-mechanism.ts';
import { SaslAuthenticationError, SaslError, type SaslServer } from './sasl-server.ts';

/** Looks up a user's credential for a mechanism (the metadata image's SCRAM credentials); undefined when none. */
export type ScramCredentialLookup = (username: string, mechanism: ScramMechanism) => ScramCredential | undefined;

/** RFC 5802 saslname: '=2C' and '=3D' stand for ',' and '='; any other '=' is malformed. */
function decodeSaslName(name: string): string | null {
  if (/=(?!2C|3D)/.test(name)) return null;
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** Parses `k=v,k=v` attributes in order; null when one is not of that form. */
function attributes(text: string): [string, string][] | null {
  const out: [string, string][] = [];
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 1) return null;
    out.push([part.slice(0, eq), part.slice(eq + 1)]);
  }
  return out;
}

const PRINTABLE_NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

type State = 'RECEIVE_CLIENT_FIRST_MESSAGE' | 'RECEIVE_CLIENT_FINAL_MESSAGE' | 'COMPLETE' | 'FAILED';

/**
 * SCRAM-SHA-256 / SCRAM-SHA-512 server (RFC 5802, RFC 7677), after Kafka's ScramSaslServer. Without channel binding
 * (gs2 flag 'n' or 'y'), SASLprep not applied (as Kafka).
 *
 * State: RECEIVE_CLIENT_FIRST_MESSAGE --client-first--> RECEIVE_CLIENT_FINAL_MESSAGE (answers server-first:
 * combined nonce, salt, iterations) --client-final with a valid proof--> COMPLETE (answers server-final
 * `v=ServerSignature`); any failure -> FAILED.
 *
 * Failures (Kafka's): malformed messages and unknown users are SaslError ("Authentication failed: Invalid user
 * credentials"), a wrong nonce or proof SaslError too (the client sees only Kafka's generic message); an
 * authorization id other than the user name is SaslAuthenticationError; delegation-token authentication
 * (the `tokenauth` extension) is refused as SaslError, delegation tokens not being built.
 */
export class ScramSaslServer implements SaslServer {
  readonly mechanismName: string;
  readonly #mechanism: ScramMechanism;
  readonly #lookup: ScramCredentialLookup;
  readonly #serverNonce: string;
  #state: State = 'RECEIVE_CLIENT_FIRST_MESSAGE';
  #username = '';
  #clientFirstBare = '';
  #gs2Header = '';
  #serverFirst = '';
  #nonce = '';
  #credential: ScramCredential | undefined;

  /** @param serverNonce the server's part of the nonce; random (24 bytes, base64url) unless given (test vectors). */
  constructor(mechanism: ScramMechanism, lookup: ScramCredentialLookup, serverNonce?: string) {
    this.mechanismName = mechanism.mechanismName;
    this.#mechanism = mechanism;
    this.#lookup = lookup;
    this.#serverNonce = serverNonce ?? randomBytes(24).toString('base64url');
  }

  get complete(): boolean {
    return this.#state === 'COMPLETE';
  }

  get authorizationId(): string {
    if (this.#state !== 'COMPLETE') throw new Error('Authentication exchange has not completed');
    return this.#username;
  }

  evaluateResponse(token: Buffer): Buffer {
    try {
      switch (this.#state) {
        case 'RECEIVE_CLIENT_FIRST_MESSAGE':
          return this.#clientFirst(token.toString('utf8'));
        case 'RECEIVE_CLIENT_FINAL_MESSAGE':
          return this.#clientFinal(token.toString('utf8'));
        default:
          throw new SaslError(`Unexpected challenge in Sasl server state ${this.#state}`);
      }
    } catch (err) {
      this.#state = 'FAILED';
      throw err;
    }
  }

  #clientFirst(message: string): Buffer {
    // gs2-header = gs2-cbind-flag "," [ authzid ] ","; then client-first-message-bare.
    const m = /^([ny]),(?:a=([^,]*))?,(.*)$/s.exec(message);
    if (m === null) throw new SaslError(`Invalid SCRAM client first message format`);
    const [, , authzidRaw, bare] = m as unknown as [string, string, string | undefined, string];
    const attrs = attributes(bare);
    if (attrs === null || attrs.length < 2 || attrs[0]![0] !== 'n' || attrs[1]![0] !== 'r') {
      throw new SaslError('Invalid SCRAM client first message format');
    }
    const username = decodeSaslName(attrs[0]![1]);
    const clientNonce = attrs[1]![1];
    if (username === null || username === '' || !PRINTABLE_NONCE.test(clientNonce)) throw new SaslError('Invalid SCRAM client first message format');
    const extensions = new Map(attrs.slice(2));
    if (extensions.get('tokenauth')?.toLowerCase() === 'true') {
      throw new SaslError('Token Authentication failed: delegation tokens are not supported by this broker');
    }
    const authzid = authzidRaw === undefined ? '' : decodeSaslName(authzidRaw);
    if (authzid === null) throw new SaslError('Invalid SCRAM client first message format');
    const credential = this.#lookup(username, this.#mechanism);
    if (credential === undefined) throw new SaslError('Authentication failed: Invalid user credentials');
    if (authzid !== '' && authzid !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    this.#username = username;
    this.#credential = credential;
    this.#clientFirstBare = bare;
    this.#gs2Header = message.slice(0, message.length - bare.length);
    this.#nonce = clientNonce + this.#serverNonce;
    this.#serverFirst = `r=${this.#nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    this.#state = 'RECEIVE_CLIENT_FINAL_MESSAGE';
    return Buffer.from(this.#serverFirst, 'utf8');
  }

  #clientFinal(message: string): Buffer {
    const proofAt = message.lastIndexOf(',p=');
    if (proofAt < 0) throw new SaslError('Invalid SCRAM client final message format');
    const withoutProof = message.slice(0, proofAt);
    const proofText = message.slice(proofAt + 3);
    const attrs = attributes(withoutProof);
    if (attrs === null || attrs.length < 2 || attrs[0]![0] !== 'c' || attrs[1]![0] !== 'r' || !BASE64.test(proofText) || !BASE64.test(attrs[0]![1])) {
      throw new SaslError('Invalid SCRAM client final message format');
    }
    // Equality, as RFC 5802 and Kafka 4 (CVE-2024-56128) require: librdkafka before 2.6.1 sends its own nonce again
    // in front of the combined one and is refused here as by Kafka 4.
    if (attrs[1]![1] !== this.#nonce) throw new SaslError('Invalid client nonce in the final client message.');
    if (Buffer.from(attrs[0]![1], 'base64').toString('utf8') !== this.#gs2Header) throw new SaslError('Invalid channel binding in the final client message.');
    const m = this.#mechanism;
    const credential = this.#credential!;
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`;
    const proof = Buffer.from(proofText, 'base64');
    if (proof.length !== m.hashBytes) throw new SaslError('Invalid client credentials');
    // ClientKey := ClientProof XOR HMAC(StoredKey, AuthMessage); valid when H(ClientKey) = StoredKey.
    const clientSignature = scramHmac(m, credential.storedKey, authMessage);
    const clientKey = Buffer.alloc(m.hashBytes);
    for (let i = 0; i < m.hashBytes; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    const computedStoredKey = scramHash(m, clientKey);
    if (computedStoredKey.length !== credential.storedKey.length || !timingSafeEqual(computedStoredKey, credential.storedKey)) {
      throw new SaslError('Invalid client credentials');
    }
    const serverSignature = scramHmac(m, credential.serverKey, authMessage);
    this.#state = 'COMPLETE';
    return Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8');
  }
}
