import { pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { AlterClientQuotasResponse } from '../protocol/generated/messages/alter-client-quotas-response.ts';
import type { AlterUserScramCredentialsResponse } from '../protocol/generated/messages/alter-user-scram-credentials-response.ts';
import type { DescribeClientQuotasResponse } from '../protocol/generated/messages/describe-client-quotas-response.ts';
import type { DescribeConfigsResponse, DescribeConfigsResourceResult } from '../protocol/generated/messages/describe-configs-response.ts';
import type { DescribeUserScramCredentialsResponse } from '../protocol/generated/messages/describe-user-scram-credentials-response.ts';
import type { IncrementalAlterConfigsResponse } from '../protocol/generated/messages/incremental-alter-configs-response.ts';
import { AdminError, type AdminClient } from './admin-client.ts';

const pbkdf2Async = promisify(pbkdf2);

/** ConfigResource.Type ids on the wire. */
export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;
/** AlterConfigOp.OpType ids on the wire. */
const OP_SET = 0;
const OP_DELETE = 1;
/** ClientQuotaFilterComponent match types (DescribeClientQuotasRequest.MatchType). */
const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_ANY = 2;

/** Kafka's SCRAM mechanisms: wire type, hash, minimum iterations (ScramMechanism). */
export const SCRAM_MECHANISMS = new Map([
  ['SCRAM-SHA-256', { type: 1, digest: 'sha256', keyLength: 32, minIterations: 4096 }],
  ['SCRAM-SHA-512', { type: 2, digest: 'sha512', keyLength: 64, minIterations: 4096 }],
]);
const MECHANISM_NAMES = new Map([...SCRAM_MECHANISMS].map(([name, m]) => [m.type, name]));

/** One quota entity component: a type (user, client-id, ip) and a name (null: the default entity). */
export interface QuotaEntityPart {
  readonly entityType: string;
  readonly entityName: string | null;
}

/** What the filter asks for one entity type: a name, the default entity (''), or any entity (undefined). */
export interface QuotaFilterPart {
  readonly entityType: string;
  readonly name: string | undefined;
}

/** One described quota entity with its values, as the broker ordered them. */
export interface QuotaEntry {
  readonly entity: readonly QuotaEntityPart[];
  readonly values: readonly { key: string; value: number }[];
}

/** A SCRAM upsertion (password in clear; salted here) or deletion. */
export interface ScramAlteration {
  readonly user: string;
  readonly mechanism: string;
  /** Present for an upsertion. */
  readonly upsert?: { readonly iterations: number; readonly password: string };
}

/**
 * The admin calls behind `kafka-broker configs` (the Admin calls of Kafka's ConfigCommand): DescribeConfigs and
 * IncrementalAlterConfigs for topics, brokers and broker loggers; DescribeClientQuotas and AlterClientQuotas for
 * users, clients and ips; DescribeUserScramCredentials and AlterUserScramCredentials, whose salted password is
 * computed here as Kafka's Admin does (RFC 5802 Hi, i.e. PBKDF2 with the mechanism's HMAC, over a random salt).
 * Every method throws AdminError for an error the broker answered and UnsupportedVersionError when the broker lacks
 * the API.
 */
export class ConfigService {
  readonly #client: AdminClient;

  constructor(client: AdminClient) {
    this.#client = client;
  }

  /** DescribeConfigs of one resource, with synonyms. */
  async describe(resourceType: number, resourceName: string): Promise<DescribeConfigsResourceResult[]> {
    const r = await this.#client.send<DescribeConfigsResponse>(ApiKeys.DescribeConfigs, {
      resources: [{ resourceType, resourceName, configurationKeys: null }],
      includeSynonyms: true,
      includeDocumentation: false,
    }, { version: { min: 1 } });
    const result = r.results[0];
    if (result === undefined) throw new Error(`DescribeConfigs answered no result for ${resourceName}`);
    if (result.errorCode !== Errors.NONE) throw new AdminError(result.errorCode, result.errorMessage);
    return result.configs;
  }

  /** IncrementalAlterConfigs of one resource: SET each of `set`, DELETE each of `remove`. */
  async incrementalAlter(resourceType: number, resourceName: string, set: ReadonlyMap<string, string>, remove: readonly string[]): Promise<void> {
    const configs = [
      ...[...set].map(([name, value]) => ({ name, configOperation: OP_SET, value })),
      ...remove.map((name) => ({ name, configOperation: OP_DELETE, value: '' })),
    ];
    const r = await this.#client.send<IncrementalAlterConfigsResponse>(ApiKeys.IncrementalAlterConfigs, {
      resources: [{ resourceType, resourceName, configs }],
      validateOnly: false,
    });
    for (const response of r.responses) if (response.errorCode !== Errors.NONE) throw new AdminError(response.errorCode, response.errorMessage);
  }

  /** The ids of the brokers of the cluster (Metadata). */
  async brokerIds(): Promise<number[]> {
    return (await this.#client.metadata([])).brokers.map((b) => b.nodeId);
  }

  /** Every topic name, internal ones included (Metadata). */
  async topicNames(): Promise<string[]> {
    return (await this.#client.metadata(null)).topics.map((t) => t.name).filter((n): n is string => n !== null);
  }

  /** DescribeClientQuotas with a containsOnly filter (strict) over `parts`. */
  async describeQuotas(parts: readonly QuotaFilterPart[]): Promise<QuotaEntry[]> {
    const components = parts.map((p) => p.name === undefined
      ? { entityType: p.entityType, matchType: MATCH_ANY, match: null }
      : p.name === ''
        ? { entityType: p.entityType, matchType: MATCH_DEFAULT, match: null }
        : { entityType: p.entityType, matchType: MATCH_EXACT, match: p.name });
    const r = await this.#client.send<DescribeClientQuotasResponse>(ApiKeys.DescribeClientQuotas, { components, strict: true });
    if (r.errorCode !== Errors.NONE) throw new AdminError(r.errorCode, r.errorMessage);
    return (r.entries ?? []).map((e) => ({ entity: e.entity, values: e.values }));
  }

  /** AlterClientQuotas of one entity: each of `set` to its value, each of `remove` removed. */
  async alterQuotas(entity: readonly QuotaEntityPart[], set: ReadonlyMap<string, number>, remove: readonly string[]): Promise<void> {
    const ops = [...[...set].map(([key, value]) => ({ key, value, remove: false })), ...remove.map((key) => ({ key, value: 0, remove: true }))];
    const r = await this.#client.send<AlterClientQuotasResponse>(ApiKeys.AlterClientQuotas, { entries: [{ entity, ops }], validateOnly: false });
    for (const e of r.entries) if (e.errorCode !== Errors.NONE) throw new AdminError(e.errorCode, e.errorMessage);
  }

  /**
   * The SCRAM credentials of `users` (empty: every user) as [user, result]: the mechanisms with their iterations, or
   * the error of that user (RESOURCE_NOT_FOUND for a user without credentials).
   */
  async describeScram(users: readonly string[]): Promise<[string, { credentials: { mechanism: string; iterations: number }[] } | { error: AdminError }][]> {
    const r = await this.#client.send<DescribeUserScramCredentialsResponse>(ApiKeys.DescribeUserScramCredentials, { users: users.length === 0 ? null : users.map((name) => ({ name })) });
    if (r.errorCode !== Errors.NONE) throw new AdminError(r.errorCode, r.errorMessage);
    return r.results.map((u) => [u.user, u.errorCode === Errors.NONE
      ? { credentials: u.credentialInfos.map((c) => ({ mechanism: MECHANISM_NAMES.get(c.mechanism) ?? `UNKNOWN(${c.mechanism})`, iterations: c.iterations })) }
      : { error: new AdminError(u.errorCode, u.errorMessage) }]);
  }

  /** AlterUserScramCredentials: upsertions salted here (a 32-byte random salt), deletions as given. */
  async alterScram(alterations: readonly ScramAlteration[]): Promise<void> {
    const deletions = alterations.filter((a) => a.upsert === undefined).map((a) => ({ name: a.user, mechanism: SCRAM_MECHANISMS.get(a.mechanism)!.type }));
    const upsertions = await Promise.all(alterations.filter((a) => a.upsert !== undefined).map(async (a) => {
      const mechanism = SCRAM_MECHANISMS.get(a.mechanism)!;
      const salt = randomBytes(32);
      const saltedPassword = await pbkdf2Async(Buffer.from(a.upsert!.password, 'utf8'), salt, a.upsert!.iterations, mechanism.keyLength, mechanism.digest);
      return { name: a.user, mechanism: mechanism.type, iterations: a.upsert!.iterations, salt, saltedPassword };
    }));
    const r = await this.#client.send<AlterUserScramCredentialsResponse>(ApiKeys.AlterUserScramCredentials, { deletions, upsertions });
    for (const u of r.results) if (u.errorCode !== Errors.NONE) throw new AdminError(u.errorCode, u.errorMessage);
  }
}
