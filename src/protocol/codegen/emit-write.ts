import type { CodeBuffer } from './code-buffer.ts';
import { sizeFn, writeFn, type EmitContext } from './emit-context.ts';
import { fixedSize, sizePrimitive, tsNullable, writePrimitive } from './field-type.ts';
import type { FieldLayout, StructLayout } from './layout.ts';
import type { FieldType, StructSpec } from './schema.ts';

/**
 * Emits one writer and one size function per struct layout:
 * `write<Struct>V<n>(w: Writer, v: Input<Struct>): void` and `size<Struct>V<n>(v: Input<Struct>): number`.
 * Missing input fields take their defaults. As in Kafka's generated `write`, a non-default value for a field
 * the layout lacks throws a RangeError unless the field is ignorable; so do a null where the layout does not
 * allow one and unknown tagged fields in a non-flexible layout. Tagged fields are written only when they
 * differ from their default, merged in tag order with the unknown ones.
 */
export function emitWriter(ctx: EmitContext, b: CodeBuffer, layout: StructLayout): void {
  const s = layout.struct;
  ctx.resetNames();
  b.block(`function ${writeFn(layout)}(w: Writer, v: Input<${s.name}>): void`, () => {
    const versions = ctx.versionsText(layout);
    for (const f of layout.absent) {
      if (f.ignorable) continue;
      const check = ctx.nonDefault(s, f, `v.${f.camelName}`);
      b.line(`if (v.${f.camelName} !== undefined && ${check}) {`);
      b.line(`  throw new RangeError('${s.name}.${f.camelName}: a non-default value cannot be written in ${versions}');`);
      b.line('}');
    }
    if (!layout.flexible && structIsFlexible(ctx, s)) {
      b.line('if (v._unknownTaggedFields !== undefined && v._unknownTaggedFields.length > 0) {');
      b.line(`  throw new RangeError('${s.name}: tagged fields cannot be written in ${versions}');`);
      b.line('}');
    }
    for (const fl of layout.regular) {
      const f = fl.field;
      const fixed = fixedSize(f.type);
      if (fixed !== undefined && !tsNullable(f)) {
        b.line(`${writePrimitive(primitiveName(f.type), fl.flexible, false, ctx.inputValue(s, f, 'v'))};`);
        continue;
      }
      const x = `_${f.camelName}`;
      b.line(`const ${x} = ${ctx.inputValue(s, f, 'v')};`);
      nullCheck(b, s, fl, x, versions);
      writeValue(ctx, b, fl, x, false);
    }
    if (!layout.flexible) return;
    b.line('const $u = v._unknownTaggedFields;');
    if (layout.tagged.length === 0) {
      b.line('if ($u === undefined) w.writeUnsignedVarint(0);');
      b.line('else {');
      b.line('  w.writeUnsignedVarint($u.length);');
      b.line('  for (const $f of $u) w.writeTaggedField($f);');
      b.line('}');
      return;
    }
    const has: string[] = [];
    for (const fl of layout.tagged) {
      const f = fl.field;
      const x = `_${f.camelName}`;
      b.line(`const ${x} = ${ctx.inputValue(s, f, 'v')};`);
      const h = `$has${f.tag}`;
      b.line(`const ${h} = ${ctx.nonDefault(s, f, x)};`);
      has.push(`(${h} ? 1 : 0)`);
    }
    b.line(`w.writeUnsignedVarint(${has.join(' + ')} + ($u === undefined ? 0 : $u.length));`);
    b.line('let $ui = 0;');
    for (const fl of layout.tagged) {
      const f = fl.field;
      const x = `_${f.camelName}`;
      b.block(`if ($has${f.tag})`, () => {
        nullCheck(b, s, fl, x, versions);
        b.line(`if ($u !== undefined) while ($ui < $u.length && $u[$ui]!.tag < ${f.tag}) w.writeTaggedField($u[$ui++]!);`);
        b.line(`w.writeUnsignedVarint(${f.tag});`);
        const acc = new SizeSum(b, '$ts');
        sizeValue(ctx, acc, fl, x);
        b.line(`w.writeUnsignedVarint(${acc.total()});`);
        writeValue(ctx, b, fl, x, true);
      });
    }
    b.line('if ($u !== undefined) while ($ui < $u.length) w.writeTaggedField($u[$ui++]!);');
  });
}

