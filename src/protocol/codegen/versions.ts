/**
 * Version ranges of Kafka's message definitions (the `versions`, `nullableVersions`, `taggedVersions`,
 * `flexibleVersions` and `validVersions` attributes), following Kafka's generator class `Versions`:
 * "N" (exactly N), "N-M" (inclusive), "N+" (N and every later version) or "none" (empty).
 */
export interface Versions {
  /** Lowest version, inclusive. */
  readonly lo: number;
  /** Highest version, inclusive; {@link OPEN_END} for "N+". An empty range has lo > hi. */
  readonly hi: number;
}

/** Upper bound of an open range ("N+"): Kafka uses Short.MAX_VALUE. */
export const OPEN_END = 0x7fff;

export const NO_VERSIONS: Versions = { lo: 1, hi: 0 };

/**
 * Parses a version range string. `fallback` is returned for a missing attribute.
 * @throws Error on a malformed string.
 */
export function parseVersions(text: string | undefined, fallback: Versions): Versions {
  if (text === undefined) return fallback;
  const s = text.trim();
  if (s === 'none') return NO_VERSIONS;
  let m = /^(\d+)\+$/.exec(s);
  if (m !== null) return { lo: Number(m[1]), hi: OPEN_END };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m !== null) {
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (hi < lo) throw new Error(`invalid version range ${JSON.stringify(text)}`);
    return { lo, hi };
  }
  m = /^(\d+)$/.exec(s);
  if (m !== null) return { lo: Number(m[1]), hi: Number(m[1]) };
  throw new Error(`invalid version range ${JSON.stringify(text)}`);
}

export function isEmpty(v: Versions): boolean {
  return v.lo > v.hi;
}

export function contains(v: Versions, version: number): boolean {
  return version >= v.lo && version <= v.hi;
}

export function intersect(a: Versions, b: Versions): Versions {
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.hi, b.hi);
  return lo > hi ? NO_VERSIONS : { lo, hi };
}

/** The range written the way Kafka's JSON writes it ("3+", "0-2", "5", "none"). */
export function formatVersions(v: Versions): string {
  if (isEmpty(v)) return 'none';
  if (v.hi === OPEN_END) return `${v.lo}+`;
  if (v.lo === v.hi) return `${v.lo}`;
  return `${v.lo}-${v.hi}`;
}

/** Formats a sorted list of versions compactly: [0,1,2,5] -> "0-2,5". */
export function formatVersionList(list: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < list.length) {
    let j = i;
    while (j + 1 < list.length && list[j + 1] === list[j]! + 1) j++;
    parts.push(j === i ? `${list[i]}` : `${list[i]}-${list[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
