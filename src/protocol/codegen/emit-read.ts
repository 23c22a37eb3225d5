import type { CodeBuffer } from './code-buffer.ts';
import { readFn, type EmitContext } from './emit-context.ts';
import { readPrimitive, tsBase, tsType } from './field-type.ts';
import type { FieldLayout, StructLayout } from './layout.ts';
import type { FieldType, StructSpec } from './schema.ts';

/**
 * Emits one reader function per struct layout: `read<Struct>V<n>(r: Reader): <Struct>`. Regular fields are
 * read in wire order into locals, tagged fields through Reader.readTaggedFields, absent fields take their
 * defaults, and the object literal lists every field in definition order (one hidden class per struct).
 * Malformed input surfaces as DecodeError from the Reader (or from `r.fail` for a null in a non-nullable field).
 */
export function emitReader(ctx: EmitContext, b: CodeBuffer, layout: StructLayout): void {
  const s = layout.struct;
  ctx.resetNames();
  b.block(`function ${readFn(layout)}(r: Reader): ${s.name}`, () => {
    for (const fl of layout.regular) readField(ctx, b, s, fl, `_${fl.field.camelName}`, true, false);
    let unknown = '';
    if (layout.flexible) {
      unknown = '$unknown';
      for (const fl of layout.tagged) {
        b.line(`let _${fl.field.camelName}: ${tsType(fl.field)} = ${ctx.defaultOf(s, fl.field)};`);
      }
      if (layout.tagged.length === 0) {
        b.line(`const ${unknown} = r.readTaggedFields();`);
      } else {
        b.block(`const ${unknown} = r.readTaggedFields(($tag) =>`, () => {
          b.block('switch ($tag)', () => {
            for (const fl of layout.tagged) {
              b.block(`case ${fl.field.tag}:`, () => {
                readField(ctx, b, s, fl, `_${fl.field.camelName}`, false, true);
                b.line('return true;');
              });
            }
            b.line('default:');
            b.line('  return false;');
          });
        }, ');');
      }
    }
    const present = new Set([...layout.regular, ...layout.tagged].map((fl) => fl.field));
    const props = s.fields.map((f) =>
      present.has(f) ? `${f.camelName}: _${f.camelName}` : `${f.camelName}: ${ctx.defaultOf(s, f)}`,
    );
    if (unknown === '') {
      emitObject(b, 'return ', props, ';');
    } else {
      emitObject(b, `const $o: ${s.name} = `, props, ';');
      b.line(`if (${unknown} !== undefined) $o._unknownTaggedFields = ${unknown};`);
      b.line('return $o;');
    }
  });
}

function emitObject(b: CodeBuffer, prefix: string, props: string[], suffix: string): void {
  if (props.length === 0) {
    b.line(`${prefix}{}${suffix}`);
    return;
  }
  b.line(`${prefix}{`);
  b.indent();
  for (const p of props) b.line(`${p},`);
  b.dedent();
  b.line(`}${suffix}`);
}

/** Reads one field value into `target` (declared with const when `declare`, else assigned). */
function readField(
  ctx: EmitContext,
  b: CodeBuffer,
  s: StructSpec,
  fl: FieldLayout,
  target: string,
  declare: boolean,
  tagged: boolean,
): void {
  const f = fl.field;
  const t = f.type;
  const assign = (expr: string): void => {
    b.line(declare ? `const ${target} = ${expr};` : `${target} = ${expr};`);
  };
  if (t.kind === 'primitive') {
    assign(readPrimitive(t.name, fl.flexible, fl.nullable));
    return;
  }
  if (t.kind === 'struct') {
    const call = `${readFn(fl.child!)}(r)`;
    if (!fl.nullable) assign(call);
    else if (tagged) assign(`r.readUnsignedVarint() === 0 ? null : ${call}`);
    else assign(`r.readInt8() < 0 ? null : ${call}`);
    return;
  }
  const n = ctx.fresh('n');
  const i = ctx.fresh('i');
  b.line(`const ${n} = r.read${fl.flexible ? 'Compact' : ''}ArrayLength();`);
  const elemType = tsBase(t.element);
  const elem = readElement(fl, t.element);
  if (!fl.nullable) {
    b.line(`if (${n} < 0) r.fail('${s.name}.${f.camelName}: null for a non-nullable array');`);
    const arr = declare ? target : ctx.fresh('a');
    b.line(`const ${arr}: ${elemType}[] = [];`);
    b.line(`for (let ${i} = 0; ${i} < ${n}; ${i}++) ${arr}.push(${elem});`);
    if (!declare) b.line(`${target} = ${arr};`);
    return;
  }
  if (declare) b.line(`let ${target}: ${elemType}[] | null = null;`);
  else b.line(`${target} = null;`);
  b.block(`if (${n} >= 0)`, () => {
    const a = ctx.fresh('a');
    b.line(`const ${a}: ${elemType}[] = [];`);
    b.line(`for (let ${i} = 0; ${i} < ${n}; ${i}++) ${a}.push(${elem});`);
    b.line(`${target} = ${a};`);
  });
}

function readElement(fl: FieldLayout, t: FieldType): string {
  if (t.kind === 'primitive') return readPrimitive(t.name, fl.flexible, false);
  if (t.kind === 'struct') return `${readFn(fl.child!)}(r)`;
  throw new Error('nested arrays are not supported');
}
