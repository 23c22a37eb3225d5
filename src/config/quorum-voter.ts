// `controller.quorum.voters` and `controller.quorum.bootstrap.servers`, after Kafka's
// `QuorumConfig.parseVoterConnections` / `parseBootstrapServers` (raft/.../QuorumConfig.java).

import { validator, type Validator } from './config-def.ts';

/** A static voter: `{id}@{host}:{port}` (the controller listener address of node `id`). */
export interface QuorumVoter {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

/** A controller bootstrap address `{host}:{port}`. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

// Kafka's Utils.HOST_PORT_PATTERN (optional scheme, optional IPv6 brackets), anchored.
const HOST_PORT = /^(?:[0-9a-zA-Z\-%._]*:\/\/)?\[?([0-9a-zA-Z\-%._:]*)\]?:([0-9]+)$/;

function parseHostPort(text: string, what: string, config: string): HostPort {
  const m = HOST_PORT.exec(text.trim());
  if (m === null || m[1] === '') {
    throw new Error(`Failed to parse host name and port from entry ${what} for the configuration ${config}`);
  }
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`Invalid port in entry ${what} for the configuration ${config}`);
  return { host: m[1], port };
}

/**
 * Parses voter entries. With `requireRoutable`, 0.0.0.0 is rejected (a voter must be reachable).
 * Throws Error with Kafka's wording on a malformed entry or a duplicate id.
 */
export function parseQuorumVoters(entries: readonly string[], requireRoutable = true): QuorumVoter[] {
  const voters: QuorumVoter[] = [];
  for (const entry of entries) {
    const parts = entry.split('@');
    if (parts.length !== 2) {
      throw new Error(
        'Invalid configuration value for controller.quorum.voters. Each entry should be in the form `{id}@{host}:{port}`.',
      );
    }
    if (!/^[+-]?\d+$/.test(parts[0])) throw new Error(`Failed to parse voter ID as an integer from ${parts[0]}`);
    const id = Number(parts[0]);
    const { host, port } = parseHostPort(parts[1], entry, 'controller.quorum.voters');
    if (requireRoutable && host === '0.0.0.0') throw new Error(`Host string (${host}) is not routeable`);
    if (voters.some((v) => v.id === id)) throw new Error(`Duplicate voter id ${id} in controller.quorum.voters`);
    voters.push({ id, host, port });
  }
  return voters;
}

/** Parses `controller.quorum.bootstrap.servers` entries (`host:port`). Throws Error on a malformed entry. */
export function parseBootstrapServers(entries: readonly string[]): HostPort[] {
  return entries.map((e) => parseHostPort(e, e, 'controller.quorum.bootstrap.servers'));
}

/** Kafka's `ControllerQuorumVotersValidator` (entries parse; 0.0.0.0 allowed at this stage). */
export const quorumVotersValidator: Validator = validator('non-empty list', (v) => {
  try {
    parseQuorumVoters(v as readonly string[], false);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
});

/** Kafka's `ControllerQuorumBootstrapServersValidator`. */
export const bootstrapServersValidator: Validator = validator('non-empty list', (v) => {
  try {
    parseBootstrapServers(v as readonly string[]);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
});
