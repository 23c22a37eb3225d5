import type { CodeBuffer } from './code-buffer.ts';
import type { EmitContext } from './emit-context.ts';
import { tsNullable } from './field-type.ts';
import type { FieldType, MessageSpec, StructSpec } from './schema.ts';
import { intersect, isEmpty, OPEN_END, type Versions } from './versions.ts';

/**
 * Emits `<name>ToJson(value, version)`: the JSON tree Kafka's generated `<Name>JsonConverter.write` builds, for the
 * definitions that are stored rather than sent (records, snapshots, embedded data), which Kafka's tools print
 * (kafka-dump-log, kafka-metadata-shell). Field names are Kafka's camelCase names in definition order; a field
 * absent from the version is left out; a tagged field is written only when it differs from its default (Kafka's
 * generateNonDefaultValueCheck); int64 stays a bigint, float64 a JsonDouble, bytes become standard base64 (Jackson's
 * BinaryNode), uuids their base64url text. The tree is rendered by `jsonText` (src/protocol/json-node.ts).
 */
export function emitJsonWriters(ctx: EmitContext, b: CodeBuffer): void {
  const n = ctx.msg.name;
  b.line();
  b.line(`/** ${n} of \`version\` as the JSON tree of Kafka's ${n}JsonConverter.write (render it with jsonText). */`);
  b.block(`export function ${jsonWriterName(ctx.msg)}(value: ${n}, version: number): JsonObject`, () => {
    b.line(`return ${structFn(ctx.msg.root)}(value, version);`);
  });
  for (const s of ctx.msg.structs) {
    b.line();
    b.block(`function ${structFn(s)}(v: ${s.name}, version: number): JsonObject`, () => {
      b.line('const o: JsonObject = {};');
      for (const f of s.fields) {
        const x = `v.${f.camelName}`;
        const value = valueExpr(f.type, x);
        const put = `o.${f.camelName} = ${tsNullable(f) && value !== x ? `${x} === null ? null : ${value}` : value};`;
        const conditions: string[] = [];
        const present = inVersions(f.versions);
        if (present !== 'true') conditions.push(present);
        const tagged = intersect(f.versions, f.taggedVersions);
        if (!isEmpty(tagged)) {
          // Tagged in every version that has the field, or only in some: untagged versions always write it.
          const alwaysTagged = tagged.lo === f.versions.lo && tagged.hi === f.versions.hi;
          conditions.push(alwaysTagged ? ctx.nonDefault(s, f, x) : `!(${inVersions(tagged)}) || ${ctx.nonDefault(s, f, x)}`);
        }
        b.line(conditions.length === 0 ? put : `if (${conditions.length === 1 ? conditions[0] : conditions.map((c) => `(${c})`).join(' && ')}) ${put}`);
      }
      b.line('return o;');
    });
  }
}

/** `topicRecordToJson` for TopicRecord: the exported writer of a definition. */
export function jsonWriterName(msg: MessageSpec): string {
  return `${msg.name[0]!.toLowerCase()}${msg.name.slice(1)}ToJson`;
}

/** Whether a definition gets JSON writers: stored data, not requests, responses or headers. */
export function hasJsonWriters(msg: MessageSpec): boolean {
  return msg.type !== 'request' && msg.type !== 'response' && msg.type !== 'header';
}

function structFn(s: StructSpec): string {
  return `json${s.name}`;
}

/** A condition on `version` for a range ('true' when it covers every version). */
function inVersions(v: Versions): string {
  if (v.lo <= 0 && v.hi === OPEN_END) return 'true';
  if (v.hi === OPEN_END) return `version >= ${v.lo}`;
  if (v.lo === v.hi) return `version === ${v.lo}`;
  return `version >= ${v.lo} && version <= ${v.hi}`;
}

function valueExpr(t: FieldType, x: string): string {
  if (t.kind === 'struct') return `${structFn(t.struct)}(${x}, version)`;
  if (t.kind === 'array') {
    const element = valueExpr(t.element, 'e');
    return element === 'e' ? x : `${x}.map((e) => ${element})`;
  }
  switch (t.name) {
    case 'float64':
      return `new JsonDouble(${x})`;
    case 'bytes':
      return `${x}.toString('base64')`;
    case 'records':
      throw new Error('records fields have no JSON form in stored data');
    default:
      return x;
  }
}
