// The --add-scram arguments of `kafka-broker format`, after Kafka 4.4's ScramParser (kafka-metadata,
// org.apache.kafka.metadata.storage): `MECHANISM=[name=alice,password=secret]`, or with `salt=<base64>`,
// `iterations=<n>` and `saltedpassword=<base64>` instead of the password. Same grammar, same messages.

import { randomBytes } from 'node:crypto';
import type { MetadataRecordInput } from '../metadata/metadata-record-serde.ts';
import { SCRAM_MAX_ITERATIONS, scramCredentialFromSaltedPassword, scramMechanism, scramSaltedPassword, type ScramMechanism } from '../security/sasl/scram-mechanism.ts';

/** Kafka's ScramFormatter default for a credential made without `iterations=`. */
const DEFAULT_ITERATIONS = 4096;

/** Random salt bytes when no `salt=` is given (Kafka's ScramFormatter.secureRandomBytes makes ~26). */
const SALT_BYTES = 32;

/**
 * One UserScramCredentialRecord (version 0) per --add-scram argument, in order: the stored and server keys of RFC
 * 5802 derived from `password` (PBKDF2 over `iterations`, default 4096, with `salt` or random salt bytes) or taken
 * from `saltedpassword` (which needs `salt`). Synchronous PBKDF2: a CLI path, never the broker's request path.
 * @throws Error with Kafka's FormatterException messages: no `=`, an unknown mechanism ("The add-scram mechanism X
 *   is not supported."), no `[`...`]`, a component without `=`, no name, bad base64 salt or salted password, a
 *   non-integer iteration count, neither password nor salted password, a salted password without salt, unknown
 *   keys, iterations outside 4096..16384.
 */
export function parseScramArguments(args: readonly string[]): MetadataRecordInput[] {
  return args.map((arg) => {
    const { mechanism, config } = parsePerMechanismArgument(arg);
    return toRecord(mechanism, config);
  });
}

function parsePerMechanismArgument(input: string): { mechanism: ScramMechanism; config: string } {
  const trimmed = javaTrim(input);
  const equals = trimmed.indexOf('=');
  if (equals < 0) throw new Error(`Failed to find equals sign in SCRAM argument '${trimmed}'`);
  const name = trimmed.slice(0, equals);
  const config = trimmed.slice(equals + 1);
  const mechanism = scramMechanism(name);
  if (mechanism === undefined) throw new Error(`The add-scram mechanism ${name} is not supported.`);
  if (!config.startsWith('[')) throw new Error('Expected configuration string to start with [');
  if (!config.endsWith(']')) throw new Error('Expected configuration string to end with ]');
  return { mechanism, config: config.slice(1, -1) };
}

/** `key=value`, the value unquoted when it is wrapped in double quotes (Kafka's splitTrimmedConfigStringComponent). */
function splitComponent(input: string): [string, string] {
  const i = input.indexOf('=');
  if (i < 0) throw new Error(`No equals sign found in SCRAM component: ${input}`);
  let value = input.slice(i + 1);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  return [input.slice(0, i), value];
}

function toRecord(mechanism: ScramMechanism, config: string): MetadataRecordInput {
  // Java's String.split(","): trailing empty strings dropped; the last value of a repeated key wins (a TreeMap).
  const parts = config.split(',');
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const components = new Map<string, string>();
  for (const part of parts) {
    const [key, value] = splitComponent(part);
    components.set(key, value);
  }
  const take = (key: string): string | undefined => {
    const value = components.get(key);
    components.delete(key);
    return value;
  };
  const name = take('name');
  if (name === undefined) throw new Error("You must supply 'name' to add-scram");
  const saltString = take('salt');
  const salt = saltString === undefined ? undefined : decodeBase64(saltString, `Failed to decode given salt: ${saltString}`);
  const iterationsString = take('iterations');
  const configuredIterations = iterationsString === undefined ? undefined : parseJavaInt(iterationsString);
  const password = take('password');
  const saltedPasswordString = take('saltedpassword');
  let saltedPassword: Buffer | undefined;
  if (password === undefined) {
    if (saltedPasswordString === undefined) throw new Error("You must supply one of 'password' or 'saltedpassword' to add-scram");
    if (salt === undefined) throw new Error("You must supply 'salt' with 'saltedpassword' to add-scram");
    saltedPassword = decodeBase64(saltedPasswordString, `Failed to decode given saltedPassword: ${saltedPasswordString}`);
  }
  if (components.size > 0) throw new Error(`Unknown SCRAM configurations: ${[...components.keys()].sort().join(', ')}`);
  const iterations = configuredIterations ?? DEFAULT_ITERATIONS;
  // Kafka prints the enum constant (SCRAM_SHA_256) in these two messages.
  const constant = mechanism.mechanismName.replaceAll('-', '_');
  if (iterations < mechanism.minIterations) throw new Error(`The 'iterations' value must be >= ${mechanism.minIterations} for add-scram using ${constant}`);
  if (iterations > SCRAM_MAX_ITERATIONS) throw new Error(`The 'iterations' value must be <= ${SCRAM_MAX_ITERATIONS} for add-scram using ${constant}`);
  const saltBytes = salt ?? randomBytes(SALT_BYTES);
  const salted = saltedPassword ?? scramSaltedPassword(mechanism, password!, saltBytes, iterations);
  const credential = scramCredentialFromSaltedPassword(mechanism, salted, saltBytes, iterations);
  return { type: 'UserScramCredentialRecord', version: 0, data: { name, mechanism: mechanism.type, ...credential } };
}

/**
 * java.util.Base64.getDecoder().decode: the basic alphabet only, padding optional but, when present, at the end of
 * a whole 4-character group; a final group of one character is refused.
 */
function decodeBase64(text: string, message: string): Buffer {
  const m = /^([A-Za-z0-9+/]*)(={0,2})$/.exec(text);
  const body = m?.[1] ?? '';
  const padded = (m?.[2] ?? '').length > 0;
  if (m === null || body.length % 4 === 1 || (padded && text.length % 4 !== 0)) throw new Error(message);
  return Buffer.from(text, 'base64');
}

/** Integer.parseInt: an optional sign and decimal digits, within int32. */
function parseJavaInt(text: string): number {
  const n = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) throw new Error(`Failed to parse iterations count: ${text}`);
  return n;
}

/** Java's String.trim: strips code points up to U+0020 at both ends. */
function javaTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  return text.slice(start, end);
}
