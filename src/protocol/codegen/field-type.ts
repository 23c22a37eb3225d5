import type { FieldSpec, FieldType, PrimitiveName, StructSpec } from './schema.ts';
import { isEmpty } from './versions.ts';

/**
 * Type mapping from Kafka's field types to TypeScript, defaults, and the Reader/Writer/Sizes calls for each
 * primitive (protocol guide, "Protocol Primitive Types"; Kafka's FieldType and FieldSpec.fieldDefault).
 */

const FIXED_SIZE: Partial<Record<PrimitiveName, number>> = {
  bool: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  int64: 8,
  float64: 8,
  uuid: 16,
};

/** A single-quoted TypeScript string literal. */
export function tsString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** Encoded size of a fixed-length primitive, or undefined for variable-length types. */
export function fixedSize(t: FieldType): number | undefined {
  return t.kind === 'primitive' ? FIXED_SIZE[t.name] : undefined;
}

const TS_PRIMITIVE: Record<PrimitiveName, string> = {
  bool: 'boolean',
  int8: 'number',
  int16: 'number',
  uint16: 'number',
  int32: 'number',
  int64: 'bigint',
  float64: 'number',
  uuid: 'string',
  string: 'string',
  bytes: 'Buffer',
  records: 'RecordsData',
};

/** Whether a field's TypeScript type includes null: nullable in some version, or a records field. */
export function tsNullable(f: FieldSpec): boolean {
  return !isEmpty(f.nullableVersions) || (f.type.kind === 'primitive' && f.type.name === 'records');
}

/** The TypeScript type of a value of type `t`, without null (`number`, `TopicProduceData[]`). */
export function tsBase(t: FieldType): string {
  if (t.kind === 'primitive') return TS_PRIMITIVE[t.name];
  if (t.kind === 'struct') return t.struct.name;
  return `${tsBase(t.element)}[]`;
}

/** The decoded TypeScript type of a field (`number`, `string | null`, `TopicProduceData[]`). */
export function tsType(f: FieldSpec): string {
  const base = tsBase(f.type);
  return tsNullable(f) ? `${base} | null` : base;
}

function parseInteger(text: string, where: string): bigint {
  const m = /^(-?)(0x[0-9a-fA-F]+|\d+)$/.exec(text.trim());
  if (m === null) throw new Error(`${where}: invalid integer default ${JSON.stringify(text)}`);
  const v = BigInt(m[2]!);
  return m[1] === '-' ? -v : v;
}

const INT_RANGE: Partial<Record<PrimitiveName, [bigint, bigint]>> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  uint16: [0n, 65535n],
  int32: [-2147483648n, 2147483647n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
};

/**
 * The default value of a field as a TypeScript expression, for decoders (absent fields) and encoders
 * (missing input). Struct defaults call `default<Struct>()`; the empty bytes default is `EMPTY_BYTES`.
 * @throws Error on a default that does not fit the type (as Kafka's generator does).
 */
export function defaultExpr(f: FieldSpec, where: string): string {
  const d = f.defaultText;
  const t = f.type;
  if (d === 'null') {
    if (isEmpty(f.nullableVersions) && !(t.kind === 'primitive' && t.name === 'records')) {
      throw new Error(`${where}: null default for non-nullable field ${f.name}`);
    }
    return 'null';
  }
  if (t.kind === 'array') {
    if (d !== '') throw new Error(`${where}: invalid array default for ${f.name}`);
    return '[]';
  }
  if (t.kind === 'struct') {
    if (d !== '') throw new Error(`${where}: invalid struct default for ${f.name}`);
    return `default${t.struct.name}()`;
  }
  switch (t.name) {
    case 'bool': {
      const v = d.toLowerCase();
      if (v !== '' && v !== 'true' && v !== 'false') throw new Error(`${where}: invalid bool default for ${f.name}`);
      return v === 'true' ? 'true' : 'false';
    }
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'int64': {
      const v = d === '' ? 0n : parseInteger(d, where);
      const [lo, hi] = INT_RANGE[t.name]!;
      if (v < lo || v > hi) throw new Error(`${where}: default of ${f.name} out of range`);
      return t.name === 'int64' ? `${v}n` : `${v}`;
    }
    case 'float64': {
      const v = d === '' ? 0 : Number(d);
      if (Number.isNaN(v) && d !== 'NaN') throw new Error(`${where}: invalid float64 default for ${f.name}`);
      return Object.is(v, -0) ? '-0' : `${v}`;
    }
    case 'uuid': {
      if (d === '') return 'ZERO_UUID';
      if (Buffer.from(d, 'base64url').length !== 16) throw new Error(`${where}: invalid uuid default for ${f.name}`);
      return tsString(d);
    }
    case 'string':
      return tsString(d);
    case 'bytes':
      if (d !== '') throw new Error(`${where}: invalid bytes default for ${f.name}`);
      return 'EMPTY_BYTES';
    case 'records':
      return 'null';
  }
}

