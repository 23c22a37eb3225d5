import { structOf } from './field-type.ts';
import type { FieldSpec, MessageSpec, StructSpec } from './schema.ts';
import { contains } from './versions.ts';

/**
 * Wire layouts: for each struct of a message and each version it can be encoded in, which fields are on the
 * wire (in order), which are tagged, how each is encoded (compact or not, nullable or not) and the layout of
 * nested structs. Versions with an identical layout share one generated function ("straight-line per
 * version": no version checks inside the generated readers and writers).
 *
 * Semantics follow Kafka's MessageDataGenerator: a field is on the wire in version v iff v is in `versions`
 * and not in `taggedVersions`; tagged fields go in the tagged-field section that ends every struct in a
 * flexible version; a field-level `flexibleVersions` overrides the message's for compact encodings.
 */

export interface FieldLayout {
  readonly field: FieldSpec;
  /** Compact encodings (uvarint lengths) for strings, bytes, records and arrays. */
  readonly flexible: boolean;
  /** Null is allowed on the wire in this layout. */
  readonly nullable: boolean;
  /** Layout of the struct (or struct array element) at this version. */
  readonly child: StructLayout | undefined;
}

export interface StructLayout {
  readonly struct: StructSpec;
  /** Function-name suffix: `V` + the first version with this layout. */
  readonly id: string;
  /** Versions sharing this layout, ascending. */
  readonly versions: number[];
  /** Whether the struct ends with a tagged-field section. */
  readonly flexible: boolean;
  readonly regular: readonly FieldLayout[];
  /** Tagged fields, sorted by tag. */
  readonly tagged: readonly FieldLayout[];
  readonly absent: readonly FieldSpec[];
}

export interface MessageLayouts {
  /** Distinct layouts of each struct, by first version. */
  readonly byStruct: ReadonlyMap<StructSpec, readonly StructLayout[]>;
  /** Root layout for each valid version, ascending. */
  readonly rootByVersion: ReadonlyMap<number, StructLayout>;
}

/** Computes the layouts of every struct of `msg` reachable in its valid versions. */
export function computeLayouts(msg: MessageSpec): MessageLayouts {
  const byStruct = new Map<StructSpec, StructLayout[]>();
  const bySignature = new Map<StructSpec, Map<string, StructLayout>>();
  const memo = new Map<string, StructLayout>();
  const flexibleAt = (v: number): boolean => contains(msg.flexibleVersions, v);

  const layoutAt = (struct: StructSpec, v: number): StructLayout => {
    const key = `${struct.name}@${v}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const regular: FieldLayout[] = [];
    const tagged: FieldLayout[] = [];
    const absent: FieldSpec[] = [];
    const sig: unknown[] = [flexibleAt(v)];
    for (const f of struct.fields) {
      if (!contains(f.versions, v)) {
        absent.push(f);
        sig.push('-');
        continue;
      }
      const isTagged = contains(f.taggedVersions, v);
      const flexible = f.flexibleOverride === undefined ? flexibleAt(v) : contains(f.flexibleOverride, v);
      const nullable = contains(f.nullableVersions, v);
      const childStruct = structOf(f.type);
      const child = childStruct === undefined ? undefined : layoutAt(childStruct, v);
      const fl: FieldLayout = { field: f, flexible, nullable, child };
      (isTagged ? tagged : regular).push(fl);
      sig.push([isTagged ? 't' : 'r', flexible, nullable, child?.id ?? null]);
    }
    tagged.sort((a, b) => a.field.tag! - b.field.tag!);
    const signature = JSON.stringify(sig);
    let sigs = bySignature.get(struct);
    if (sigs === undefined) {
      sigs = new Map();
      bySignature.set(struct, sigs);
      byStruct.set(struct, []);
    }
    let layout = sigs.get(signature);
    if (layout === undefined) {
      layout = { struct, id: `V${v}`, versions: [], flexible: flexibleAt(v), regular, tagged, absent };
      sigs.set(signature, layout);
      byStruct.get(struct)!.push(layout);
    }
    if (!layout.versions.includes(v)) layout.versions.push(v);
    memo.set(key, layout);
    return layout;
  };

  const rootByVersion = new Map<number, StructLayout>();
  for (let v = msg.validVersions.lo; v <= msg.validVersions.hi; v++) rootByVersion.set(v, layoutAt(msg.root, v));
  for (const list of byStruct.values()) list.sort((a, b) => a.versions[0]! - b.versions[0]!);
  return { byStruct, rootByVersion };
}
