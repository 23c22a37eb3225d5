import { DecodeError } from './decode-error.ts';
import { Sizes, type Writer } from './writer.ts';
import type { Reader, TaggedField } from './reader.ts';

/**
 * The header that precedes every request body (RequestHeader.json; protocol guide, "Headers"):
 * - v0: request_api_key int16, request_api_version int16, correlation_id int32 (only ControlledShutdown v0);
 * - v1: v0 + client_id, a NULLABLE_STRING with an int16 length;
 * - v2: v1 + a tagged-field section. client_id stays a non-compact int16-length string even here
 *   (`"flexibleVersions": "none"` on the field) so a broker can read the header of any ApiVersions request.
 * The header version follows from the API version (see requestHeaderVersion in generated/api-messages.ts).
 */
export interface RequestHeader {
  requestApiKey: number;
  requestApiVersion: number;
  correlationId: number;
  /** Null when the client sent a null client_id; '' in header v0, which has none (Kafka's default). */
  clientId: string | null;
  /** Tagged fields of a v2 header, kept raw (Kafka defines none for requests yet). */
  _unknownTaggedFields?: TaggedField[];
}

/** The three fixed leading fields of a request header, which every header version shares. */
export interface RequestHeaderPrefix {
  requestApiKey: number;
  requestApiVersion: number;
  correlationId: number;
}

/**
 * Reads a request header of `headerVersion` (0, 1 or 2) at the reader's position.
 * @throws DecodeError on truncated input or an unknown header version.
 */
export function decodeRequestHeader(r: Reader, headerVersion: number): RequestHeader {
  if (headerVersion < 0 || headerVersion > 2) {
    throw new DecodeError(`unsupported request header version ${headerVersion}`, r.offset);
  }
  const requestApiKey = r.readInt16();
  const requestApiVersion = r.readInt16();
  const correlationId = r.readInt32();
  const clientId = headerVersion >= 1 ? r.readNullableString() : '';
  const header: RequestHeader = { requestApiKey, requestApiVersion, correlationId, clientId };
  if (headerVersion >= 2) {
    const unknown = r.readTaggedFields();
    if (unknown !== undefined) header._unknownTaggedFields = unknown;
  }
  return header;
}

/**
 * Writes a request header of `headerVersion` (0, 1 or 2). In v0 the client id is dropped (the field is
 * ignorable in Kafka's schema).
 * @throws RangeError on an unknown header version, or tagged fields given for v0/v1.
 */
export function encodeRequestHeader(w: Writer, headerVersion: number, h: RequestHeader): void {
  if (headerVersion < 0 || headerVersion > 2) throw new RangeError(`unsupported request header version ${headerVersion}`);
  w.writeInt16(h.requestApiKey);
  w.writeInt16(h.requestApiVersion);
  w.writeInt32(h.correlationId);
  if (headerVersion >= 1) w.writeNullableString(h.clientId);
  const tagged = h._unknownTaggedFields;
  if (headerVersion >= 2) {
    w.writeUnsignedVarint(tagged === undefined ? 0 : tagged.length);
    if (tagged !== undefined) for (const f of tagged) w.writeTaggedField(f);
  } else if (tagged !== undefined && tagged.length > 0) {
    throw new RangeError(`request header version ${headerVersion} cannot carry tagged fields`);
  }
}

/** Encoded length in bytes of a request header of `headerVersion`. @throws RangeError on an unknown version. */
export function sizeRequestHeader(headerVersion: number, h: RequestHeader): number {
  if (headerVersion < 0 || headerVersion > 2) throw new RangeError(`unsupported request header version ${headerVersion}`);
  let size = 8;
  if (headerVersion >= 1) size += Sizes.nullableString(h.clientId);
  if (headerVersion >= 2) {
    const tagged = h._unknownTaggedFields ?? [];
    size += Sizes.uvarint(tagged.length);
    for (const f of tagged) size += Sizes.taggedField(f);
  }
  return size;
}

/**
 * Reads api key, api version and correlation id from the first 8 bytes of a request frame (size prefix
 * already removed). The network layer uses it before the header version is known: to answer an ApiVersions
 * request of an unsupported version with a v0 body (KIP-511), or to close on an unsupported API.
 * @throws DecodeError when the frame is shorter than 8 bytes.
 */
export function peekRequestHeader(buf: Buffer): RequestHeaderPrefix {
  if (buf.length < 8) throw new DecodeError(`request header needs 8 bytes, frame has ${buf.length}`, 0);
  return {
    requestApiKey: buf.readInt16BE(0),
    requestApiVersion: buf.readInt16BE(2),
    correlationId: buf.readInt32BE(4),
  };
}
