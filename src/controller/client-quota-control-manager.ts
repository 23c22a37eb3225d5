import { Errors } from '../protocol/generated/errors.ts';
import { clientQuotaEntityKey, type ClientQuotaEntityEntry, type MetadataImage } from '../metadata/metadata-image.ts';
import type { MetadataRecordInput } from '../metadata/metadata-record-serde.ts';

/** One entity of an AlterClientQuotas request with its operations (a null value removes the key). */
export interface ClientQuotaAlteration {
  readonly entity: readonly ClientQuotaEntityEntry[];
  readonly ops: readonly { readonly key: string; readonly value: number | null }[];
}

/** The outcome of one entity of AlterClientQuotas. */
export interface ClientQuotaAlterationResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly entity: readonly ClientQuotaEntityEntry[];
}

/** Value types of the quota keys (Kafka's QuotaConfig: the byte rates are LONG, the others DOUBLE). */
const USER_CLIENT_QUOTA_KEYS: ReadonlyMap<string, 'LONG' | 'DOUBLE'> = new Map([
  ['producer_byte_rate', 'LONG'],
  ['consumer_byte_rate', 'LONG'],
  ['request_percentage', 'DOUBLE'],
  ['controller_mutation_rate', 'DOUBLE'],
]);

/** Kafka's bound of a LONG quota (a float literal in its code: 9.223372E18). */
const LONG_QUOTA_MAX = 9.223372e18;

class QuotaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuotaError';
  }
}

/**
 * Kafka's ClientQuotaControlManager.validateEntity + configKeysForEntityType: a non-empty entity of distinct
 * `user` / `client-id` types (an `ip` entity is the connection creation rate quota, which this broker does not
 * enforce), no empty name (null is the default entity).
 * @throws QuotaError with Kafka's message (INVALID_REQUEST).
 */
function validateEntity(entity: readonly ClientQuotaEntityEntry[]): void {
  if (entity.length === 0) throw new QuotaError('Invalid empty client quota entity');
  const seen = new Set<string>();
  for (const { entityType, entityName } of entity) {
    if (seen.has(entityType)) throw new QuotaError(`Invalid client quota entity, duplicate entity entry ${entityType}`);
    seen.add(entityType);
    if (entityType === 'ip') throw new QuotaError('IP quotas (connection_creation_rate) are not enforced by this broker; refusing the entity rather than ignoring it');
    if (entityType !== 'user' && entityType !== 'client-id') throw new QuotaError(`Unhandled client quota entity type: ${entityType}`);
    if (entityName !== null && entityName === '') throw new QuotaError(`Empty ${entityType} not supported`);
  }
}

/** Kafka's ClientQuotaControlManager.validateQuotaKeyValue. @throws QuotaError (INVALID_REQUEST). */
function validateQuotaKeyValue(key: string, value: number): void {
  const type = USER_CLIENT_QUOTA_KEYS.get(key);
  if (type === undefined) throw new QuotaError(`Invalid configuration key ${key}`);
  if (!Number.isFinite(value)) throw new QuotaError(`Quota ${key} must be a finite number`);
  if (value <= 0) throw new QuotaError(`Quota ${key} must be greater than 0`);
  if (type === 'LONG') {
    if (value > LONG_QUOTA_MAX) throw new QuotaError(`Proposed value for ${key} is too large for a LONG.`);
    if (Math.abs(value % 1) > 1e-6) throw new QuotaError(`${key} cannot be a fractional value.`);
  }
}

/**
 * The controller's client quota writes, after Kafka's `ClientQuotaControlManager.alterClientQuotas`: each entity is
 * validated on its own (an entity given twice, or a key given twice for one entity, fails with INVALID_REQUEST);
 * a valid entity's changes become ClientQuotaRecords (a removal only where the key is set, a value only where it
 * changes), applied atomically with the other valid entities of the request. Results are in request order.
 */
export class ClientQuotaControlManager {
  /**
   * @returns the records to append and one result per request entry: NONE, or INVALID_REQUEST (42) with Kafka's
   *   message (bad entity, unknown key, value not positive/finite/integral, ip entities).
   */
  alterClientQuotas(image: MetadataImage, alterations: readonly ClientQuotaAlteration[]): { records: MetadataRecordInput[]; results: ClientQuotaAlterationResult[] } {
    const records: MetadataRecordInput[] = [];
    const counts = new Map<string, number>();
    for (const a of alterations) counts.set(clientQuotaEntityKey(a.entity), (counts.get(clientQuotaEntityKey(a.entity)) ?? 0) + 1);
    const results = alterations.map((a): ClientQuotaAlterationResult => {
      const key = clientQuotaEntityKey(a.entity);
      try {
        if (counts.get(key)! > 1) throw new QuotaError(`Ignoring duplicate entity ${describeEntity(a.entity)}`);
        records.push(...this.#alterEntity(image, key, a));
        return { errorCode: Errors.NONE, errorMessage: null, entity: a.entity };
      } catch (e) {
        if (!(e instanceof QuotaError)) throw e;
        return { errorCode: Errors.INVALID_REQUEST, errorMessage: e.message, entity: a.entity };
      }
    });
    return { records, results };
  }

  #alterEntity(image: MetadataImage, key: string, a: ClientQuotaAlteration): MetadataRecordInput[] {
    const seenKeys = new Set<string>();
    for (const op of a.ops) {
      if (seenKeys.has(op.key)) throw new QuotaError(`Duplicate quota key ${op.key} not updating quota for this entity ${describeEntity(a.entity)}`);
      seenKeys.add(op.key);
    }
    validateEntity(a.entity);
    const current = image.clientQuotas.get(key);
    const entity = a.entity.map((e) => ({ entityType: e.entityType, entityName: e.entityName }));
    const out: MetadataRecordInput[] = [];
    for (const op of a.ops) {
      if (op.value === null) {
        if (current?.has(op.key) === true) out.push({ type: 'ClientQuotaRecord', version: 0, data: { entity, key: op.key, value: 0, remove: true } });
        continue;
      }
      validateQuotaKeyValue(op.key, op.value);
      if (current?.get(op.key) !== op.value) out.push({ type: 'ClientQuotaRecord', version: 0, data: { entity, key: op.key, value: op.value, remove: false } });
    }
    return out;
  }
}

/** Kafka's ClientQuotaEntity text: `user=alice, client-id=<default>`. */
function describeEntity(entity: readonly ClientQuotaEntityEntry[]): string {
  return entity.map((e) => `${e.entityType}=${e.entityName ?? '<default>'}`).join(', ');
}
