import { isIPv4, isIPv6 } from 'node:net';

/**
 * Client addresses as raw bytes, after Java's `InetAddress.getAddress()` / `InetAddress.getByAddress`: the form an
 * EnvelopeRequest carries the forwarded client's address in (KIP-590, clientHostAddress): 4 bytes for IPv4, 16
 * for IPv6. An IPv4 peer seen on a dual-stack socket as `::ffff:a.b.c.d` is its 4 IPv4 bytes, as Java presents it.
 */
export const InetAddress = {
  /** @throws RangeError when `address` is not an IPv4 or IPv6 literal. */
  toBytes(address: string): Buffer {
    const host = address.replace(/%.*$/, '');
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
    if (mapped !== null) return ipv4Bytes(mapped[1]!);
    if (isIPv4(host)) return ipv4Bytes(host);
    if (isIPv6(host)) return ipv6Bytes(host);
    throw new RangeError(`not an IP address: ${address}`);
  },

  /** The text form of 4 or 16 address bytes. @throws RangeError for any other length (Java's UnknownHostException). */
  fromBytes(bytes: Buffer): string {
    if (bytes.length === 4) return [...bytes].join('.');
    if (bytes.length === 16) {
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
      return groups.join(':');
    }
    throw new RangeError(`an IP address has 4 or 16 bytes, not ${bytes.length}`);
  },
} as const;

function ipv4Bytes(host: string): Buffer {
  return Buffer.from(host.split('.').map(Number));
}

/** The 16 bytes of a valid IPv6 literal (with `::` compression and an optional dotted IPv4 tail). */
function ipv6Bytes(host: string): Buffer {
  // A dotted IPv4 tail is the last two 16-bit groups.
  const text = host.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`);
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}
