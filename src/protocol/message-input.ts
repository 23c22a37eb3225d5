import type { TaggedField } from './reader.ts';
import type { ExternalRecords } from './writer.ts';

/** Values an encoder takes as they are: never recursed into. */
type Leaf = string | number | bigint | boolean | null | undefined | Uint8Array | ExternalRecords;

/**
 * The input of a generated encoder (`encode<Name>(w, version, value: Input<Name>)`): the message type with
 * every field optional, recursively through nested structs and arrays of structs. A missing field is written
 * as its default (Kafka's field defaults), so a handler can write
 * `encodeProduceResponse(w, 9, { responses: [...] })`. Strings, numbers, bigints, Buffers, ExternalRecords
 * and arrays of those are taken as they are; `_unknownTaggedFields` keeps its raw type. A decoded message is
 * itself a valid input.
 */
export type Input<T> = T extends Leaf
  ? T
  : T extends readonly (infer E)[]
    ? E extends Leaf
      ? readonly E[]
      : readonly Input<E>[]
    : { [K in keyof T]?: K extends '_unknownTaggedFields' ? TaggedField[] : Input<T[K]> };
