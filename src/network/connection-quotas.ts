import net from 'node:net';
import { lookup } from 'node:dns/promises';
import { SystemTime, type Time } from '../common/time.ts';
import type { Logger } from '../observability/logger.ts';
import { RateQuotaSensor } from './rate-quota-sensor.ts';

const INT_MAX = 2147483647;

/** Limits of one listener: `listener.name.<listener>.max.connections` / `.max.connection.creation.rate`. */
export interface ListenerConnectionQuota {
  readonly maxConnections: number;
  /** New connections per second. */
  readonly maxConnectionCreationRate: number;
}

/**
 * The connection limits of a broker, Kafka's names (SocketServerConfigs); read again whenever the object changes
 * (dynamic broker configs).
 */
export interface ConnectionQuotaConfig {
  /** `max.connections`: open connections, broker-wide. */
  readonly maxConnections: number;
  /** `max.connection.creation.rate`: new connections per second, broker-wide. */
  readonly maxConnectionCreationRate: number;
  /** `max.connections.per.ip`. */
  readonly maxConnectionsPerIp: number;
  /** `max.connections.per.ip.overrides`: IP address or host name -> limit (host names resolved as Kafka does). */
  readonly maxConnectionsPerIpOverrides: ReadonlyMap<string, number>;
  /** Listener-level limits by listener name; a listener not listed takes the broker-wide values. */
  readonly listeners: ReadonlyMap<string, ListenerConnectionQuota>;
  /** The inter-broker listener, exempt from the broker-wide limits when there are several listeners. */
  readonly interBrokerListenerName: string | null;
  /** `quota.window.size.seconds` x 1000: one sample window of the creation rates, in ms. */
  readonly quotaWindowSizeMs: number;
  /** `quota.window.num`: sample windows of the creation rates. */
  readonly quotaWindowNum: number;
}

/** No limits (Kafka's defaults: every limit Int.MaxValue, 11 windows of 1 s). */
export const UNLIMITED_CONNECTION_QUOTAS: ConnectionQuotaConfig = {
  maxConnections: INT_MAX,
  maxConnectionCreationRate: INT_MAX,
  maxConnectionsPerIp: INT_MAX,
  maxConnectionsPerIpOverrides: new Map(),
  listeners: new Map(),
  interBrokerListenerName: null,
  quotaWindowSizeMs: 1000,
  quotaWindowNum: 11,
};

/** Options of {@link ConnectionQuotas}. */
export interface ConnectionQuotasOptions {
  /** Names of the listeners the quotas cover (all listeners of the SocketServer). */
  readonly listenerNames: readonly string[];
  /** The current limits; called on every accept and close, and once a second (cheap: compared by identity). */
  readonly config: () => ConnectionQuotaConfig;
  /** Connections waiting per listener before new ones are closed at once (`socket.listen.backlog.size`). */
  readonly maxWaitingPerListener: number;
  /**
   * Closes the least recently active connection not on `protectedListener` (Kafka's Selector.lowestPriorityChannel),
   * when the broker holds more than max.connections; returns false when there is none.
   */
  readonly closeLeastRecentlyUsed: (protectedListener: string) => boolean;
  readonly logger: Logger;
  /** Clock of the creation-rate windows and throttle delays (default: the system clock). */
  readonly time?: Time;
  /** Resolves a host name of the overrides to one address (default: the OS resolver, first address). */
  readonly resolveHost?: (host: string) => Promise<string>;
}

/** An accepted socket waiting for its connection slot. */
interface Waiting {
  readonly socket: net.Socket;
  readonly admitted: (socket: net.Socket, ip: string) => void;
  /** When its creation-rate delay ends (set when it reaches the head of its listener's queue). */
  throttleUntilMs: number | null;
}

interface ListenerState {
  readonly name: string;
  count: number;
  readonly waiting: Waiting[];
  sensor: RateQuotaSensor;
  timer: NodeJS.Timeout | null;
}

/**
 * The `address` as Kafka's InetAddress compares it: IPv4-mapped IPv6 (`::ffff:1.2.3.4`, how a dual-stack listener
 * reports IPv4 clients) as IPv4, IPv6 in its canonical text form.
 */
