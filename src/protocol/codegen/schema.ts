import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonWithComments } from './json-with-comments.ts';
import { NO_VERSIONS, contains, intersect, isEmpty, parseVersions, type Versions } from './versions.ts';

/**
 * The message-definition model of Kafka's generator (MessageSpec, StructSpec, FieldSpec), loaded from the
 * JSON files under /work/shared/kafka-protocol (apache/kafka clients/src/main/resources/common/message and
 * the coordinator/metadata/raft resources).
 */

export type PrimitiveName =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'int64'
  | 'float64'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records';

export type FieldType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveName }
  | { readonly kind: 'struct'; readonly struct: StructSpec }
  | { readonly kind: 'array'; readonly element: FieldType };

export interface FieldSpec {
  /** Kafka's PascalCase name (`ThrottleTimeMs`). */
  readonly name: string;
  /** Our property name (`throttleTimeMs`): the first letter lower-cased, as Kafka's camelCaseName. */
  readonly camelName: string;
  /** The type as written in the JSON (`[]TopicProduceData`, `int32`). */
  readonly typeText: string;
  readonly type: FieldType;
  readonly versions: Versions;
  readonly nullableVersions: Versions;
  readonly taggedVersions: Versions;
  readonly tag: number | undefined;
  readonly ignorable: boolean;
  /** The `default` attribute as text ('' when absent; 'null' for JSON null). */
  readonly defaultText: string;
  /** Field-level `flexibleVersions` override (only RequestHeader.ClientId uses it: "none"). */
  readonly flexibleOverride: Versions | undefined;
}

export interface StructSpec {
  /** TypeScript interface name (the JSON type name, prefixed by its parent's name on a clash). */
  name: string;
  readonly jsonName: string;
  readonly fields: FieldSpec[];
}

export type SchemaDir = 'clients' | 'group-coordinator' | 'transaction-coordinator' | 'metadata' | 'raft';

export const SCHEMA_DIRS: readonly SchemaDir[] = [
  'clients',
  'group-coordinator',
  'transaction-coordinator',
  'metadata',
  'raft',
];

export interface MessageSpec {
  readonly name: string;
  /** The definition's file name without `.json` (it names the module; ZkMigrationRecord holds ZkMigrationStateRecord). */
  readonly fileName: string;
  readonly dir: SchemaDir;
  /** -1 when the definition has no apiKey. */
  readonly apiKey: number;
  readonly type: string;
  readonly listeners: readonly string[];
  readonly validVersions: Versions;
  readonly flexibleVersions: Versions;
  readonly deprecatedVersions: Versions;
  readonly latestVersionUnstable: boolean;
  readonly root: StructSpec;
  /** Every distinct struct of the message, root first, then breadth-first in definition order. */
  readonly structs: readonly StructSpec[];
}

const PRIMITIVES = new Set<string>([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'int64',
  'float64',
  'uuid',
  'string',
  'bytes',
  'records',
]);

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number | string;
  ignorable?: boolean;
  default?: unknown;
  flexibleVersions?: string;
  fields?: RawField[];
}

interface RawMessage {
  name: string;
  type: string;
  apiKey?: number;
  listeners?: string[];
  validVersions: string;
  flexibleVersions: string;
  deprecatedVersions?: string;
  latestVersionUnstable?: boolean;
  fields: RawField[];
  commonStructs?: { name: string; versions?: string; fields: RawField[] }[];
}

/** Lower-cases the first letter, as Kafka's FieldSpec.camelCaseName does. */
export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** `ProduceRequest` -> `produce-request`, `KRaftVersionRecord` -> `k-raft-version-record`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** A canonical text of a struct definition's wire-relevant attributes, to detect identical duplicates. */
function structSignature(fields: readonly RawField[]): string {
  const norm = (f: RawField): unknown => [
    f.name,
    f.type,
    f.versions ?? null,
    f.nullableVersions ?? null,
    f.taggedVersions ?? null,
    f.tag ?? null,
    f.ignorable ?? false,
    f.default === undefined ? null : String(f.default),
    f.flexibleVersions ?? null,
    f.fields === undefined ? null : f.fields.map(norm),
  ];
  return JSON.stringify(fields.map(norm));
}

