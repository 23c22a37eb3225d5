import { Reader } from '../../protocol/reader.ts';
import { Writer } from '../../protocol/writer.ts';
import { decodeConsumerProtocolSubscription, type ConsumerProtocolSubscription } from '../../protocol/generated/messages/consumer-protocol-subscription.ts';
import { decodeConsumerProtocolAssignment, encodeConsumerProtocolAssignment, type ConsumerProtocolAssignment } from '../../protocol/generated/messages/consumer-protocol-assignment.ts';

/** The protocol type of Kafka consumers in classic groups (`ConsumerProtocol.PROTOCOL_TYPE`). */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/**
 * Helpers for the embedded consumer protocol (Kafka's `ConsumerProtocol`): the opaque JoinGroup metadata and
 * SyncGroup assignment of consumers are an int16 version followed by ConsumerProtocolSubscription /
 * ConsumerProtocolAssignment. Every version starts with the v0 layout, so the coordinator reads the topics
 * with v0 whatever the version (as Kafka does), and never depends on newer fields.
 */
export const ConsumerProtocol = {
  /** The subscribed topics of a member's metadata. @throws DecodeError on malformed bytes. */
  subscribedTopics(metadata: Buffer): string[] {
    const r = new Reader(metadata);
    r.readInt16();
    return decodeConsumerProtocolSubscription(r, 0).topics;
  },

  /** The whole subscription at its own version (capped at 3, the newest we know). @throws DecodeError. */
  deserializeSubscription(metadata: Buffer): { version: number; subscription: ConsumerProtocolSubscription } {
    const r = new Reader(metadata);
    const version = r.readInt16();
    return { version, subscription: decodeConsumerProtocolSubscription(r, Math.min(Math.max(version, 0), 3)) };
  },

  /** The version prefix of a subscription or assignment. @throws DecodeError. */
  deserializeVersion(bytes: Buffer): number {
    return new Reader(bytes).readInt16();
  },

  /** Decodes an assignment (v0 layout, the common prefix). @throws DecodeError. */
  deserializeAssignment(bytes: Buffer): ConsumerProtocolAssignment {
    const r = new Reader(bytes);
    r.readInt16();
    return decodeConsumerProtocolAssignment(r, 0);
  },

  /** Encodes an assignment at `version` (0-3; all share one layout). */
  serializeAssignment(assignment: { topic: string; partitions: number[] }[], version: number): Buffer {
    const w = new Writer(64);
    const v = Math.min(Math.max(version, 0), 3);
    w.writeInt16(v);
    encodeConsumerProtocolAssignment(w, v, { assignedPartitions: assignment, userData: null });
    return w.toBuffer();
  },
};
