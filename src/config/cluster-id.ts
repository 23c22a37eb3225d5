// The cluster id that `kafka-broker format` (or the first start of a single node) writes into meta.properties:
// a Kafka Uuid in its string form, checked as Kafka's `Uuid.fromString` decodes one (java.util.Base64's URL
// decoder: URL-safe alphabet, optional '=' padding, 16 bytes).

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Why `id` is not a valid cluster id, in the words of Kafka's StorageTool (`Cluster ID string <id> does not appear
 * to be a valid UUID: <Uuid.fromString's reason>`), or null when it is one.
 */
export function checkClusterId(id: string): string | null {
  const reason = uuidDecodeError(id);
  return reason === null ? null : `Cluster ID string ${id} does not appear to be a valid UUID: ${reason}`;
}

/** The error of Kafka's `Uuid.fromString(str)` (Java's `Base64.getUrlDecoder().decode` included), or null. */
export function uuidDecodeError(str: string): string | null {
  if (str.length > 24) return `Input string with prefix \`${str.slice(0, 24)}\` is too long to be decoded as a base64 UUID`;
  const padding = /=*$/.exec(str)![0].length;
  const data = str.slice(0, str.length - padding);
  if (data.includes('=')) return 'Input byte array has wrong 4-byte ending unit';
  const bad = [...data].find((c) => !BASE64URL.test(c));
  if (bad !== undefined) return `Illegal base64 character ${bad.charCodeAt(0).toString(16)}`;
  // Java's decoder: a last unit of one character has too few bits; padding must complete the last 4-char unit.
  if (data.length % 4 === 1) return 'Last unit does not have enough valid bits';
  if (padding > 0 && (padding > 2 || str.length % 4 !== 0)) return 'Input byte array has wrong 4-byte ending unit';
  const bytes = Math.floor((data.length * 6) / 8);
  if (bytes !== 16) return `Input string \`${str}\` decoded as ${bytes} bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID`;
  return null;
}