function elementTypeName(typeText: string): { isArray: boolean; base: string } {
  return typeText.startsWith('[]') ? { isArray: true, base: typeText.slice(2) } : { isArray: false, base: typeText };
}

/** Builds the struct tree of one message, naming structs breadth-first (outer structs keep plain names). */
function buildMessageStructs(raw: RawMessage, where: string): { root: StructSpec; structs: StructSpec[] } {
  const common = new Map<string, RawField[]>();
  for (const cs of raw.commonStructs ?? []) common.set(cs.name, cs.fields);
  const byName = new Map<string, { signature: string; spec: StructSpec }>();
  const commonSpecs = new Map<string, StructSpec>();
  const ordered: StructSpec[] = [];
  const queue: { spec: StructSpec; raw: RawField[] }[] = [];

  const root: StructSpec = { name: raw.name, jsonName: raw.name, fields: [] };
  byName.set(raw.name, { signature: '<root>', spec: root });
  ordered.push(root);
  queue.push({ spec: root, raw: raw.fields });

  const structFor = (parent: StructSpec, f: RawField, base: string): StructSpec => {
    let fields = f.fields;
    if (fields === undefined) {
      const existing = commonSpecs.get(base);
      if (existing !== undefined) return existing;
      fields = common.get(base);
      if (fields === undefined) throw new Error(`${where}: field ${f.name} uses unknown struct ${base}`);
    }
    const signature = structSignature(fields);
    for (const name of [base, parent.name + base]) {
      const known = byName.get(name);
      if (known === undefined) {
        const spec: StructSpec = { name, jsonName: base, fields: [] };
        byName.set(name, { signature, spec });
        if (f.fields === undefined) commonSpecs.set(base, spec);
        ordered.push(spec);
        queue.push({ spec, raw: fields });
        return spec;
      }
      if (known.signature === signature) return known.spec;
    }
    throw new Error(`${where}: cannot find a unique name for struct ${base} inside ${parent.name}`);
  };

  while (queue.length > 0) {
    const { spec, raw: rawFields } = queue.shift()!;
    for (const f of rawFields) spec.fields.push(buildField(spec, f, where, structFor));
    const tags = new Set<number>();
    for (const f of spec.fields) {
      if (f.tag === undefined) continue;
      if (tags.has(f.tag)) throw new Error(`${where}: duplicate tag ${f.tag} in ${spec.name}`);
      tags.add(f.tag);
    }
  }
  return { root, structs: ordered };
}

function buildField(
  parent: StructSpec,
  f: RawField,
  where: string,
  structFor: (parent: StructSpec, f: RawField, base: string) => StructSpec,
): FieldSpec {
  const taggedVersions = parseVersions(f.taggedVersions, NO_VERSIONS);
  // Kafka's FieldSpec: a tagged field without `versions` exists in its tagged versions.
  const versions = parseVersions(f.versions, isEmpty(taggedVersions) ? NO_VERSIONS : taggedVersions);
  if (f.versions === undefined && isEmpty(taggedVersions)) {
    throw new Error(`${where}: field ${f.name} has no versions`);
  }
  const { isArray, base } = elementTypeName(f.type);
  let elementType: FieldType;
  if (PRIMITIVES.has(base)) {
    elementType = { kind: 'primitive', name: base as PrimitiveName };
  } else if (/^[A-Z]/.test(base)) {
    elementType = { kind: 'struct', struct: structFor(parent, f, base) };
  } else {
    throw new Error(`${where}: field ${f.name} has unknown type ${f.type}`);
  }
  if (isArray && elementType.kind === 'primitive' && elementType.name === 'records') {
    throw new Error(`${where}: arrays of records are not supported`);
  }
  const type: FieldType = isArray ? { kind: 'array', element: elementType } : elementType;
  // Some definitions write the tag as a string ("tag": "0").
  const tag = f.tag === undefined ? undefined : Number(f.tag);
  if (tag !== undefined && !(Number.isInteger(tag) && tag >= 0)) throw new Error(`${where}: bad tag ${f.tag}`);
  if ((tag === undefined) !== isEmpty(taggedVersions)) {
    throw new Error(`${where}: field ${f.name} needs both tag and taggedVersions`);
  }
  if (!isEmpty(taggedVersions) && taggedVersions.hi !== versions.hi) {
    throw new Error(`${where}: field ${f.name} taggedVersions must be open-ended like its versions`);
  }
  return {
    name: f.name,
    camelName: camelCase(f.name),
    typeText: f.type,
    type,
    versions,
    nullableVersions: parseVersions(f.nullableVersions, NO_VERSIONS),
    taggedVersions,
    tag,
    ignorable: f.ignorable === true,
    defaultText: f.default === undefined ? '' : f.default === null ? 'null' : String(f.default),
    flexibleOverride: f.flexibleVersions === undefined ? undefined : parseVersions(f.flexibleVersions, NO_VERSIONS),
  };
}