export function emitSizer(ctx: EmitContext, b: CodeBuffer, layout: StructLayout): void {
  const s = layout.struct;
  ctx.resetNames();
  b.block(`function ${sizeFn(layout)}(v: Input<${s.name}>): number`, () => {
    const acc = new SizeSum(b, '$s');
    for (const fl of layout.regular) {
      const f = fl.field;
      const fixed = fixedSize(f.type);
      if (fixed !== undefined) {
        acc.addConstant(fixed);
        continue;
      }
      const x = `_${f.camelName}`;
      b.line(`const ${x} = ${ctx.inputValue(s, f, 'v')};`);
      nullCheck(b, s, fl, x, ctx.versionsText(layout));
      sizeValue(ctx, acc, fl, x);
    }
    if (layout.flexible) {
      b.line('const $u = v._unknownTaggedFields;');
      if (layout.tagged.length === 0) {
        const name = acc.declare();
        b.line(`if ($u === undefined) ${name} += 1;`);
        b.block('else', () => {
          b.line(`${name} += Sizes.uvarint($u.length);`);
          b.line(`for (const $f of $u) ${name} += Sizes.taggedField($f);`);
        });
      } else {
        const name = acc.declare();
        b.line('let $tn = 0;');
        b.line('if ($u !== undefined) {');
        b.line('  $tn = $u.length;');
        b.line(`  for (const $f of $u) ${name} += Sizes.taggedField($f);`);
        b.line('}');
        for (const fl of layout.tagged) {
          const f = fl.field;
          const x = `_${f.camelName}`;
          b.line(`const ${x} = ${ctx.inputValue(s, f, 'v')};`);
          b.block(`if (${ctx.nonDefault(s, f, x)})`, () => {
            b.line('$tn++;');
            const inner = new SizeSum(b, '$ts');
            sizeValue(ctx, inner, fl, x);
            const total = inner.total();
            acc.add(`${uvarintSize(f.tag!)} + Sizes.uvarint(${total}) + ${total}`);
          });
        }
        acc.add('Sizes.uvarint($tn)');
      }
    }
    b.line(`return ${acc.total()};`);
  });
}

/** Whether any layout of `s` in this message is flexible (then its interface has `_unknownTaggedFields`). */
export function structIsFlexible(ctx: EmitContext, s: StructSpec): boolean {
  return (ctx.layouts.byStruct.get(s) ?? []).some((l) => l.flexible);
}

function primitiveName(t: FieldType): Extract<FieldType, { kind: 'primitive' }>['name'] {
  if (t.kind !== 'primitive') throw new Error('not a primitive');
  return t.name;
}

function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function nullCheck(b: CodeBuffer, s: StructSpec, fl: FieldLayout, x: string, versions: string): void {
  if (!tsNullable(fl.field) || fl.nullable) return;
  b.line(`if (${x} === null) throw new RangeError('${s.name}.${fl.field.camelName}: null is not allowed in ${versions}');`);
}

/**
 * Accumulates a size: constant parts are summed at generation time; other parts are added to a local
 * (declared on first use).
 */
class SizeSum {
  readonly #b: CodeBuffer;
  readonly #name: string;
  #constant = 0;
  #declared = false;

  constructor(b: CodeBuffer, name: string) {
    this.#b = b;
    this.#name = name;
  }

  get buffer(): CodeBuffer {
    return this.#b;
  }

  addConstant(n: number): void {
    this.#constant += n;
  }

  declare(): string {
    if (!this.#declared) {
      this.#b.line(`let ${this.#name} = 0;`);
      this.#declared = true;
    }
    return this.#name;
  }

