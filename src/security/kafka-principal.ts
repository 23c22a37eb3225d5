/** Who sent a request, after Kafka's `KafkaPrincipal`: `User:ANONYMOUS` until authentication exists. */
export interface KafkaPrincipal {
  /** The principal type, 'User' for every principal Kafka's default builder makes. */
  readonly principalType: string;
  readonly name: string;
  /** True for a principal authenticated with a delegation token (KIP-48); ignored by ACL matching. */
  readonly tokenAuthenticated: boolean;
}

/**
 * The principal Kafka's `DefaultKafkaPrincipalBuilder` gives every PLAINTEXT connection (and SSL without client
 * authentication): `User:ANONYMOUS`.
 */
export const ANONYMOUS_PRINCIPAL: KafkaPrincipal = Object.freeze({ principalType: 'User', name: 'ANONYMOUS', tokenAuthenticated: false });

/** The ACL principal that matches every user (Kafka's `StandardAuthorizerData.WILDCARD_PRINCIPAL`). */
export const WILDCARD_PRINCIPAL = 'User:*';

/** Kafka's `KafkaPrincipal.toString`: `type:name` (how ACLs and super.users name principals). */
export function principalToString(principal: Pick<KafkaPrincipal, 'principalType' | 'name'>): string {
  return `${principal.principalType}:${principal.name}`;
}

/**
 * Kafka's `SecurityUtils.parseKafkaPrincipal`: `type:name`, split at the first colon (the name may hold more).
 * @throws Error for an empty string or one without a colon (Kafka's IllegalArgumentException).
 */
export function parseKafkaPrincipal(text: string): KafkaPrincipal {
  const colon = text.indexOf(':');
  if (colon < 0) throw new Error(`expected a string in format principalType:principalName but got ${text}`);
  return { principalType: text.slice(0, colon), name: text.slice(colon + 1), tokenAuthenticated: false };
}