/** Parses one definition file. @throws Error on a definition this generator cannot handle. */
export function parseMessage(text: string, dir: SchemaDir, fileName: string, where: string): MessageSpec {
  const raw = parseJsonWithComments(text) as RawMessage;
  const validVersions = parseVersions(raw.validVersions, NO_VERSIONS);
  if (isEmpty(validVersions)) throw new Error(`${where}: no validVersions`);
  const flexibleVersions = parseVersions(raw.flexibleVersions, NO_VERSIONS);
  const { root, structs } = buildMessageStructs(raw, where);
  for (const s of structs) {
    for (const f of s.fields) {
      const tagged = intersect(f.taggedVersions, validVersions);
      if (!isEmpty(tagged) && !(contains(flexibleVersions, tagged.lo) && flexibleVersions.hi >= tagged.hi)) {
        throw new Error(`${where}: tagged field ${s.name}.${f.name} outside flexible versions`);
      }
    }
  }
  return {
    name: raw.name,
    fileName,
    dir,
    apiKey: raw.apiKey ?? -1,
    type: raw.type,
    listeners: raw.listeners ?? [],
    validVersions,
    flexibleVersions,
    deprecatedVersions: parseVersions(raw.deprecatedVersions, NO_VERSIONS),
    latestVersionUnstable: raw.latestVersionUnstable === true,
    root,
    structs,
  };
}

/**
 * Definitions newer than the base folder's, layered over it (see overlay/README.md): Kafka 4.4.0's VoteRequest and
 * VoteResponse (v2, KIP-996's PreVote), so that only the raft messages move past the base's October 2024 state.
 */
export const OVERLAY_DIR = join(import.meta.dirname, 'overlay');

/** The `.json` file names of `dir`. @throws Error when it does not exist, unless `optional` (then none). */
function jsonFiles(dir: string, optional = false): string[] {
  if (optional && !existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json'));
}

/**
 * Loads every definition under `schemaDir`/{clients,...,raft}, sorted by folder then file name. A file of the same
 * folder and name under `overlayDir` replaces the base's (or is added when the base has none).
 */
export function loadMessages(schemaDir: string, overlayDir: string = OVERLAY_DIR): MessageSpec[] {
  const out: MessageSpec[] = [];
  for (const dir of SCHEMA_DIRS) {
    const overlaid = new Set(jsonFiles(join(overlayDir, dir), true));
    const files = [...new Set([...jsonFiles(join(schemaDir, dir)), ...overlaid])].sort();
    for (const file of files) {
      const where = overlaid.has(file) ? `overlay/${dir}/${file}` : `${dir}/${file}`;
      const path = join(overlaid.has(file) ? overlayDir : schemaDir, dir, file);
      out.push(parseMessage(readFileSync(path, 'utf8'), dir, file.slice(0, -5), where));
    }
  }
  return out;
}
