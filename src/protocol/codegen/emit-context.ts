import { defaultExpr, defaultIsNull, tsNullable } from './field-type.ts';
import type { MessageLayouts, StructLayout } from './layout.ts';
import type { FieldSpec, MessageSpec, StructSpec } from './schema.ts';
import { formatVersionList } from './versions.ts';

/** State shared by the emitters of one message module: helpers that turned out to be needed, fresh names. */
export class EmitContext {
  readonly msg: MessageSpec;
  readonly layouts: MessageLayouts;
  /** Structs whose `default<Name>()` factory is referenced. */
  readonly needDefault = new Set<StructSpec>();
  /** Structs whose `isDefault<Name>()` predicate is referenced. */
  readonly needIsDefault = new Set<StructSpec>();
  #counter = 0;

  constructor(msg: MessageSpec, layouts: MessageLayouts) {
    this.msg = msg;
    this.layouts = layouts;
  }

  /** A fresh local name with the `$` prefix (field locals use `_`, so they never clash). */
  fresh(base: string): string {
    return `$${base}${this.#counter++}`;
  }

  resetNames(): void {
    this.#counter = 0;
  }

  where(struct: StructSpec, f?: FieldSpec): string {
    return f === undefined ? `${this.msg.fileName}: ${struct.name}` : `${this.msg.fileName}: ${struct.name}.${f.name}`;
  }

  /** Default value expression of a field, recording any `default<Struct>()` it calls. */
  defaultOf(struct: StructSpec, f: FieldSpec): string {
    const d = defaultExpr(f, this.where(struct, f));
    if (f.type.kind === 'struct' && d !== 'null') this.needDefault.add(f.type.struct);
    return d;
  }

  /**
   * Expression that is true when `x` (a defined input value of field `f`) differs from the field's default,
   * following Kafka's FieldSpec.generateNonDefaultValueCheck.
   */
  nonDefault(struct: StructSpec, f: FieldSpec, x: string): string {
    const t = f.type;
    const nullable = tsNullable(f);
    if (defaultIsNull(f)) return `${x} !== null`;
    if (t.kind === 'array' || (t.kind === 'primitive' && t.name === 'bytes')) {
      return nullable ? `(${x} === null || ${x}.length !== 0)` : `${x}.length !== 0`;
    }
    if (t.kind === 'struct') {
      this.needIsDefault.add(t.struct);
      return nullable ? `(${x} === null || !isDefault${t.struct.name}(${x}))` : `!isDefault${t.struct.name}(${x})`;
    }
    return `${x} !== ${this.defaultOf(struct, f)}`;
  }

  /** The negation of {@link nonDefault}: true when `x` equals the field's default. */
  isDefault(struct: StructSpec, f: FieldSpec, x: string): string {
    const t = f.type;
    const nullable = tsNullable(f);
    if (defaultIsNull(f)) return `${x} === null`;
    if (t.kind === 'array' || (t.kind === 'primitive' && t.name === 'bytes')) {
      return nullable ? `(${x} !== null && ${x}.length === 0)` : `${x}.length === 0`;
    }
    if (t.kind === 'struct') {
      this.needIsDefault.add(t.struct);
      return nullable ? `(${x} !== null && isDefault${t.struct.name}(${x}))` : `isDefault${t.struct.name}(${x})`;
    }
    return `${x} === ${this.defaultOf(struct, f)}`;
  }

  /** Expression for an input field's value with its default filled in. */
  inputValue(struct: StructSpec, f: FieldSpec, v: string): string {
    const t = f.type;
    let d: string;
    if (t.kind === 'struct' && !defaultIsNull(f)) d = '{}';
    else d = this.defaultOf(struct, f);
    if (tsNullable(f) && d !== 'null') return `${v}.${f.camelName} === undefined ? ${d} : ${v}.${f.camelName}`;
    return `${v}.${f.camelName} ?? ${d}`;
  }

  /** "version 3" or "versions 0-2,5": the versions a layout function serves, for error messages. */
  versionsText(layout: StructLayout): string {
    return `${layout.versions.length === 1 ? 'version' : 'versions'} ${formatVersionList(layout.versions)}`;
  }
}

export function readFn(l: StructLayout): string {
  return `read${l.struct.name}${l.id}`;
}

export function writeFn(l: StructLayout): string {
  return `write${l.struct.name}${l.id}`;
}

export function sizeFn(l: StructLayout): string {
  return `size${l.struct.name}${l.id}`;
}
