import { Errors } from '../protocol/generated/errors.ts';
import type { AlterUserScramCredentialsRequest } from '../protocol/generated/messages/alter-user-scram-credentials-request.ts';
import type { AlterUserScramCredentialsResult } from '../protocol/generated/messages/alter-user-scram-credentials-response.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';
import type { MetadataRecordInput } from '../metadata/metadata-record-serde.ts';
import { METADATA_VERSION_FEATURE, metadataVersionSupports } from '../metadata/metadata-version.ts';
import { SCRAM_MAX_ITERATIONS, scramCredentialFromSaltedPassword, scramMechanism } from '../security/sasl/scram-mechanism.ts';

/** One user's outcome (AlterUserScramCredentialsResponse.results). */
export type ScramAlterationResult = Pick<AlterUserScramCredentialsResult, 'user' | 'errorCode' | 'errorMessage'>;

interface Failure {
  readonly code: number;
  readonly message: string;
}

const DUPLICATE: Failure = { code: Errors.DUPLICATE_RESOURCE, message: 'A user credential cannot be altered twice in the same request' };

/** Kafka's ScramControlManager.validateScramUsernameAndMechanism. */
function validateNameAndMechanism(name: string, mechanism: number): Failure | null {
  if (name === '') return { code: Errors.UNACCEPTABLE_CREDENTIAL, message: 'Username must not be empty' };
  if (scramMechanism(mechanism) === undefined) return { code: Errors.UNSUPPORTED_SASL_MECHANISM, message: 'Unknown SCRAM mechanism' };
  return null;
}

/**
 * SCRAM credentials on the controller, after Kafka's `ScramControlManager`: AlterUserScramCredentials turns into
 * UserScramCredentialRecords (stored key and server key derived from the client's salted password, RFC 5802) and
 * RemoveUserScramCredentialRecords over the committed image (the controller runs one operation at a time).
 */
export class ScramControlManager {
  /**
   * Kafka's alterCredentials: a user named twice in the request (deletions and upsertions together) gets
   * DUPLICATE_RESOURCE (92); UNSUPPORTED_VERSION (35) below metadata.version 3.5-IV2; an empty name or a
   * mechanism other than 1/2 UNACCEPTABLE_CREDENTIAL (93) / UNSUPPORTED_SASL_MECHANISM (33); a deletion of a
   * credential the image lacks RESOURCE_NOT_FOUND (91); iterations outside 4096..16384 UNACCEPTABLE_CREDENTIAL
   * ("Too few iterations" / "Too many iterations"). Results: deletions, then upsertions, then failures; the
   * records are one atomic batch.
   */
  alterCredentials(image: MetadataImage, request: Pick<AlterUserScramCredentialsRequest, 'deletions' | 'upsertions'>): { records: MetadataRecordInput[]; results: ScramAlterationResult[] } {
    const supported = metadataVersionSupports.scram(image.features.get(METADATA_VERSION_FEATURE) ?? 0);
    const unsupported: Failure = { code: Errors.UNSUPPORTED_VERSION, message: 'The current metadata.version does not support SCRAM' };
    const errors = new Map<string, Failure>();
    const deletions = new Map<string, AlterUserScramCredentialsRequest['deletions'][number]>();
    const upsertions = new Map<string, AlterUserScramCredentialsRequest['upsertions'][number]>();
    for (const d of request.deletions) {
      if (errors.has(d.name)) continue;
      if (deletions.delete(d.name)) {
        errors.set(d.name, DUPLICATE);
        continue;
      }
      const failure = !supported ? unsupported : validateNameAndMechanism(d.name, d.mechanism)
        ?? (image.scram.get(d.name)?.has(d.mechanism) === true ? null : { code: Errors.RESOURCE_NOT_FOUND, message: 'Attempt to delete a user credential that does not exist' });
      if (failure !== null) errors.set(d.name, failure);
      else deletions.set(d.name, d);
    }
    for (const u of request.upsertions) {
      if (errors.has(u.name)) continue;
      if (deletions.delete(u.name) || upsertions.delete(u.name)) {
        errors.set(u.name, DUPLICATE);
        continue;
      }
      let failure = !supported ? unsupported : validateNameAndMechanism(u.name, u.mechanism);
      if (failure === null && u.iterations < scramMechanism(u.mechanism)!.minIterations) failure = { code: Errors.UNACCEPTABLE_CREDENTIAL, message: 'Too few iterations' };
      if (failure === null && u.iterations > SCRAM_MAX_ITERATIONS) failure = { code: Errors.UNACCEPTABLE_CREDENTIAL, message: 'Too many iterations' };
      if (failure !== null) errors.set(u.name, failure);
      else upsertions.set(u.name, u);
    }
    const records: MetadataRecordInput[] = [];
    const results: ScramAlterationResult[] = [];
    for (const d of deletions.values()) {
      records.push({ type: 'RemoveUserScramCredentialRecord', version: 0, data: { name: d.name, mechanism: d.mechanism } });
      results.push({ user: d.name, errorCode: Errors.NONE, errorMessage: null });
    }
    for (const u of upsertions.values()) {
      const credential = scramCredentialFromSaltedPassword(scramMechanism(u.mechanism)!, u.saltedPassword, u.salt, u.iterations);
      records.push({ type: 'UserScramCredentialRecord', version: 0, data: { name: u.name, mechanism: u.mechanism, ...credential } });
      results.push({ user: u.name, errorCode: Errors.NONE, errorMessage: null });
    }
    for (const [user, f] of errors) results.push({ user, errorCode: f.code, errorMessage: f.message });
    return { records, results };
  }
}
