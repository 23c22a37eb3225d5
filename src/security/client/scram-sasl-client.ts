import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { SCRAM_MAX_ITERATIONS, scramHash, scramHmac, type ScramMechanism } from '../sasl/scram-mechanism.ts';
import { SaslClientError, type SaslClient } from './sasl-client.ts';

const pbkdf2Async = promisify(pbkdf2);

/** RFC 5802 saslname: ',' and '=' are written '=2C' and '=3D'. */
function encodeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** `k=v` attributes of a server message, in order; null when one is not of that form. */
function attributes(text: string): [string, string][] | null {
  const out: [string, string][] = [];
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq !== 1) return null;
    out.push([part.slice(0, 1), part.slice(2)]);
  }
  return out;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** The gs2 header without channel binding nor authorization id, and its base64 for the `c=` attribute. */
const GS2_HEADER = 'n,,';
const CHANNEL_BINDING = Buffer.from(GS2_HEADER).toString('base64');

type State = 'SEND_CLIENT_FIRST_MESSAGE' | 'RECEIVE_SERVER_FIRST_MESSAGE' | 'RECEIVE_SERVER_FINAL_MESSAGE' | 'COMPLETE' | 'FAILED';

/**
 * SCRAM-SHA-256 / SCRAM-SHA-512 client (RFC 5802, RFC 7677), after Kafka's ScramSaslClient; no channel binding
 * (gs2 flag 'n'), no authorization id, no extensions, the password's UTF-8 bytes without SASLprep (as Kafka).
 *
 * | state                         | server token                      | sends                      | next                  |
 * |-------------------------------|-----------------------------------|----------------------------|-----------------------|
 * | SEND_CLIENT_FIRST_MESSAGE     | (empty)                           | `n,,n=<user>,r=<nonce>`    | RECEIVE_SERVER_FIRST  |
 * | RECEIVE_SERVER_FIRST_MESSAGE  | `r=<nonce'>,s=<salt>,i=<n>`       | `c=biws,r=<nonce'>,p=<proof>` | RECEIVE_SERVER_FINAL |
 * | RECEIVE_SERVER_FINAL_MESSAGE  | `v=<server signature>`            | nothing                    | COMPLETE              |
 * | any                           | malformed, `e=<error>`, bad check | -                          | FAILED                |
 *
 * Checks (Kafka's messages): the server nonce extends ours ("Invalid server nonce: does not start with client
 * nonce"); iterations at least the mechanism's minimum (4096) and, beyond Kafka, at most 16384 (Kafka's own upper
 * bound for stored credentials), so that a hostile server cannot make this broker spend unbounded CPU; the server
 * signature proves the server knows the credential ("Invalid server signature in server final message"). The salted
 * password is computed on the libuv thread pool (PBKDF2), off the event loop.
 */
export class ScramSaslClient implements SaslClient {
  readonly mechanismName: string;
  readonly #mechanism: ScramMechanism;
  readonly #username: string;
  readonly #password: string;
  readonly #clientNonce: string;
  #state: State = 'SEND_CLIENT_FIRST_MESSAGE';
  #clientFirstBare = '';
  #expectedServerSignature: Buffer | null = null;

  /**
   * @param clientNonce our part of the nonce; random (24 bytes, base64url) unless given (test vectors).
   * @throws RangeError when the user name or password is empty.
   */
  constructor(mechanism: ScramMechanism, username: string, password: string, clientNonce?: string) {
    if (username === '' || password === '') throw new RangeError('SCRAM credentials must be non-empty');
    this.mechanismName = mechanism.mechanismName;
    this.#mechanism = mechanism;
    this.#username = username;
    this.#password = password;
    this.#clientNonce = clientNonce ?? randomBytes(24).toString('base64url');
  }

  get complete(): boolean {
    return this.#state === 'COMPLETE';
  }

