// The JSON files of kafka-reassign-partitions (ReassignPartitionsCommand, Kafka 4.4) and the throttle lists it derives
// from a reassignment:
// - topics to move: {"topics": [{"topic": "foo"}], "version": 1};
// - a reassignment: {"version": 1, "partitions": [{"topic", "partition", "replicas": [ids], "log_dirs": ["any"...]}]}
//   ("log_dirs" optional, "any" or an absolute directory per replica), written by --generate and --execute in
//   Jackson's compact form with the partitions sorted by topic then partition;
// - leader/follower.replication.throttled.replicas: "partition:broker" entries sorted as strings (a TreeSet), the
//   leader list naming each moving partition's source replicas, the follower list its new ones.

/** Kafka's "any" log directory: the broker picks one. */
export const ANY_LOG_DIR = 'any';

/** A topic partition with its replica list. */
export interface PartitionReplicas {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
}

/** A parsed reassignment: the partitions in file order (duplicates kept) and the log directories other than "any". */
export interface ReassignmentData {
  readonly partitions: readonly PartitionReplicas[];
  /** [topic, partition, broker, log dir] for each replica given a log directory. */
  readonly logDirs: readonly (readonly [string, number, number, string])[];
}

/** One partition's move: the replicas it has (sources) and those it gains (destinations). */
export interface PartitionMove {
  readonly sources: ReadonlySet<number>;
  readonly destinations: ReadonlySet<number>;
}

/** Moves by topic, then by partition. */
export type MoveMap = Map<string, Map<number, PartitionMove>>;

/** Java's TopicPartition.toString. */
export const tpName = (p: { readonly topic: string; readonly partition: number }): string => `${p.topic}-${p.partition}`;

/** Kafka's compareTopicPartitions: topic (as Java strings compare), then partition. */
export function compareTopicPartitions(a: { readonly topic: string; readonly partition: number }, b: { readonly topic: string; readonly partition: number }): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

/** Java's AbstractCollection.toString of ints or strings: "[a, b]". */
const javaList = (values: readonly unknown[]): string => `[${values.join(', ')}]`;

/** The values that appear more than once (Kafka's ToolsUtils.duplicates), in first-repeat order. */
export function duplicates<T>(values: readonly T[], key: (v: T) => string = String): T[] {
  const seen = new Set<string>();
  const out = new Map<string, T>();
  for (const v of values) {
    const k = key(v);
    if (seen.has(k)) out.set(k, v);
    seen.add(k);
  }
  return [...out.values()];
}

function parseJson(text: string, invalid: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(invalid);
  }
}

/** DecodeJson's messages for a value of the wrong type. */
function decodeError(expected: string, value: unknown): Error {
  return new Error(`Expected \`${expected}\` value, received ${JSON.stringify(value)}`);
}

function asObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`Expected JSON object, received ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

function field(object: Record<string, unknown>, name: string): unknown {
  if (!(name in object)) throw new Error(`No such field exists: \`${name}\``);
  return object[name];
}

function asInt(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value > 2 ** 31 - 1 || value < -(2 ** 31)) throw decodeError('Int', value);
  return value;
}

function asString(value: unknown): string {
  if (typeof value !== 'string') throw decodeError('String', value);
  return value;
}

function asArray(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error(`Expected JSON array, received ${JSON.stringify(value)}`);
  return value;
}

/** The "version" field (1 when absent). @throws Error "Not supported version field value N" for another. */
function checkVersion(object: Record<string, unknown>): void {
  const version = 'version' in object ? asInt(object['version']) : 1;
  if (version !== 1) throw new Error(`Not supported version field value ${version}`);
}

/**
 * The topics of a --topics-to-move-json-file (Kafka's parseTopicsData); no "topics" field means none.
 * @throws Error "The input string is not a valid JSON", "Not supported version field value N", or a field error.
 */
export function parseTopicsToMove(text: string): string[] {
  const js = asObject(parseJson(text, 'The input string is not a valid JSON'));
  checkVersion(js);
  if (!('topics' in js)) return [];
  return asArray(js['topics']).map((t) => asString(field(asObject(t), 'topic')));
}

/**
 * A --reassignment-json-file (Kafka's parsePartitionReassignmentData), duplicates kept for the caller to check; no
 * "partitions" field means none.
 * @throws Error for invalid JSON, a version other than 1, a missing or mistyped field, or "Size of replicas list [..]
 *   is different from size of log dirs list [..] for partition t-p".
 */
export function parseReassignment(text: string): ReassignmentData {
  const js = asObject(parseJson(text, 'The input string is not a valid JSON'));
  checkVersion(js);
  const partitions: PartitionReplicas[] = [];
  const logDirs: [string, number, number, string][] = [];
  for (const entry of 'partitions' in js ? asArray(js['partitions']) : []) {
    const fields = asObject(entry);
    const topic = asString(field(fields, 'topic'));
    const partition = asInt(field(fields, 'partition'));
    const replicas = asArray(field(fields, 'replicas')).map(asInt);
    const dirs = 'log_dirs' in fields ? asArray(fields['log_dirs']).map(asString) : replicas.map(() => ANY_LOG_DIR);
    if (dirs.length !== replicas.length) throw new Error(`Size of replicas list ${javaList(replicas)} is different from size of log dirs list ${javaList(dirs)} for partition ${topic}-${partition}`);
    partitions.push({ topic, partition, replicas });
    dirs.forEach((dir, i) => {
      if (dir !== ANY_LOG_DIR) logDirs.push([topic, partition, replicas[i]!, dir]);
    });
  }
  return { partitions, logDirs };
}

