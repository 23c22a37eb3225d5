// Test hosts for the torture harness (issue 16 item 1): each node of a test cluster in its own Linux network
// namespace, all joined by a bridge that lives in a namespace of its own; the test process (the clients) joins
// the bridge from the root namespace through one more veth pair, so clients and nodes talk over real TCP across
// interfaces that the nemesis can cut. Faults are iptables rules inside the node namespaces (partitions, client
// isolation, random packet loss): nothing is changed in the root namespace but its one veth.
//
// Needs root, iproute2 and iptables (.ci/ensure-tools.sh installs them). This kernel has no sch_netem, so delay
// and duplication are not available here: `lossy` drops packets with iptables' statistic match instead.
//
// Names: every namespace and interface starts with `kt<pid>` (the owner's pid), so a run that died without
// tearing down is swept by the next one (its pid is gone).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One node's host: its namespace, interface and address. */
export interface NodeHost {
  readonly nodeId: number;
  readonly netns: string;
  readonly ip: string;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

async function inNs(netns: string, cmd: string, args: string[]): Promise<void> {
  await run('ip', ['netns', 'exec', netns, cmd, ...args]);
}

/** Namespaces of earlier runs whose owner process is gone (`kt<pid>...`). */
function staleNamespaces(): string[] {
  let out = '';
  try {
    out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const stale: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^(kt(\d+)\S*)/.exec(line.trim());
    if (m === null) continue;
    const pid = Number(m[2]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive || pid === process.pid) stale.push(m[1]!);
  }
  return stale;
}

function deleteNamespacesSync(names: readonly string[]): void {
  for (const n of names) {
    try {
      execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
}

/** A subnet 10.231.<n>.0/24 that no interface of the root namespace uses. */
function freeSubnet(): string {
  const used = execFileSync('ip', ['-4', 'addr'], { encoding: 'utf8' });
  for (let attempt = 0; attempt < 64; attempt++) {
    const third = (process.pid + attempt) % 250;
    const prefix = `10.231.${third}.`;
    if (!used.includes(prefix)) return prefix;
  }
  throw new Error('no free 10.231.x.0/24 subnet for the test hosts');
}

/**
 * The hosts of one cluster: {@link create} builds them, {@link teardown} (also run at process exit) removes them.
 * Fault methods add iptables rules in node namespaces; {@link heal} removes every rule.
 */
export class NetworkHosts {
  readonly nodes: readonly NodeHost[];
  /** The address of the root namespace (the test process and its clients) on the bridge. */
  readonly clientIp: string;
  readonly #prefix: string;
  readonly #bridgeNs: string;
  #tornDown = false;
  readonly #onExit = (): void => this.#teardownSync();

  private constructor(prefix: string, nodes: NodeHost[], clientIp: string) {
    this.#prefix = prefix;
    this.#bridgeNs = `${prefix}br`;
    this.nodes = nodes;
    this.clientIp = clientIp;
    process.once('exit', this.#onExit);
  }

  /** Whether this process may build namespaces (root with ip and iptables). */
  static available(): boolean {
    if (process.getuid?.() !== 0) return false;
    try {
      execFileSync('iptables', ['--version'], { stdio: 'ignore' });
      execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Builds one namespace per node id in `nodeIds` (address 10.231.x.<nodeId>/24), the bridge namespace, and the
   * root namespace's link to it (10.231.x.250), sweeping namespaces left by dead runs first.
   * @throws Error when a command fails (after removing what was built).
   */
  static async create(nodeIds: readonly number[]): Promise<NetworkHosts> {
    deleteNamespacesSync(staleNamespaces());
    const prefix = `kt${process.pid}`;
    const subnet = freeSubnet();
    const nodes = nodeIds.map((nodeId) => ({ nodeId, netns: `${prefix}n${nodeId}`, ip: `${subnet}${nodeId}` }));
    const hosts = new NetworkHosts(prefix, nodes, `${subnet}250`);
    try {
      const br = hosts.#bridgeNs;
      await ip('netns', 'add', br);
      await ip('-n', br, 'link', 'add', 'br0', 'type', 'bridge');
      await ip('-n', br, 'link', 'set', 'br0', 'up');
      for (const n of nodes) {
        const veth = `${prefix}n${n.nodeId}`;
        await ip('netns', 'add', n.netns);
        await ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}b`, 'netns', br);
        await ip('link', 'set', veth, 'netns', n.netns);
        await ip('-n', br, 'link', 'set', `${veth}b`, 'master', 'br0', 'up');
        await ip('-n', n.netns, 'addr', 'add', `${n.ip}/24`, 'dev', veth);
        await ip('-n', n.netns, 'link', 'set', veth, 'up');
        await ip('-n', n.netns, 'link', 'set', 'lo', 'up');
      }
      const client = `${prefix}c`;
      await ip('link', 'add', client, 'type', 'veth', 'peer', 'name', `${client}b`, 'netns', br);
      await ip('-n', br, 'link', 'set', `${client}b`, 'master', 'br0', 'up');
      await ip('addr', 'add', `${hosts.clientIp}/24`, 'dev', client);
      await ip('link', 'set', client, 'up');
    } catch (e) {
      hosts.#teardownSync();
      throw e;
    }
    return hosts;
  }

  /** The host of node `nodeId`. @throws Error when there is none. */
  host(nodeId: number): NodeHost {
    const h = this.nodes.find((n) => n.nodeId === nodeId);
    if (h === undefined) throw new Error(`no host for node ${nodeId}`);
    return h;
  }

  /** Drops all traffic between `a` and `b` (both directions, rules in both namespaces). */
  async cut(a: string, b: string): Promise<void> {
    for (const [self, other] of [[a, b], [b, a]] as const) {
      const n = this.nodes.find((x) => x.ip === self);
      if (n === undefined) continue;
      await inNs(n.netns, 'iptables', ['-A', 'INPUT', '-s', other, '-j', 'DROP']);
      await inNs(n.netns, 'iptables', ['-A', 'OUTPUT', '-d', other, '-j', 'DROP']);
    }
  }

  /**
   * Splits the nodes into `groups` (node ids): every pair in different groups is cut; a node in no group keeps
   * every link (with groups [[1], [3]] node 2 bridges the two halves: Jepsen's bridge topology).
   */
  async partition(groups: readonly (readonly number[])[]): Promise<void> {
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        for (const a of groups[i]!) for (const b of groups[j]!) await this.cut(this.host(a).ip, this.host(b).ip);
      }
    }
  }

  /**
   * Cuts TCP `port` between node `nodeId` and `others` both ways (e.g. the controller port: raft traffic only,
   * while the broker listeners still talk).
   */
  async cutPort(nodeId: number, others: readonly number[], port: number): Promise<void> {
    const ns = this.host(nodeId).netns;
    for (const o of others) {
      const peer = this.host(o).ip;
      for (const [chain, dir, addr] of [['INPUT', '--dport', '-s'], ['INPUT', '--sport', '-s'], ['OUTPUT', '--dport', '-d'], ['OUTPUT', '--sport', '-d']] as const) {
        await inNs(ns, 'iptables', ['-A', chain, '-p', 'tcp', dir, String(port), addr, peer, '-j', 'DROP']);
      }
    }
  }

  /** Cuts node `nodeId` from the clients only (brokers and controllers still reach it). */
  async isolateFromClients(nodeId: number): Promise<void> {
    await this.cut(this.host(nodeId).ip, this.clientIp);
  }

  /** Drops each packet into and out of node `nodeId` with probability `p` (0..1). */
  async lossy(nodeId: number, p: number): Promise<void> {
    const ns = this.host(nodeId).netns;
    for (const chain of ['INPUT', 'OUTPUT']) {
      await inNs(ns, 'iptables', ['-A', chain, '-m', 'statistic', '--mode', 'random', '--probability', String(p), '-j', 'DROP']);
    }
  }

  /** Removes every fault rule from every node namespace. */
  async heal(): Promise<void> {
    for (const n of this.nodes) await inNs(n.netns, 'iptables', ['-F']);
  }

  /** The command that runs `argv` inside node `nodeId`'s namespace (`ip netns exec` execs: the pid stays). */
  command(nodeId: number, argv: readonly string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.host(nodeId).netns, ...argv]];
  }

  /** Removes every namespace and interface of these hosts (processes inside should be gone first). */
  async teardown(): Promise<void> {
    this.#teardownSync();
  }

  #teardownSync(): void {
    if (this.#tornDown) return;
    this.#tornDown = true;
    process.removeListener('exit', this.#onExit);
    // Deleting a namespace deletes the veth ends inside it, and with them their peers.
    deleteNamespacesSync([...this.nodes.map((n) => n.netns), this.#bridgeNs]);
    try {
      execFileSync('ip', ['link', 'del', `${this.#prefix}c`], { stdio: 'ignore' });
    } catch {
      // Went with its peer in the bridge namespace.
    }
  }
}
