// The JSON trees the generated `<name>ToJson` writers build (Kafka's JsonConverter output, a Jackson JsonNode) and
// their text as Jackson's JsonNode.toString writes it, so that tools print what Kafka's tools print for the same
// record: keys in insertion order, no spaces, int64 exact (a bigint), doubles as Java's Double.toString.

/** A float64 field's value: written as Java's Double.toString writes it ("1.0", "1.0E7"), never as an integer. */
export class JsonDouble {
  readonly value: number;

  constructor(value: number) {
    this.value = value;
  }
}

/** A JSON value: int8-int32 as number, int64 as bigint, float64 as JsonDouble. */
export type JsonNode = null | boolean | number | bigint | string | JsonDouble | JsonNode[] | JsonObject;

/** A JSON object; keys are written in insertion order. */
export interface JsonObject {
  [key: string]: JsonNode;
}

const HEX = '0123456789ABCDEF';
const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };

/** Jackson's string escaping: the quote, the backslash and control characters; everything else as is. */
function quote(s: string): string {
  const escaped = s.replace(/[\u0000-\u001f"\\]/g, (c) => {
    const short = SHORT_ESCAPES[c];
    if (short !== undefined) return short;
    const code = c.charCodeAt(0);
    return `\\u00${HEX[code >> 4]}${HEX[code & 15]}`;
  });
  return `"${escaped}"`;
}

/** Java's Double.toString: plain between 10^-3 and 10^7 with at least one decimal, otherwise computerized scientific. */
export function javaDoubleText(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? 'Infinity' : '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    // JavaScript writes this range without an exponent too, with the same shortest digits.
    const plain = String(d);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa, exponent] = d.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** The compact JSON text of `node`, as Jackson's JsonNode.toString. */
export function jsonText(node: JsonNode): string {
  if (node === null) return 'null';
  switch (typeof node) {
    case 'boolean':
    case 'number':
    case 'bigint':
      return String(node);
    case 'string':
      return quote(node);
  }
  if (node instanceof JsonDouble) return javaDoubleText(node.value);
  if (Array.isArray(node)) return `[${node.map(jsonText).join(',')}]`;
  return `{${Object.entries(node).map(([k, v]) => `${quote(k)}:${jsonText(v)}`).join(',')}}`;
}
