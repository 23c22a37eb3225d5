import type { KafkaPrincipal } from '../kafka-principal.ts';

/** Kafka's `AuthorizationResult`. */
export type AuthorizationResult = 'ALLOWED' | 'DENIED';

/**
 * What the authorizer needs of the request being authorized (Kafka's `AuthorizableRequestContext`): who sent it,
 * from where, and which API it is (for the decision log).
 */
export interface AuthorizableRequestContext {
  readonly principal: KafkaPrincipal;
  /** The client's IP address as the connection saw it (IPv4 dotted, IPv6 text, IPv4-mapped IPv6 accepted). */
  readonly clientAddress: string;
  /** Api key of the request (ApiKeys), named in the decision log. */
  readonly requestApiKey: number;
}

/**
 * One thing a request wants to do (Kafka's `Action`): an operation on one literal resource.
 * `logIfAllowed` / `logIfDenied` (default true) say whether the decision is worth the audit log at DEBUG / INFO
 * (Kafka passes false where a denial only filters a listing, e.g. Metadata of all topics); otherwise it goes at TRACE.
 */
export interface Action {
  /** AclOperation code (never ANY or UNKNOWN). */
  readonly operation: number;
  /** ResourceType code (never ANY or UNKNOWN). */
  readonly resourceType: number;
  readonly resourceName: string;
  /** How many times the request names the resource (Kafka's resourceReferenceCount, for the log); default 1. */
  readonly resourceReferenceCount?: number;
  readonly logIfAllowed?: boolean;
  readonly logIfDenied?: boolean;
}
