// The wire codes of Kafka's ACL enums (org.apache.kafka.common.acl.AclOperation / AclPermissionType,
// org.apache.kafka.common.resource.ResourceType / PatternType), as CreateAcls, DescribeAcls, DeleteAcls and
// AccessControlEntryRecord carry them. A code Kafka does not know reads as UNKNOWN (its `fromCode`).

/** Kafka's `AclOperation` codes. ANY (1) is for filters only; UNKNOWN (0) for codes that are not known. */
export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
  TWO_PHASE_COMMIT: 15,
} as const;

/** Kafka's `ResourceType` codes. ANY (1) is for filters only. */
export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;

/** Kafka's `PatternType` codes. ANY (1) and MATCH (2) are for filters only. */
export const PatternType = {
  UNKNOWN: 0,
  ANY: 1,
  MATCH: 2,
  LITERAL: 3,
  PREFIXED: 4,
} as const;

/** Kafka's `AclPermissionType` codes. ANY (1) is for filters only. */
export const AclPermissionType = {
  UNKNOWN: 0,
  ANY: 1,
  DENY: 2,
  ALLOW: 3,
} as const;

/** The literal resource name that matches every resource of its type (Kafka's `ResourcePattern.WILDCARD_RESOURCE`). */
export const WILDCARD_RESOURCE = '*';

/** The host of an ACL that matches every client address. */
export const WILDCARD_HOST = '*';

type CodeTable = Readonly<Record<string, number>>;

function namesOf(table: CodeTable): ReadonlyMap<number, string> {
  return new Map(Object.entries(table).map(([name, code]) => [code, name]));
}

const OPERATION_NAMES = namesOf(AclOperation);
const RESOURCE_TYPE_NAMES = namesOf(ResourceType);
const PATTERN_TYPE_NAMES = namesOf(PatternType);
const PERMISSION_TYPE_NAMES = namesOf(AclPermissionType);

/** Kafka's `fromCode` of each enum: `code` if the enum knows it, else its UNKNOWN (0). */
export const aclCode = {
  operation: (code: number): number => (OPERATION_NAMES.has(code) ? code : AclOperation.UNKNOWN),
  resourceType: (code: number): number => (RESOURCE_TYPE_NAMES.has(code) ? code : ResourceType.UNKNOWN),
  patternType: (code: number): number => (PATTERN_TYPE_NAMES.has(code) ? code : PatternType.UNKNOWN),
  permissionType: (code: number): number => (PERMISSION_TYPE_NAMES.has(code) ? code : AclPermissionType.UNKNOWN),
} as const;

/** The enum constant names of codes ('READ', 'TOPIC', 'PREFIXED', 'ALLOW'), UNKNOWN for a code not known: for logs and messages. */
export const aclName = {
  operation: (code: number): string => OPERATION_NAMES.get(code) ?? 'UNKNOWN',
  resourceType: (code: number): string => RESOURCE_TYPE_NAMES.get(code) ?? 'UNKNOWN',
  patternType: (code: number): string => PATTERN_TYPE_NAMES.get(code) ?? 'UNKNOWN',
  permissionType: (code: number): string => PERMISSION_TYPE_NAMES.get(code) ?? 'UNKNOWN',
} as const;
