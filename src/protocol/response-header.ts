import { DecodeError } from './decode-error.ts';
import { Sizes, type Writer } from './writer.ts';
import type { Reader, TaggedField } from './reader.ts';

/**
 * The header that precedes every response body (ResponseHeader.json): v0 is correlation_id int32; v1 adds a
 * tagged-field section. v1 is used for flexible API versions, except ApiVersions responses, which always use
 * v0 (KIP-511; see responseHeaderVersion in generated/api-messages.ts).
 */
export interface ResponseHeader {
  correlationId: number;
  /** Tagged fields of a v1 header, kept raw (Kafka defines none yet). */
  _unknownTaggedFields?: TaggedField[];
}

/**
 * Reads a response header of `headerVersion` (0 or 1).
 * @throws DecodeError on truncated input or an unknown header version.
 */
export function decodeResponseHeader(r: Reader, headerVersion: number): ResponseHeader {
  if (headerVersion !== 0 && headerVersion !== 1) {
    throw new DecodeError(`unsupported response header version ${headerVersion}`, r.offset);
  }
  const header: ResponseHeader = { correlationId: r.readInt32() };
  if (headerVersion === 1) {
    const unknown = r.readTaggedFields();
    if (unknown !== undefined) header._unknownTaggedFields = unknown;
  }
  return header;
}

/**
 * Writes a response header of `headerVersion` (0 or 1).
 * @throws RangeError on an unknown header version, or tagged fields given for v0.
 */
export function encodeResponseHeader(w: Writer, headerVersion: number, h: ResponseHeader): void {
  if (headerVersion !== 0 && headerVersion !== 1) {
    throw new RangeError(`unsupported response header version ${headerVersion}`);
  }
  w.writeInt32(h.correlationId);
  const tagged = h._unknownTaggedFields;
  if (headerVersion === 1) {
    w.writeUnsignedVarint(tagged === undefined ? 0 : tagged.length);
    if (tagged !== undefined) for (const f of tagged) w.writeTaggedField(f);
  } else if (tagged !== undefined && tagged.length > 0) {
    throw new RangeError('response header version 0 cannot carry tagged fields');
  }
}

/** Encoded length in bytes of a response header of `headerVersion` (4 for v0, 5 for v1 without tags). */
export function sizeResponseHeader(headerVersion: number, h: ResponseHeader): number {
  if (headerVersion !== 0 && headerVersion !== 1) {
    throw new RangeError(`unsupported response header version ${headerVersion}`);
  }
  if (headerVersion === 0) return 4;
  const tagged = h._unknownTaggedFields ?? [];
  let size = 4 + Sizes.uvarint(tagged.length);
  for (const f of tagged) size += Sizes.taggedField(f);
  return size;
}