export function canonicalAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped !== null) return mapped[1]!;
  if (net.isIPv6(address)) {
    try {
      return new URL(`http://[${address}]/`).hostname.slice(1, -1);
    } catch {
      return address.toLowerCase();
    }
  }
  return address;
}

function sameEntries(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

async function resolveWithOs(host: string): Promise<string> {
  return (await lookup(host)).address;
}

/**
 * Connection limits of the SocketServer, after Kafka's ConnectionQuotas (SocketServer.scala) and the acceptor
 * around it; every accepted socket goes through {@link accept} before it becomes a Connection:
 *
 * - Creation rate (`max.connection.creation.rate`, broker-wide and per listener): each new connection is recorded
 *   in the broker and listener rates; over a quota it waits the throttle time (at most one quota window) before
 *   it is served. Kafka's acceptor blocks meanwhile, so the connections behind it wait in the listen backlog;
 *   here they wait, accepted but unread, in the listener's queue (at most `socket.listen.backlog.size`; beyond
 *   that new ones are closed, as a full backlog would refuse them). The inter-broker listener only counts
 *   against its own listener rate.
 * - Open connections (`max.connections`, and per listener `listener.name.<l>.max.connections`): at a limit the
 *   listener's next connection waits, in order, until one closes (Kafka's acceptor waits on the counts). The
 *   inter-broker listener, when there are several listeners, is exempt from the broker-wide limit: its
 *   connections are served past it, and then the least recently active connection of another listener is closed
 *   to get back under it (Kafka's Processor.closeExcessConnections). The same happens when max.connections is
 *   lowered dynamically.
 * - Per address (`max.connections.per.ip`, `max.connections.per.ip.overrides`): a connection from an address that
 *   already has its maximum is closed at once (Kafka's TooManyConnectionsException, logged at info as Kafka does).
 *   Override host names are resolved to one address, at start (an unknown host fails the start, as Kafka's
 *   InetAddress.getByName does) and when the overrides change.
 *
 * Not covered: Kafka's per-IP creation rate (`connection_creation_rate` client quotas), which is not a broker
 * config. Single-threaded (the event loop).
 */
export class ConnectionQuotas {
  readonly #options: ConnectionQuotasOptions;
  readonly #time: Time;
  readonly #resolveHost: (host: string) => Promise<string>;
  readonly #listeners = new Map<string, ListenerState>();
  readonly #perAddress = new Map<string, number>();
  #total = 0;
  #applied: ConnectionQuotaConfig;
  #overrides = new Map<string, number>();
  #brokerSensor: RateQuotaSensor;
  #recheck: NodeJS.Timeout | null = null;
  #closed = false;
  /** poll() is running (closing an excess connection reports its close from inside): run it again after. */
  #polling = false;
  #pollAgain = false;

  constructor(options: ConnectionQuotasOptions) {
    this.#options = options;
    this.#time = options.time ?? SystemTime;
    this.#resolveHost = options.resolveHost ?? resolveWithOs;
    const config = options.config();
    this.#applied = config;
    this.#brokerSensor = ConnectionQuotas.#sensor(config, config.maxConnectionCreationRate);
    for (const name of options.listenerNames) {
      this.#listeners.set(name, { name, count: 0, waiting: [], sensor: ConnectionQuotas.#sensor(config, this.#listenerQuota(config, name).maxConnectionCreationRate), timer: null });
    }
  }

  static #sensor(config: ConnectionQuotaConfig, quota: number): RateQuotaSensor {
    return new RateQuotaSensor({ quota, windowMs: config.quotaWindowSizeMs, samples: config.quotaWindowNum });
  }

  /**
   * Resolves the per-IP override host names of the current config, then re-reads the config once a second.
   * @throws Error when an override host name cannot be resolved (Kafka's UnknownHostException at start-up).
   */
  async start(): Promise<void> {
    this.#overrides = await this.#resolveOverrides(this.#applied.maxConnectionsPerIpOverrides);
    this.#recheck = setInterval(() => this.poll(), 1000);
    this.#recheck.unref();
  }

  /** Open connections over all listeners. */
  get total(): number {
    return this.#total;
  }

  /** Open connections on one listener (0 for an unknown name). */
  count(listenerName: string): number {
    return this.#listeners.get(listenerName)?.count ?? 0;
  }

  /** Accepted sockets waiting for a slot or the end of a creation-rate delay on one listener. */
  waiting(listenerName: string): number {
    return this.#listeners.get(listenerName)?.waiting.length ?? 0;
  }

  /** Open connections from one address (canonical form, see {@link canonicalAddress}). */
  countFor(address: string): number {
    return this.#perAddress.get(canonicalAddress(address)) ?? 0;
  }

  /**
   * Takes a socket just accepted on `listenerName` (paused, not read): `admitted(socket, address)` runs once it may
   * be served (now or later), and the caller must then report its close with {@link connectionClosed}; a socket
   * refused by a limit is destroyed and `admitted` never runs.
   */
  accept(listenerName: string, socket: net.Socket, admitted: (socket: net.Socket, address: string) => void): void {
    const l = this.#listeners.get(listenerName);
    if (l === undefined || this.#closed) {
      socket.destroy();
      return;
    }
    if (l.waiting.length >= this.#options.maxWaitingPerListener) {
      this.#options.logger.debug({ listener: listenerName, clientAddress: socket.remoteAddress }, 'connection closed: listen backlog of waiting connections is full');
      socket.destroy();
      return;
    }
    socket.on('error', () => undefined);
    l.waiting.push({ socket, admitted, throttleUntilMs: null });
    this.poll();
  }

  /** A connection that {@link accept} admitted closed: frees its slot (and serves the waiting ones it unblocks). */
  connectionClosed(listenerName: string, address: string): void {
    const l = this.#listeners.get(listenerName);
    if (l !== undefined) l.count--;
    this.#total--;
    const ip = canonicalAddress(address);
    const n = (this.#perAddress.get(ip) ?? 1) - 1;
    if (n <= 0) this.#perAddress.delete(ip);
    else this.#perAddress.set(ip, n);
    if (!this.#closed) this.poll();
  }

  /**
   * Applies a changed config, closes excess connections, and serves every listener's waiting sockets that may go
   * now. Runs on every accept and close and once a second; tests with a mock clock call it after moving time.
   */
  poll(): void {
    if (this.#closed) return;
    if (this.#polling) {
      this.#pollAgain = true;
      return;
    }
    this.#polling = true;
    try {
      do {
        this.#pollAgain = false;
        const config = this.#options.config();
        if (config !== this.#applied) this.#apply(config);
        for (const l of this.#listeners.values()) this.#serveWaiting(l);
        this.#closeExcessConnections();
      } while (this.#pollAgain && !this.#closed);
    } finally {
      this.#polling = false;
    }
  }

  /** Destroys the sockets still waiting and stops the timers; nothing is admitted afterwards. Idempotent. */
  close(): void {
    this.#closed = true;
    if (this.#recheck !== null) clearInterval(this.#recheck);
    for (const l of this.#listeners.values()) {
      if (l.timer !== null) clearTimeout(l.timer);
      l.timer = null;
      for (const w of l.waiting.splice(0)) w.socket.destroy();
    }
  }

  #apply(config: ConnectionQuotaConfig): void {
    const old = this.#applied;
    this.#applied = config;
    const windowsChanged = config.quotaWindowSizeMs !== old.quotaWindowSizeMs || config.quotaWindowNum !== old.quotaWindowNum;
    if (windowsChanged) this.#brokerSensor = ConnectionQuotas.#sensor(config, config.maxConnectionCreationRate);
    else this.#brokerSensor.quota = config.maxConnectionCreationRate;
    for (const l of this.#listeners.values()) {
      const rate = this.#listenerQuota(config, l.name).maxConnectionCreationRate;
      if (windowsChanged) l.sensor = ConnectionQuotas.#sensor(config, rate);
      else l.sensor.quota = rate;
    }
    if (!sameEntries(config.maxConnectionsPerIpOverrides, old.maxConnectionsPerIpOverrides)) {
      this.#resolveOverrides(config.maxConnectionsPerIpOverrides).then(
        (resolved) => {
          if (this.#applied === config) this.#overrides = resolved;
        },
        (err: unknown) => this.#options.logger.error({ err }, 'max.connections.per.ip.overrides not applied: a host name cannot be resolved'),
      );
    }
    this.#options.logger.info(
      { maxConnections: config.maxConnections, maxConnectionsPerIp: config.maxConnectionsPerIp, maxConnectionCreationRate: config.maxConnectionCreationRate },
      'connection quotas updated',
    );
  }

  async #resolveOverrides(overrides: ReadonlyMap<string, number>): Promise<Map<string, number>> {
    const resolved = new Map<string, number>();
    for (const [host, max] of overrides) {
      let address = host;
      if (net.isIP(host) === 0) {
        try {
          address = await this.#resolveHost(host);
        } catch (err) {
          throw new Error(`max.connections.per.ip.overrides: unknown host ${host}: ${(err as Error).message}`, { cause: err });
        }
      }
      resolved.set(canonicalAddress(address), max);
    }
    return resolved;
  }

  #listenerQuota(config: ConnectionQuotaConfig, name: string): ListenerConnectionQuota {
    return config.listeners.get(name) ?? config;
  }

  /** Kafka's protectedListener: the inter-broker listener, when the broker has more than one listener. */
  #isProtected(name: string): boolean {
    return this.#applied.interBrokerListenerName === name && this.#listeners.size > 1;
  }

  /** Kafka's connectionSlotAvailable. */
  #slotAvailable(l: ListenerState): boolean {
    if (l.count >= this.#listenerQuota(this.#applied, l.name).maxConnections) return false;
    return this.#isProtected(l.name) || this.#total < this.#applied.maxConnections;
  }

  /** Kafka's recordConnectionAndGetThrottleTimeMs: the delay a new connection on `l` must wait, in ms. */
  #recordConnection(l: ListenerState, nowMs: number): number {
    const maxThrottleMs = this.#applied.quotaWindowSizeMs;
    if (this.#isProtected(l.name)) return l.sensor.record(nowMs, maxThrottleMs);
    const brokerThrottleMs = this.#brokerSensor.record(nowMs, maxThrottleMs);
    return Math.max(brokerThrottleMs, l.sensor.record(nowMs, maxThrottleMs));
  }

  /** Serves the listener's waiting sockets in order while the head may go (Kafka's waitForConnectionSlot + inc). */
  #serveWaiting(l: ListenerState): void {
    while (l.waiting.length > 0) {
      const head = l.waiting[0]!;
      if (head.socket.destroyed) {
        l.waiting.shift();
        continue;
      }
      const nowMs = this.#time.milliseconds();
      if (head.throttleUntilMs === null) {
        const throttleMs = this.#recordConnection(l, nowMs);
        head.throttleUntilMs = nowMs + throttleMs;
        if (throttleMs > 0) {
          this.#options.logger.debug({ listener: l.name, clientAddress: head.socket.remoteAddress, throttleMs }, 'connection creation rate exceeded: delaying the connection');
        }
      }
      if (nowMs < head.throttleUntilMs) {
        l.timer ??= setTimeout(() => {
          l.timer = null;
          this.poll();
        }, head.throttleUntilMs - nowMs);
        return;
      }
      if (l.timer !== null) {
        clearTimeout(l.timer);
        l.timer = null;
      }
      if (!this.#slotAvailable(l)) return;
      l.waiting.shift();
      this.#admit(l, head);
    }
  }

  #admit(l: ListenerState, w: Waiting): void {
    const ip = canonicalAddress(w.socket.remoteAddress ?? '');
    const count = this.#perAddress.get(ip) ?? 0;
    const max = this.#overrides.get(ip) ?? this.#applied.maxConnectionsPerIp;
    if (count >= max) {
      this.#options.logger.info({ listener: l.name }, `Rejected connection from ${ip}, address already has the configured maximum of ${max} connections.`);
      w.socket.destroy();
      return;
    }
    this.#perAddress.set(ip, count + 1);
    l.count++;
    this.#total++;
    w.admitted(w.socket, ip);
  }

  /** Kafka's Processor.closeExcessConnections: back under max.connections by closing the least recently active. */
  #closeExcessConnections(): void {
    const protectedName = this.#applied.interBrokerListenerName;
    let guard = this.#total;
    while (this.#total > this.#applied.maxConnections && guard-- > 0) {
      const isProtectedListener = protectedName !== null && this.#isProtected(protectedName);
      if (!this.#options.closeLeastRecentlyUsed(isProtectedListener ? protectedName : '')) return;
    }
  }
}
