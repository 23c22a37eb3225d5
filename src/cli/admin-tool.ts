// What Kafka's admin scripts (kafka-topics, kafka-consumer-groups...) share: their argument errors, the way they
// report a failed command, the connection from --bootstrap-server and --command-config, and the argument rules of
// jopt-simple's CommandLineUtils (checkRequiredArgs, checkInvalidArgs) with Kafka's messages.

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseProperties } from '../config/parse-properties.ts';
import type { FramePool } from '../network/frame-pool.ts';
import { AdminClient } from './admin-client.ts';
import { commandConfig, parseBootstrapAddresses } from './metadata-quorum-command.ts';

/** Kafka's Admin default.api.timeout.ms. */
const DEFAULT_API_TIMEOUT_MS = 60_000;

/**
 * A bad command line: Kafka's CommandLineUtils.printUsageAndExit prints the message and the usage on stderr and
 * exits with 1.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Where a tool writes: stdout and stderr (injectable for tests). */
export interface ToolOutput {
  out(text: string): void;
  err(text: string): void;
}

export const PROCESS_OUTPUT: ToolOutput = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/**
 * Runs a tool's action as Kafka's scripts do: a UsageError prints its message and the command's help on stderr; any
 * other error prints `formatFailure(message)` (e.g. kafka-topics' "Error while executing topic command : ..." on
 * stdout); both set exit code 1 (process.exitCode, so that open handles close first), with no stack trace.
 */
export async function runTool(command: Command, io: ToolOutput, failure: (message: string) => { stream: 'out' | 'err'; text: string }, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof UsageError) {
      io.err(`${message}\n${command.helpInformation()}`);
    } else {
      const { stream, text } = failure(message);
      io[stream](text);
    }
    process.exitCode = 1;
  }
}

/**
 * An AdminClient to --bootstrap-server with the --command-config properties (default.api.timeout.ms is read; a file
 * asking for TLS or SASL is refused), or `timeoutOverrideMs` (a tool's --timeout); responses in `framePool`'s memory
 * when given (see AdminClient). Closed after `run`.
 */
export async function withAdminClient<T>(bootstrapServer: string, commandConfigFile: string | undefined, clientId: string, run: (client: AdminClient) => Promise<T>, timeoutOverrideMs?: number, framePool?: FramePool): Promise<T> {
  const props = await commandConfig(commandConfigFile);
  const timeoutMs = timeoutOverrideMs ?? (props['default.api.timeout.ms'] === undefined ? DEFAULT_API_TIMEOUT_MS : Number(props['default.api.timeout.ms']));
  if (!(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw new Error(`Invalid default.api.timeout.ms: ${props['default.api.timeout.ms']}`);
  const client = new AdminClient(parseBootstrapAddresses(bootstrapServer), { clientId, timeoutMs, ...(framePool === undefined ? {} : { framePool }) });
  try {
    return await run(client);
  } finally {
    client.close();
  }
}

/**
 * Kafka's CommandLineUtils.checkInvalidArgs: when `used` is given, none of `invalid` may be.
 * @param given the names of the options on the command line (without dashes).
 * @throws UsageError `Option "[used]" can't be used with option "[other]"`.
 */
export function checkInvalidArgs(given: ReadonlySet<string>, used: string, invalid: readonly string[]): void {
  if (!given.has(used)) return;
  const other = invalid.find((o) => o !== used && given.has(o));
  if (other !== undefined) throw new UsageError(`Option "[${used}]" can't be used with option "[${other}]"`);
}

/** Kafka's CommandLineUtils.checkRequiredArgs. @throws UsageError `Missing required argument "[name]"`. */
export function checkRequiredArgs(given: ReadonlySet<string>, ...required: string[]): void {
  const missing = required.find((r) => !given.has(r));
  if (missing !== undefined) throw new UsageError(`Missing required argument "[${missing}]"`);
}

/** The names (kebab-case, no dashes) of the options set on `command`'s command line. */
export function givenOptions(command: Command): Set<string> {
  const given = new Set<string>();
  for (const option of command.options) {
    const key = option.attributeName();
    if (command.getOptionValueSource(key) === 'cli') given.add(option.long!.replace(/^--/, ''));
  }
  return given;
}

/**
 * Parses an integer option value as jopt-simple does for Integer options.
 * @throws UsageError with jopt's message when it is not an int32.
 */
export function parseIntOption(name: string, value: string): number {
  const n = Number(value);
  if (!/^[-+]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > 2 ** 31 - 1 || n < -(2 ** 31)) {
    throw new UsageError(`Cannot parse argument '${value}' of option ${name}`);
  }
  return n;
}

/** commander's accumulator of a repeatable option (jopt-simple's valuesOf). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * The `key=value` values of a repeatable property option (--command-property, --reader-property...), as Kafka's
 * CommandLineUtils.parseKeyValueArgs. @throws UsageError for a value without '='.
 */
export function propertyPairs(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`Invalid command line properties: ${v}`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** A Java properties file, or {} when `file` is undefined. @throws Error "<file> (No such file or directory)". */
export async function propertiesFile(file: string | undefined): Promise<Record<string, string>> {
  if (file === undefined) return {};
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`${file} (No such file or directory)`);
  }
  return parseProperties(text);
}
