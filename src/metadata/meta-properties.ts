import { mkdir, readFile, rename, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUuid } from '../common/uuid.ts';

/** Name of the file that marks a formatted log directory. */
export const META_PROPERTIES_FILE = 'meta.properties';

/**
 * The identity of a formatted log directory (Kafka's `MetaProperties`, version 1 for KRaft):
 * `version=1`, `cluster.id`, `node.id`, `directory.id` (KIP-858: a Kafka Uuid; null when a directory formatted
 * before KIP-858 has none, until {@link ensureDirectoryIds} gives it one).
 */
export interface MetaProperties {
  version: number;
  clusterId: string;
  nodeId: number;
  directoryId: string | null;
}

/** Parses the simple `key=value` lines Kafka writes (comments with '#'). */
function parseLines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

/**
 * Reads `<dir>/meta.properties`. @returns null when the directory is not formatted (no file).
 * @throws Error when the file exists but lacks a field or has an unsupported version.
 */
export async function readMetaProperties(dir: string): Promise<MetaProperties | null> {
  let text: string;
  try {
    text = await readFile(join(dir, META_PROPERTIES_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const props = parseLines(text);
  const version = Number(props.get('version'));
  if (version !== 1) throw new Error(`${join(dir, META_PROPERTIES_FILE)}: unsupported version ${props.get('version')} (KRaft needs 1)`);
  const clusterId = props.get('cluster.id');
  const nodeId = Number(props.get('node.id'));
  if (clusterId === undefined || !Number.isInteger(nodeId)) {
    throw new Error(`${join(dir, META_PROPERTIES_FILE)}: missing cluster.id or node.id`);
  }
  return { version, clusterId, nodeId, directoryId: props.get('directory.id') ?? null };
}

/** Writes `<dir>/meta.properties` atomically (temp file, fsync, rename), creating the directory. */
export async function writeMetaProperties(dir: string, meta: MetaProperties): Promise<void> {
  await mkdir(dir, { recursive: true });
  const text = [
    '#',
    `#${new Date().toUTCString()}`,
    `node.id=${meta.nodeId}`,
    ...(meta.directoryId === null ? [] : [`directory.id=${meta.directoryId}`]),
    `version=${meta.version}`,
    `cluster.id=${meta.clusterId}`,
    '',
  ].join('\n');
  const tmp = join(dir, `${META_PROPERTIES_FILE}.tmp`);
  await writeFile(tmp, text, 'utf8');
  const fh = await open(tmp, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, META_PROPERTIES_FILE));
}

/**
 * Formats the given directories for a node, like `kafka-storage format`: writes meta.properties with the cluster
 * id, node id and a directory id into each (a new random one, or the one `directoryIds` gives for that directory:
 * a KIP-853 initial voter's metadata log directory). A directory that is already formatted with the same cluster
 * and node id is left alone when `ignoreFormatted` is set; otherwise it is an error (Kafka refuses to format
 * twice).
 * @throws Error when a directory belongs to another cluster or node, or is formatted and !ignoreFormatted.
 */
export async function formatDirectories(dirs: readonly string[], clusterId: string, nodeId: number, ignoreFormatted: boolean, directoryIds?: ReadonlyMap<string, string>): Promise<void> {
  for (const dir of new Set(dirs)) {
    const existing = await readMetaProperties(dir);
    if (existing !== null) {
      if (existing.clusterId !== clusterId || existing.nodeId !== nodeId) {
        throw new Error(`Log directory ${dir} is already formatted for cluster ${existing.clusterId}, node ${existing.nodeId}`);
      }
      if (!ignoreFormatted) throw new Error(`Log directory ${dir} is already formatted. Use --ignore-formatted to ignore this directory and format the others.`);
      continue;
    }
    await writeMetaProperties(dir, { version: 1, clusterId, nodeId, directoryId: directoryIds?.get(dir) ?? randomUuid() });
  }
}

/**
 * Gives every formatted directory of `dirs` without a directory.id a new random one (Kafka's start-up does so with
 * MetaPropertiesEnsemble.Copier: KIP-858 directory ids, which KIP-853 uses to tell a controller's metadata log
 * apart from a lost one). A directory id must never change once set: it is written once, atomically.
 * @returns the directories that were given one.
 */
export async function ensureDirectoryIds(dirs: readonly string[]): Promise<string[]> {
  const updated: string[] = [];
  for (const dir of new Set(dirs)) {
    const meta = await readMetaProperties(dir);
    if (meta === null || meta.directoryId !== null) continue;
    await writeMetaProperties(dir, { ...meta, directoryId: randomUuid() });
    updated.push(dir);
  }
  return updated;
}

/**
 * Checks that all formatted directories agree and returns their cluster id; null when none is formatted.
 * @throws Error on disagreement or a node id that differs from the configured one.
 */
export async function loadClusterId(dirs: readonly string[], nodeId: number): Promise<{ clusterId: string | null; unformatted: string[] }> {
  let clusterId: string | null = null;
  const unformatted: string[] = [];
  for (const dir of new Set(dirs)) {
    const meta = await readMetaProperties(dir);
    if (meta === null) {
      unformatted.push(dir);
      continue;
    }
    if (meta.nodeId !== nodeId) throw new Error(`Log directory ${dir} belongs to node ${meta.nodeId}, but node.id is ${nodeId}`);
    if (clusterId !== null && meta.clusterId !== clusterId) {
      throw new Error(`Log directories disagree on the cluster id: ${clusterId} and ${meta.clusterId} (${dir})`);
    }
    clusterId = meta.clusterId;
  }
  return { clusterId, unformatted };
}