  add(expr: string): void {
    if (!this.#declared) {
      this.#b.line(`let ${this.#name} = ${expr};`);
      this.#declared = true;
    } else {
      this.#b.line(`${this.#name} += ${expr};`);
    }
  }

  /** The final expression: the local plus the constant part. */
  total(): string {
    if (!this.#declared) return `${this.#constant}`;
    return this.#constant === 0 ? this.#name : `${this.#name} + ${this.#constant}`;
  }
}

function writeValue(ctx: EmitContext, b: CodeBuffer, fl: FieldLayout, x: string, tagged: boolean): void {
  const t = fl.field.type;
  if (t.kind === 'primitive') {
    b.line(`${writePrimitive(t.name, fl.flexible, fl.nullable, x)};`);
    return;
  }
  if (t.kind === 'struct') {
    const call = `${writeFn(fl.child!)}(w, ${x});`;
    if (!fl.nullable) {
      b.line(call);
      return;
    }
    const [nul, present] = tagged
      ? ['w.writeUnsignedVarint(0);', 'w.writeUnsignedVarint(1);']
      : ['w.writeInt8(-1);', 'w.writeInt8(1);'];
    b.line(`if (${x} === null) ${nul}`);
    b.block('else', () => {
      b.line(present);
      b.line(call);
    });
    return;
  }
  const lengthFn = fl.flexible ? 'w.writeCompactArrayLength' : 'w.writeArrayLength';
  const body = (): void => {
    b.line(`${lengthFn}(${x}.length);`);
    const e = ctx.fresh('e');
    b.line(`for (const ${e} of ${x}) ${writeElement(fl, t.element, e)}`);
  };
  if (!fl.nullable) {
    body();
    return;
  }
  b.line(`if (${x} === null) ${lengthFn}(-1);`);
  b.block('else', body);
}

function writeElement(fl: FieldLayout, t: FieldType, e: string): string {
  if (t.kind === 'primitive') return `${writePrimitive(t.name, fl.flexible, false, e)};`;
  if (t.kind === 'struct') return `${writeFn(fl.child!)}(w, ${e});`;
  throw new Error('nested arrays are not supported');
}

function sizeValue(ctx: EmitContext, acc: SizeSum, fl: FieldLayout, x: string): void {
  const t = fl.field.type;
  if (t.kind === 'primitive') {
    const fixed = fixedSize(t);
    if (fixed !== undefined) acc.addConstant(fixed);
    else acc.add(sizePrimitive(t.name, fl.flexible, fl.nullable, x));
    return;
  }
  if (t.kind === 'struct') {
    const call = `${sizeFn(fl.child!)}(${x})`;
    acc.add(fl.nullable ? `(${x} === null ? 1 : 1 + ${call})` : call);
    return;
  }
  const prefix = fl.flexible ? `Sizes.uvarint(${x}.length + 1)` : '4';
  const elemFixed = fixedSize(t.element);
  if (elemFixed !== undefined) {
    const expr = `${prefix} + ${x}.length * ${elemFixed}`;
    acc.add(fl.nullable ? `(${x} === null ? ${fl.flexible ? 1 : 4} : ${expr})` : expr);
    return;
  }
  const name = acc.declare();
  const b = acc.buffer;
  const elem = t.element;
  const loop = (): void => {
    const e = ctx.fresh('e');
    let expr: string;
    if (elem.kind === 'primitive') expr = sizePrimitive(elem.name, fl.flexible, false, e);
    else if (elem.kind === 'struct') expr = `${sizeFn(fl.child!)}(${e})`;
    else throw new Error('nested arrays are not supported');
    b.line(`for (const ${e} of ${x}) ${name} += ${expr};`);
  };
  if (!fl.nullable) {
    b.line(`${name} += ${prefix};`);
    loop();
    return;
  }
  b.line(`if (${x} === null) ${name} += ${fl.flexible ? 1 : 4};`);
  b.block('else', () => {
    b.line(`${name} += ${prefix};`);
    loop();
  });
}
