// CIDR host patterns of ACLs (KIP-1276, Kafka 4.4: metadata.version 4.4-IV1 and later), after Kafka's CidrUtils
// over Apache Commons Net's SubnetUtils (IPv4, every address of the block inclusive) and SubnetUtils6 (IPv6).
import { isIPv4, isIPv6 } from 'node:net';
import { InetAddress } from '../../common/inet-address.ts';

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * An IPv4 or IPv6 address block `address/prefixLength`. The address's bits past the prefix are ignored, as
 * SubnetUtils masks them ("10.1.2.3/8" is 10.0.0.0/8).
 */
export class CidrRange {
  readonly #network: Buffer;
  readonly #prefixLength: number;

  private constructor(network: Buffer, prefixLength: number) {
    this.#network = network;
    this.#prefixLength = prefixLength;
  }

  /**
   * Kafka's `CidrUtils.validate`: an IPv4 block (dotted quad, prefix 0-32) or an IPv6 block (a pattern with a
   * colon: an IPv6 literal, prefix 0-128).
   * @throws Error naming what is wrong (CreateAcls answers INVALID_REQUEST with "Invalid CIDR notation ...").
   */
  static parse(pattern: string): CidrRange {
    if (pattern.includes(':')) {
      const slash = pattern.lastIndexOf('/');
      const address = slash < 0 ? pattern : pattern.slice(0, slash);
      const prefix = slash < 0 ? '' : pattern.slice(slash + 1);
      if (!isIPv6(address) || !/^\d{1,3}$/.test(prefix) || Number(prefix) > 128) throw new Error(`Could not parse [${pattern}]`);
      return new CidrRange(InetAddress.toBytes(address), Number(prefix));
    }
    const m = IPV4_CIDR.exec(pattern);
    if (m === null) throw new Error(`Could not parse [${pattern}]`);
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255)) throw new Error(`Value [${octets.find((o) => o > 255)}] not in range [0,255]`);
    if (prefix > 32) throw new Error(`Value [${prefix}] not in range [0,32]`);
    return new CidrRange(Buffer.from(octets), prefix);
  }

  /**
   * Kafka's `CidrUtils.isInRange`: whether `host` (a client address, IPv4 dotted or IPv6 text; an IPv4-mapped
   * IPv6 address counts as its IPv4 address, as Java presents it) lies in the block of `pattern`. False for a
   * pattern without '/' or that does not parse, and for an address of the other family.
   */
  static isInRange(host: string, pattern: string): boolean {
    if (!pattern.includes('/')) return false;
    let range: CidrRange;
    try {
      range = CidrRange.parse(pattern);
    } catch {
      return false;
    }
    return range.contains(host);
  }

  /** Whether `host` (see {@link isInRange}) is an address of this block. */
  contains(host: string): boolean {
    const bare = host.replace(/%.*$/, '');
    if (!isIPv4(bare) && !isIPv6(bare)) return false;
    const address = InetAddress.toBytes(bare);
    if (address.length !== this.#network.length) return false;
    const fullBytes = this.#prefixLength >> 3;
    if (address.compare(this.#network, 0, fullBytes, 0, fullBytes) !== 0) return false;
    const restBits = this.#prefixLength & 7;
    if (restBits === 0) return true;
    const mask = (0xff << (8 - restBits)) & 0xff;
    return (address[fullBytes]! & mask) === (this.#network[fullBytes]! & mask);
  }
}
