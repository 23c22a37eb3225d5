// What `kafka-broker metadata-quorum describe` prints, byte for byte as Apache Kafka 4.x's kafka-metadata-quorum.sh
// (MetadataQuorumCommand with ToolsUtils.prettyPrintTable) prints it, from a DescribeQuorum answer.

import { ZERO_UUID_STRING } from '../common/uuid.ts';

/** One replica of the metadata log (Kafka's QuorumInfo.ReplicaState); -1 timestamps are unknown. */
export interface QuorumReplica {
  readonly replicaId: number;
  /** The directory id; the zero Uuid when unknown (a static quorum, DescribeQuorum before v2). */
  readonly replicaDirectoryId: string;
  readonly logEndOffset: bigint;
  /** Wall-clock ms of its last fetch, -1 when unknown. */
  readonly lastFetchTimestamp: bigint;
  /** Wall-clock ms when it last caught up with the leader, -1 when unknown. */
  readonly lastCaughtUpTimestamp: bigint;
}

/** A listener endpoint of a voter (Kafka's RaftVoterEndpoint). */
export interface QuorumEndpoint {
  readonly listener: string;
  readonly host: string;
  readonly port: number;
}

/** The quorum as DescribeQuorum describes it (Kafka's QuorumInfo). */
export interface QuorumInfo {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly highWatermark: bigint;
  readonly voters: readonly QuorumReplica[];
  readonly observers: readonly QuorumReplica[];
  /** The voters' endpoints by node id (DescribeQuorum v2 nodes; empty before v2). */
  readonly nodes: ReadonlyMap<number, readonly QuorumEndpoint[]>;
}

/** Kafka's RaftVoterEndpoint.toString: `NAME://host:port`, an IPv6 host in brackets. */
export function formatEndpoint(e: QuorumEndpoint): string {
  return `${e.listener}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

/** MetadataQuorumCommand.Node.toString: `{"id": 1, "directoryId": "...", "endpoints": ["CONTROLLER://h:p"]}`. */
function formatNode(replica: QuorumReplica, endpoints: readonly QuorumEndpoint[]): string {
  let s = `{"id": ${replica.replicaId}`;
  if (replica.replicaDirectoryId !== ZERO_UUID_STRING) s += `, "directoryId": "${replica.replicaDirectoryId}"`;
  if (endpoints.length > 0) s += `, "endpoints": [${endpoints.map((e) => `"${formatEndpoint(e)}"`).join(', ')}]`;
  return `${s}}`;
}

function formatReplicas(info: QuorumInfo, replicas: readonly QuorumReplica[]): string {
  return `[${replicas.map((r) => formatNode(r, info.nodes.get(r.replicaId) ?? [])).join(', ')}]`;
}

/** @throws Error when the leader is not among the voters (no leader known), as Kafka's tool fails then. */
function leaderOf(info: QuorumInfo): QuorumReplica {
  const leader = info.voters.find((v) => v.replicaId === info.leaderId);
  if (leader === undefined) throw new Error(`The quorum has no leader among its voters (leader id ${info.leaderId})`);
  return leader;
}

/**
 * `describe --status` (Kafka's handleDescribeStatus): cluster id, leader, epoch, high watermark, the largest
 * follower lag in offsets and in ms (the voter with the smallest log end offset, the first one among equals: 0
 * when it is the leader, -1 when a caught-up time is unknown), the voters with their directory ids and endpoints,
 * the observers. Ends with a newline.
 * @throws Error when no leader is known.
 */
export function formatQuorumStatus(clusterId: string, info: QuorumInfo): string {
  const leader = leaderOf(info);
  let maxLagFollower = info.voters[0]!;
  for (const v of info.voters) if (v.logEndOffset < maxLagFollower.logEndOffset) maxLagFollower = v;
  const maxFollowerLag = leader.logEndOffset - maxLagFollower.logEndOffset;
  let maxFollowerLagTimeMs: bigint;
  if (leader === maxLagFollower) maxFollowerLagTimeMs = 0n;
  else if (leader.lastCaughtUpTimestamp !== -1n && maxLagFollower.lastCaughtUpTimestamp !== -1n) maxFollowerLagTimeMs = leader.lastCaughtUpTimestamp - maxLagFollower.lastCaughtUpTimestamp;
  else maxFollowerLagTimeMs = -1n;
  return [
    `ClusterId:              ${clusterId}`,
    `LeaderId:               ${info.leaderId}`,
    `LeaderEpoch:            ${info.leaderEpoch}`,
    `HighWatermark:          ${info.highWatermark}`,
    `MaxFollowerLag:         ${maxFollowerLag}`,
    `MaxFollowerLagTimeMs:   ${maxFollowerLagTimeMs}`,
    `CurrentVoters:          ${formatReplicas(info, info.voters)}`,
    `CurrentObservers:       ${formatReplicas(info, info.observers)}`,
    '',
  ].join('\n');
}

/**
 * Kafka's relativeTimeMs: ms from `timestampMs` to `nowMs`.
 * @throws Error "Error while computing relative time, possible drift in system clock." for a time after now.
 */
function relativeTimeMs(timestampMs: bigint, nowMs: number, desc: string): bigint {
  const now = BigInt(nowMs);
  if (timestampMs > 0n && timestampMs <= now) return now - timestampMs;
  throw new Error(`Error while computing relative time, possible drift in system clock.\nCurrent timestamp is ${now}, ${desc} timestamp is ${timestampMs}`);
}

/**
 * `describe --replication [--human-readable]` (Kafka's handleDescribeReplication): a table of the leader, the
 * other voters (Follower) and the observers with their log end offset, lag behind the leader, last fetch and last
 * caught-up times (wall-clock ms, or "<n> ms ago" relative to `nowMs` when human readable; -1 when unknown).
 * Columns are padded to their widest cell and each cell is followed by a tab, as ToolsUtils.prettyPrintTable.
 * @throws Error when no leader is known, or (human readable) a time is in the future.
 */
export function formatQuorumReplication(info: QuorumInfo, humanReadable: boolean, nowMs: number): string {
  const leader = leaderOf(info);
  const time = (t: bigint, desc: string): string => (t === -1n ? '-1' : humanReadable ? `${relativeTimeMs(t, nowMs, desc)} ms ago` : String(t));
  const row = (r: QuorumReplica, status: string): string[] => [
    String(r.replicaId),
    r.replicaDirectoryId,
    String(r.logEndOffset),
    String(leader.logEndOffset - r.logEndOffset),
    time(r.lastFetchTimestamp, 'last fetch'),
    time(r.lastCaughtUpTimestamp, 'last caught up'),
    status,
  ];
  const rows = [
    row(leader, 'Leader'),
    ...info.voters.filter((v) => v.replicaId !== info.leaderId).map((v) => row(v, 'Follower')),
    ...info.observers.map((o) => row(o, 'Observer')),
  ];
  return prettyPrintTable(['NodeId', 'DirectoryId', 'LogEndOffset', 'Lag', 'LastFetchTimestamp', 'LastCaughtUpTimestamp', 'Status'], rows);
}

/** Kafka's ToolsUtils.prettyPrintTable: every cell padded with spaces to its column's width, then a tab. */
function prettyPrintTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => `${cells.map((c, i) => `${c.padEnd(widths[i]!)}\t`).join('')}\n`;
  return line(headers) + rows.map(line).join('');
}
