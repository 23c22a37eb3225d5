import { uuidDecodeError } from '../config/cluster-id.ts';

/** One initial controller of a dynamic quorum (Kafka's DynamicVoter): `id@host:port:directoryId`. */
export interface DynamicVoter {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  /** The directory id its metadata log directory is formatted with (a Kafka Uuid). */
  readonly directoryId: string;
}

/**
 * Parses one `id@host:port:directoryId` (Kafka's DynamicVoter.parse; an IPv6 host in brackets).
 * @throws Error with Kafka's message for a malformed entry.
 */
export function parseDynamicVoter(input: string): DynamicVoter {
  let rest = input.trim();
  const at = rest.indexOf('@');
  if (at < 0) throw new Error('No @ found in dynamic voter string.');
  if (at === 0) throw new Error('Invalid @ at beginning of dynamic voter string.');
  const idString = rest.slice(0, at);
  if (!/^[+-]?\d+$/.test(idString) || !Number.isSafeInteger(Number(idString)) || Math.abs(Number(idString)) > 0x7fffffff) throw new Error('Failed to parse node id in dynamic voter string.');
  const nodeId = Number(idString);
  if (nodeId < 0) throw new Error(`Invalid negative node id ${nodeId} in dynamic voter string.`);
  rest = rest.slice(at + 1);
  if (rest === '') throw new Error('No hostname found after node id.');
  let host: string;
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0) throw new Error('Hostname began with left bracket, but no right bracket was found.');
    host = rest.slice(1, end);
    rest = rest.slice(end + 1);
  } else {
    const colon = rest.indexOf(':');
    if (colon < 0) throw new Error('No colon following hostname could be found.');
    host = rest.slice(0, colon);
    rest = rest.slice(colon);
  }
  if (!rest.startsWith(':')) throw new Error('Port section must start with a colon.');
  rest = rest.slice(1);
  const colon = rest.indexOf(':');
  if (colon < 0) throw new Error('No colon following port could be found.');
  const portString = rest.slice(0, colon);
  if (!/^[+-]?\d+$/.test(portString)) throw new Error('Failed to parse port in dynamic voter string.');
  const port = Number(portString);
  if (port < 0 || port > 65535) throw new Error(`Invalid port ${port} in dynamic voter string.`);
  const directoryId = rest.slice(colon + 1);
  const invalid = uuidDecodeError(directoryId);
  if (invalid !== null) throw new Error(`Failed to parse directory ID in dynamic voter string: ${invalid}`);
  return { nodeId, host, port, directoryId };
}

/**
 * Parses `--initial-controllers` (Kafka's DynamicVoters.parse): comma-separated {@link parseDynamicVoter} entries,
 * in node id order.
 * @throws Error for a malformed entry, no entry ("No voters given.") or a node id given twice.
 */
export function parseDynamicVoters(input: string): DynamicVoter[] {
  const voters = input.trim().split(',').filter((s) => s !== '').map(parseDynamicVoter);
  if (voters.length === 0) throw new Error('No voters given.');
  const seen = new Set<number>();
  for (const v of voters) {
    if (seen.has(v.nodeId)) throw new Error(`Node id ${v.nodeId} was specified more than once.`);
    seen.add(v.nodeId);
  }
  return voters.sort((a, b) => a.nodeId - b.nodeId);
}

/** `id@host:port:directoryId` (Kafka's DynamicVoter.toString; an IPv6 host in brackets). */
export function formatDynamicVoter(v: DynamicVoter): string {
  return `${v.nodeId}@${v.host.includes(':') ? `[${v.host}]` : v.host}:${v.port}:${v.directoryId}`;
}
