// Listener endpoints (`listeners`, `advertised.listeners`) and the listener -> security protocol map, after
// Kafka's `SocketServerConfigs.listenerListToEndPoints`, `ListenerName.normalised` and `Csv.parseCsvMap`.

import { validator, type Validator } from './config-def.ts';

/** Kafka's `SecurityProtocol` names. */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/**
 * One listener endpoint. `listenerName` is upper-cased (Kafka normalises listener names); `host` is null when the
 * config left it empty (bind all interfaces); `port` 0 asks the OS for a free port (tests).
 */
export interface Endpoint {
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  readonly host: string | null;
  readonly port: number;
}

// Kafka's URI_PARSE_REGEXP, anchored at the end too so trailing junk is an error rather than ignored.
const ENDPOINT_PATTERN = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;

/** Splits a CSV list as Kafka's `Csv.parseCsvList` does: commas with optional whitespace; '' is empty. */
function csv(value: string): string[] {
  const trimmed = value.trim();
  return trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
}

/**
 * Parses `NAME://host:port,...` into endpoints, resolving each listener's security protocol with `protocolOf`.
 * Throws Error with Kafka's wording on a malformed entry, a duplicate listener name or an unmapped listener.
 */
export function parseEndpoints(value: string, protocolOf: (listenerName: string) => SecurityProtocol | undefined): Endpoint[] {
  const result: Endpoint[] = [];
  for (const entry of csv(value)) {
    const m = ENDPOINT_PATTERN.exec(entry);
    if (m === null) throw new Error(`Unable to parse ${entry} to a broker endpoint`);
    const listenerName = m[1].toUpperCase();
    const port = Number(m[3]);
    if (port < 0 || port > 65535) throw new Error(`Invalid port ${m[3]} in listener ${entry}`);
    if (result.some((e) => e.listenerName === listenerName)) {
      throw new Error(`Each listener must have a different name, listeners: ${value}`);
    }
    const securityProtocol = protocolOf(listenerName);
    if (securityProtocol === undefined) throw new Error(`No security protocol defined for listener ${listenerName}`);
    result.push({ listenerName, securityProtocol, host: m[2] === '' ? null : m[2], port });
  }
  return result;
}

/**
 * Parses `listener.security.protocol.map` (`NAME:PROTOCOL,...`) into a map keyed by upper-cased listener name.
 * Throws Error on a malformed entry or an unknown security protocol.
 */
export function parseListenerSecurityProtocolMap(value: string): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  for (const entry of csv(value)) {
    const parts = entry.split(/\s*:\s*/);
    if (parts.length !== 2 || parts[0] === '') throw new Error(`Malformed listener security protocol map entry: ${entry}`);
    const protocol = parts[1].toUpperCase();
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new Error(`Invalid security protocol \`${parts[1]}\` defined in listener.security.protocol.map`);
    }
    map.set(parts[0].toUpperCase(), protocol as SecurityProtocol);
  }
  return map;
}

/** Syntax check of a listener list (protocols are checked later against listener.security.protocol.map). */
export const listenerListValidator: Validator = validator('comma-separated NAME://host:port', (v) => {
  try {
    parseEndpoints(v as string, () => 'PLAINTEXT');
    return null;
  } catch (e) {
    return (e as Error).message;
  }
});

/** Syntax check of `listener.security.protocol.map`. */
export const securityProtocolMapValidator: Validator = validator('comma-separated NAME:PROTOCOL', (v) => {
  try {
    parseListenerSecurityProtocolMap(v as string);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
});
