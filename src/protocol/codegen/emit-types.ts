import type { CodeBuffer } from './code-buffer.ts';
import type { EmitContext } from './emit-context.ts';
import { structIsFlexible } from './emit-write.ts';
import { tsType } from './field-type.ts';
import type { FieldSpec, StructSpec } from './schema.ts';
import { formatVersionList, formatVersions, isEmpty } from './versions.ts';

/**
 * Emits the TypeScript interface of each struct, with a grammar comment written from the schema (field, wire
 * type, versions, and nullable/tagged/default/ignorable facts), plus the `default<Struct>()` factories and
 * `isDefault<Struct>()` predicates the readers and writers need.
 */
export function emitInterface(ctx: EmitContext, b: CodeBuffer, s: StructSpec): void {
  const layouts = ctx.layouts.byStruct.get(s) ?? [];
  const rows = s.fields.map((f) => [f.camelName, f.typeText, `v${formatVersions(f.versions)}`, fieldFacts(f)]);
  const widths = [0, 1, 2].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)));
  b.line('/**');
  b.line(` * ${s.name} =>${layouts.length > 0 ? `  (wire layouts: ${layouts.map((l) => `v${formatVersionList(l.versions)}`).join(' | ')})` : ''}`);
  for (const r of rows) {
    const text = r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ');
    b.line(` *   ${text.trimEnd()}`);
  }
  b.line(' */');
  b.block(`export interface ${s.name}`, () => {
    for (const f of s.fields) b.line(`${f.camelName}: ${tsType(f)};`);
    if (structIsFlexible(ctx, s)) {
      b.line('/** Tagged fields this schema does not know, ascending by tag: kept by decode, written back by encode. */');
      b.line('_unknownTaggedFields?: TaggedField[];');
    }
  });
}

function fieldFacts(f: FieldSpec): string {
  const facts: string[] = [];
  if (!isEmpty(f.nullableVersions)) facts.push(`nullable v${formatVersions(f.nullableVersions)}`);
  if (f.tag !== undefined) facts.push(`tag ${f.tag} v${formatVersions(f.taggedVersions)}`);
  if (f.defaultText !== '') facts.push(`default ${f.defaultText}`);
  if (f.ignorable) facts.push('ignorable');
  if (f.flexibleOverride !== undefined) facts.push(`flexible v${formatVersions(f.flexibleOverride)}`);
  return facts.join(', ');
}

/** Emits `default<Struct>()` for every struct in `ctx.needDefault` (closing over nested needs). */
export function emitDefaultFactories(ctx: EmitContext, b: CodeBuffer): void {
  const done = new Set<StructSpec>();
  const order = (): StructSpec[] => ctx.msg.structs.filter((s) => ctx.needDefault.has(s) && !done.has(s));
  for (let pending = order(); pending.length > 0; pending = order()) {
    for (const s of pending) {
      done.add(s);
      const props = s.fields.map((f) => `${f.camelName}: ${ctx.defaultOf(s, f)}`);
      b.line();
      b.block(`function default${s.name}(): ${s.name}`, () => {
        b.line(`return { ${props.join(', ')} };`);
      });
    }
  }
}

/** Emits `isDefault<Struct>(v)` for every struct in `ctx.needIsDefault` (closing over nested needs). */
export function emitIsDefaultPredicates(ctx: EmitContext, b: CodeBuffer): void {
  const done = new Set<StructSpec>();
  const order = (): StructSpec[] => ctx.msg.structs.filter((s) => ctx.needIsDefault.has(s) && !done.has(s));
  for (let pending = order(); pending.length > 0; pending = order()) {
    for (const s of pending) {
      done.add(s);
      const terms = s.fields.map((f) => {
        const x = `v.${f.camelName}`;
        return `(${x} === undefined || ${ctx.isDefault(s, f, x)})`;
      });
      if (structIsFlexible(ctx, s)) terms.push('(v._unknownTaggedFields === undefined || v._unknownTaggedFields.length === 0)');
      b.line();
      b.block(`function isDefault${s.name}(v: Input<${s.name}>): boolean`, () => {
        if (terms.length === 0) {
          b.line('return true;');
          return;
        }
        b.line('return (');
        b.indent();
        terms.forEach((t, i) => b.line(i === terms.length - 1 ? t : `${t} &&`));
        b.dedent();
        b.line(');');
      });
    }
  }
}
