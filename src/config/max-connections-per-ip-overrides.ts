// `max.connections.per.ip.overrides` ("host:count,host:count"), parsed and checked as Kafka 3.9 does in
// KafkaConfig: Csv.parseCsvMap, Integer.parseInt of each count, then Utils.validHostPattern of each host.

import { validator, type Validator } from './config-def.ts';

const NAME = 'max.connections.per.ip.overrides';
/** Utils.VALID_HOST_CHARACTERS. */
const VALID_HOST = /^[0-9a-zA-Z\-%._:]*$/;
/** What Java's Integer.parseInt accepts (an optional sign, decimal digits). */
const JAVA_INT = /^[+-]?\d+$/;

/**
 * The overrides as host (IP address or host name, as written) -> maximum connections; '' gives an empty map. Pairs
 * are split on commas (whitespace around them ignored) and each at its last ':' (IPv6 addresses keep theirs); a
 * host given twice keeps its last count.
 * @throws Error with Kafka's message: "Error parsing configuration property 'max.connections.per.ip.overrides':
 *   ..." for a pair without ':', `For input string: "x"` for a count that is not an int, and
 *   "max.connections.per.ip.overrides contains invalid addresses : ..." for hosts with other characters than
 *   letters, digits and `-%._:`.
 */
export function parseMaxConnectionsPerIpOverrides(text: string): Map<string, number> {
  const overrides = new Map<string, number>();
  if (text === '') return overrides;
  const pairs = text.split(/\s*,\s*/);
  // Java's String.split drops trailing empty strings.
  while (pairs.length > 0 && pairs[pairs.length - 1] === '') pairs.pop();
  const raw = new Map<string, string>();
  for (const pair of pairs) {
    const colon = pair.lastIndexOf(':');
    if (colon < 0) {
      throw new Error(`Error parsing configuration property '${NAME}': begin 0, end -1, length ${pair.length}`);
    }
    raw.set(pair.slice(0, colon).trim(), pair.slice(colon + 1).trim());
  }
  for (const [host, count] of raw) {
    const n = JAVA_INT.test(count) ? Number(count) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < -2147483648 || n > 2147483647) throw new Error(`For input string: "${count}"`);
    overrides.set(host, n);
  }
  const invalid = [...overrides.keys()].filter((host) => !VALID_HOST.test(host));
  if (invalid.length > 0) throw new Error(`${NAME} contains invalid addresses : ${invalid.join(',')}`);
  return overrides;
}

/** Table validator of `max.connections.per.ip.overrides` (start-up and dynamic updates alike). */
export const maxConnectionsPerIpOverridesValidator: Validator = validator('', (v) => {
  try {
    parseMaxConnectionsPerIpOverrides(v as string);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
});