  async evaluateChallenge(challenge: Buffer): Promise<Buffer | null> {
    try {
      switch (this.#state) {
        case 'SEND_CLIENT_FIRST_MESSAGE':
          if (challenge.length !== 0) throw new SaslClientError('Expected empty challenge');
          this.#clientFirstBare = `n=${encodeSaslName(this.#username)},r=${this.#clientNonce}`;
          this.#state = 'RECEIVE_SERVER_FIRST_MESSAGE';
          return Buffer.from(GS2_HEADER + this.#clientFirstBare, 'utf8');
        case 'RECEIVE_SERVER_FIRST_MESSAGE':
          return await this.#serverFirst(challenge.toString('utf8'));
        case 'RECEIVE_SERVER_FINAL_MESSAGE':
          this.#serverFinal(challenge.toString('utf8'));
          return null;
        default:
          throw new SaslClientError(`Unexpected challenge in Sasl client state ${this.#state}`);
      }
    } catch (err) {
      this.#state = 'FAILED';
      throw err;
    }
  }

  async #serverFirst(message: string): Promise<Buffer> {
    const attrs = attributes(message);
    if (attrs === null || attrs.length < 3 || attrs[0]![0] !== 'r' || attrs[1]![0] !== 's' || attrs[2]![0] !== 'i') {
      throw new SaslClientError('Invalid SCRAM server first message format');
    }
    const nonce = attrs[0]![1];
    const saltText = attrs[1]![1];
    const iterationsText = attrs[2]![1];
    if (!nonce.startsWith(this.#clientNonce) || nonce.length === this.#clientNonce.length) {
      throw new SaslClientError('Invalid server nonce: does not start with client nonce');
    }
    if (!BASE64.test(saltText) || saltText === '' || !/^[0-9]{1,10}$/.test(iterationsText)) throw new SaslClientError('Invalid SCRAM server first message format');
    const m = this.#mechanism;
    const iterations = Number(iterationsText);
    if (iterations < m.minIterations) throw new SaslClientError(`Requested iterations ${iterations} is less than the minimum ${m.minIterations} for ${m.mechanismName}`);
    if (iterations > SCRAM_MAX_ITERATIONS) throw new SaslClientError(`Requested iterations ${iterations} is more than the maximum ${SCRAM_MAX_ITERATIONS} for ${m.mechanismName}`);
    const salt = Buffer.from(saltText, 'base64');
    const saltedPassword = await pbkdf2Async(Buffer.from(this.#password, 'utf8'), salt, iterations, m.hashBytes, m.hashAlgorithm);
    const clientFinalWithoutProof = `c=${CHANNEL_BINDING},r=${nonce}`;
    const authMessage = `${this.#clientFirstBare},${message},${clientFinalWithoutProof}`;
    // ClientProof := ClientKey XOR HMAC(H(ClientKey), AuthMessage); ServerSignature := HMAC(ServerKey, AuthMessage).
    const clientKey = scramHmac(m, saltedPassword, 'Client Key');
    const clientSignature = scramHmac(m, scramHash(m, clientKey), authMessage);
    const proof = Buffer.alloc(m.hashBytes);
    for (let i = 0; i < m.hashBytes; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    this.#expectedServerSignature = scramHmac(m, scramHmac(m, saltedPassword, 'Server Key'), authMessage);
    this.#state = 'RECEIVE_SERVER_FINAL_MESSAGE';
    return Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  #serverFinal(message: string): void {
    const attrs = attributes(message);
    if (attrs === null || attrs.length === 0) throw new SaslClientError('Invalid SCRAM server final message format');
    const [key, value] = attrs[0]!;
    if (key === 'e') throw new SaslClientError(`Sasl authentication using ${this.mechanismName} failed with error: ${value}`);
    if (key !== 'v' || !BASE64.test(value)) throw new SaslClientError('Invalid SCRAM server final message format');
    const signature = Buffer.from(value, 'base64');
    const expected = this.#expectedServerSignature!;
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw new SaslClientError('Invalid server signature in server final message');
    }
    this.#state = 'COMPLETE';
  }
}