/**
 * The checks of --execute on a parsed reassignment (Kafka's parseExecuteAssignmentArgs).
 * @throws Error "Partition reassignment list cannot be empty", "Partition replica list cannot be empty", "Partition
 *   reassignment contains duplicate topic partitions: t-0,..." or "Partition replica lists may not contain duplicate
 *   entries: t-0 contains multiple entries for 1. ...".
 */
export function checkExecutable(data: ReassignmentData): void {
  if (data.partitions.length === 0) throw new Error('Partition reassignment list cannot be empty');
  if (data.partitions.some((p) => p.replicas.length === 0)) throw new Error('Partition replica list cannot be empty');
  const repeated = duplicates(data.partitions, tpName);
  if (repeated.length > 0) throw new Error(`Partition reassignment contains duplicate topic partitions: ${repeated.map(tpName).join(',')}`);
  const withDuplicates = data.partitions.map((p) => [p, duplicates(p.replicas)] as const).filter(([, d]) => d.length > 0);
  if (withDuplicates.length > 0) {
    const details = withDuplicates.map(([p, d]) => `${tpName(p)} contains multiple entries for ${d.join(',')}`).join('. ');
    throw new Error(`Partition replica lists may not contain duplicate entries: ${details}`);
  }
}

/**
 * Kafka's formatAsReassignmentJson: compact JSON, partitions sorted; each replica's log directory from `logDirs`
 * (keyed "topic-partition-broker"), "any" when absent.
 */
export function formatReassignmentJson(partitions: readonly PartitionReplicas[], logDirs: ReadonlyMap<string, string> = new Map()): string {
  const sorted = [...partitions].sort(compareTopicPartitions);
  return JSON.stringify({
    version: 1,
    partitions: sorted.map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas, log_dirs: p.replicas.map((b) => logDirs.get(`${tpName(p)}-${b}`) ?? ANY_LOG_DIR) })),
  });
}

/**
 * The moves a reassignment makes (Kafka's calculateProposedMoveMap): the ongoing reassignments first (sources: their
 * replicas less the adding ones; destinations: the adding ones), then each proposed partition, whose sources are
 * those of its ongoing move or else its current replicas, and whose destinations are the proposed replicas not
 * among the sources.
 * @throws Error when a proposed partition has neither an ongoing move nor current replicas.
 */
export function proposedMoveMap(ongoing: readonly { topic: string; partition: number; replicas: readonly number[]; adding: readonly number[] }[], proposed: readonly PartitionReplicas[], current: ReadonlyMap<string, readonly number[]>): MoveMap {
  const moves: MoveMap = new Map();
  const movesOf = (topic: string): Map<number, PartitionMove> => {
    let m = moves.get(topic);
    if (m === undefined) moves.set(topic, (m = new Map()));
    return m;
  };
  for (const r of ongoing) {
    const sources = new Set(r.replicas.filter((b) => !r.adding.includes(b)));
    movesOf(r.topic).set(r.partition, { sources, destinations: new Set(r.adding) });
  }
  for (const p of proposed) {
    const partMoves = movesOf(p.topic);
    const known = partMoves.get(p.partition)?.sources ?? current.get(tpName(p));
    if (known === undefined) throw new Error(`Trying to reassign a topic partition ${tpName(p)} with 0 replicas`);
    const sources = new Set(known);
    partMoves.set(p.partition, { sources, destinations: new Set(p.replicas.filter((b) => !sources.has(b))) });
  }
  return moves;
}

/** The throttled replicas of each topic: "partition:broker" entries sorted as strings, comma-separated. */
function throttledReplicas(moves: MoveMap, side: (move: PartitionMove) => Iterable<number>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [topic, partMoves] of moves) {
    const entries = new Set<string>();
    for (const [partition, move] of partMoves) for (const broker of side(move)) entries.add(`${partition}:${broker}`);
    out.set(topic, [...entries].sort().join(','));
  }
  return out;
}

/** leader.replication.throttled.replicas of each topic: the source replicas (Kafka's calculateLeaderThrottles). */
export const leaderThrottles = (moves: MoveMap): Map<string, string> => throttledReplicas(moves, (m) => m.sources);

/** follower.replication.throttled.replicas of each topic: the new replicas (Kafka's calculateFollowerThrottles). */
export const followerThrottles = (moves: MoveMap): Map<string, string> => throttledReplicas(moves, (m) => [...m.destinations].filter((b) => !m.sources.has(b)));

/** Every broker a move touches, ascending (Kafka's calculateReassigningBrokers, a TreeSet). */
export function reassigningBrokers(moves: MoveMap): number[] {
  const out = new Set<number>();
  for (const partMoves of moves.values()) for (const m of partMoves.values()) for (const b of [...m.sources, ...m.destinations]) out.add(b);
  return [...out].sort((a, b) => a - b);
}
