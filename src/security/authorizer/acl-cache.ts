import { PatternType, WILDCARD_RESOURCE } from './acl-codes.ts';
import { aclBindingFilterMatches, type AclBinding, type AclBindingFilter } from './acl-binding-filter.ts';

/** The ACLs of one resource type, indexed the ways authorization looks them up. */
interface ResourceTypeIndex {
  /** LITERAL ACLs by resource name ('*' included), each by id. */
  readonly literal: Map<string, Map<string, AclBinding>>;
  /** PREFIXED ACLs by prefix, each by id. */
  readonly prefixed: Map<string, Map<string, AclBinding>>;
  /** How many PREFIXED ACLs have a prefix of each length: only those lengths are looked up. */
  readonly prefixLengths: Map<number, number>;
}

function addTo(index: Map<string, Map<string, AclBinding>>, name: string, id: string, acl: AclBinding): void {
  let byId = index.get(name);
  if (byId === undefined) index.set(name, (byId = new Map()));
  byId.set(id, acl);
}

function removeFrom(index: Map<string, Map<string, AclBinding>>, name: string, id: string): void {
  const byId = index.get(name);
  byId?.delete(id);
  if (byId?.size === 0) index.delete(name);
}

/**
 * The ACLs of the metadata image, by their Uuid (AccessControlEntryRecord.Id), after Kafka's `AclCache`: indexed
 * by resource type, then literal name or prefix, so that the ACLs that apply to one resource are found without a
 * scan: the literal ones of its name and of '*', and the prefixed ones whose prefix starts its name (only the
 * prefix lengths in use are tried).
 */
export class AclCache {
  readonly #byId = new Map<string, AclBinding>();
  readonly #byType = new Map<number, ResourceTypeIndex>();

  get count(): number {
    return this.#byId.size;
  }

  get(id: string): AclBinding | undefined {
    return this.#byId.get(id);
  }

  /** Adds (or replaces) the ACL `id`. */
  add(id: string, acl: AclBinding): void {
    this.remove(id);
    this.#byId.set(id, acl);
    let index = this.#byType.get(acl.resourceType);
    if (index === undefined) this.#byType.set(acl.resourceType, (index = { literal: new Map(), prefixed: new Map(), prefixLengths: new Map() }));
    if (acl.patternType === PatternType.PREFIXED) {
      addTo(index.prefixed, acl.resourceName, id, acl);
      index.prefixLengths.set(acl.resourceName.length, (index.prefixLengths.get(acl.resourceName.length) ?? 0) + 1);
    } else {
      addTo(index.literal, acl.resourceName, id, acl);
    }
  }

  /** Removes the ACL `id`. @returns false when there was none. */
  remove(id: string): boolean {
    const acl = this.#byId.get(id);
    if (acl === undefined) return false;
    this.#byId.delete(id);
    const index = this.#byType.get(acl.resourceType)!;
    if (acl.patternType === PatternType.PREFIXED) {
      removeFrom(index.prefixed, acl.resourceName, id);
      const left = index.prefixLengths.get(acl.resourceName.length)! - 1;
      if (left === 0) index.prefixLengths.delete(acl.resourceName.length);
      else index.prefixLengths.set(acl.resourceName.length, left);
    } else {
      removeFrom(index.literal, acl.resourceName, id);
    }
    return true;
  }

  /**
   * Every ACL that applies to the literal resource (`resourceType`, `resourceName`): LITERAL ACLs of that name
   * or of '*', PREFIXED ACLs whose prefix begins the name.
   */
  *applyingTo(resourceType: number, resourceName: string): Generator<AclBinding> {
    const index = this.#byType.get(resourceType);
    if (index === undefined) return;
    const exact = index.literal.get(resourceName);
    if (exact !== undefined) yield* exact.values();
    if (resourceName !== WILDCARD_RESOURCE) {
      const wildcard = index.literal.get(WILDCARD_RESOURCE);
      if (wildcard !== undefined) yield* wildcard.values();
    }
    for (const length of index.prefixLengths.keys()) {
      if (length > resourceName.length) continue;
      const prefixed = index.prefixed.get(resourceName.slice(0, length));
      if (prefixed !== undefined) yield* prefixed.values();
    }
  }

  /** The ACLs `filter` selects (Kafka's `AclCache.acls`), with their ids. */
  matching(filter: AclBindingFilter): { id: string; acl: AclBinding }[] {
    const out: { id: string; acl: AclBinding }[] = [];
    for (const [id, acl] of this.#byId) if (aclBindingFilterMatches(filter, acl)) out.push({ id, acl });
    return out;
  }
}
