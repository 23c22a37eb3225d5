import { Reader } from '../protocol/reader.ts';
import { Writer } from '../protocol/writer.ts';
import type { KafkaPrincipal } from '../security/kafka-principal.ts';
import { decodeDefaultPrincipalData, encodeDefaultPrincipalData, DefaultPrincipalDataMeta } from '../protocol/generated/messages/default-principal-data.ts';

/**
 * The principal's wire form in an EnvelopeRequest (KIP-590), after Kafka's `DefaultKafkaPrincipalBuilder` as a
 * `KafkaPrincipalSerde`: an int16 version, then DefaultPrincipalData (type, name, tokenAuthenticated) at that
 * version (Kafka's `MessageUtil.toVersionPrefixedBytes`).
 */
export const KafkaPrincipalSerde = {
  /** The version-prefixed bytes of `principal`, at the newest DefaultPrincipalData version. */
  serialize(principal: KafkaPrincipal): Buffer {
    const w = new Writer(64);
    const version = DefaultPrincipalDataMeta.maxVersion;
    w.writeInt16(version);
    encodeDefaultPrincipalData(w, version, { type: principal.principalType, name: principal.name, tokenAuthenticated: principal.tokenAuthenticated });
    return w.toBuffer();
  },

  /**
   * Reads what {@link serialize} wrote.
   * @throws Error when the bytes are truncated, carry an unknown version or leave bytes over (the envelope's
   *   handler answers PRINCIPAL_DESERIALIZATION_FAILURE, 97, as Kafka's `PrincipalDeserializationException`).
   */
  deserialize(bytes: Buffer): KafkaPrincipal {
    const r = new Reader(bytes);
    const data = decodeDefaultPrincipalData(r, r.readInt16());
    if (r.remaining !== 0) throw new Error(`${r.remaining} bytes left after the principal`);
    return { principalType: data.type, name: data.name, tokenAuthenticated: data.tokenAuthenticated };
  },
} as const;