/** Whether the default of a field is null. */
export function defaultIsNull(f: FieldSpec): boolean {
  return f.defaultText === 'null' || (f.type.kind === 'primitive' && f.type.name === 'records');
}

/** A reference to a struct through a field (direct or as array element), if any. */
export function structOf(t: FieldType): StructSpec | undefined {
  if (t.kind === 'struct') return t.struct;
  if (t.kind === 'array' && t.element.kind === 'struct') return t.element.struct;
  return undefined;
}

/** Reader call for a primitive, e.g. `r.readCompactNullableString()`. */
export function readPrimitive(name: PrimitiveName, flexible: boolean, nullable: boolean): string {
  switch (name) {
    case 'bool':
      return 'r.readBool()';
    case 'int8':
      return 'r.readInt8()';
    case 'int16':
      return 'r.readInt16()';
    case 'uint16':
      return 'r.readUInt16()';
    case 'int32':
      return 'r.readInt32()';
    case 'int64':
      return 'r.readInt64()';
    case 'float64':
      return 'r.readFloat64()';
    case 'uuid':
      return 'r.readUuid()';
    case 'string':
      return `r.read${flexible ? 'Compact' : ''}${nullable ? 'Nullable' : ''}String()`;
    case 'bytes':
    case 'records':
      return `r.read${flexible ? 'Compact' : ''}${nullable ? 'Nullable' : ''}Bytes()`;
  }
}

/** Writer call for a primitive value `x` (already known non-null unless `nullable`). */
export function writePrimitive(name: PrimitiveName, flexible: boolean, nullable: boolean, x: string): string {
  switch (name) {
    case 'bool':
      return `w.writeBool(${x})`;
    case 'int8':
      return `w.writeInt8(${x})`;
    case 'int16':
      return `w.writeInt16(${x})`;
    case 'uint16':
      return `w.writeUInt16(${x})`;
    case 'int32':
      return `w.writeInt32(${x})`;
    case 'int64':
      return `w.writeInt64(${x})`;
    case 'float64':
      return `w.writeFloat64(${x})`;
    case 'uuid':
      return `w.writeUuid(${x})`;
    case 'string':
      return `w.write${flexible ? 'Compact' : ''}${nullable ? 'Nullable' : ''}String(${x})`;
    case 'bytes':
      return `w.write${flexible ? 'Compact' : ''}${nullable ? 'Nullable' : ''}Bytes(${x})`;
    case 'records':
      return `w.write${flexible ? 'Compact' : ''}Records(${x})`;
  }
}

/** Size expression of a primitive value `x`. */
export function sizePrimitive(name: PrimitiveName, flexible: boolean, nullable: boolean, x: string): string {
  const fixed = FIXED_SIZE[name];
  if (fixed !== undefined) return `${fixed}`;
  switch (name) {
    case 'string':
      return flexible
        ? `Sizes.compact${nullable ? 'Nullable' : ''}String(${x})`
        : `Sizes.${nullable ? 'nullableString' : 'string'}(${x})`;
    case 'bytes':
      return flexible ? `Sizes.compactBytes(${x})` : `Sizes.bytes(${x})`;
    default:
      return flexible ? `Sizes.compactRecords(${x})` : `Sizes.records(${x})`;
  }
}
