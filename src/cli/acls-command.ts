// `kafka-broker acls`: Apache Kafka's kafka-acls.sh (org.apache.kafka.tools.AclCommand, Kafka 4.4): --add, --remove
// and --list of ACLs through CreateAcls, DeleteAcls and DescribeAcls, with its options (--producer / --consumer
// convenience, --resource-pattern-type, hosts defaulting to '*', operations defaulting to All), its argument checks
// and messages, and its output ("Adding ACLs for resource `ResourcePattern(...)`:", "Acl ... already exists.",
// "Current ACLs for resource ...", "ACLs for principal ...").
//
// Print order: Kafka's tool keys its HashMaps and HashSets by ResourcePattern / AccessControlEntry, whose hashCodes
// (Objects.hash over the enum fields) use the enums' identity hashCodes, which differ from one JVM to the next; so
// Kafka's own order is not a property of the tool and is not reproducible (three runs of Kafka 4.4's `--list` against
// the same four resources printed two different orders). We print resources and entries in the
// order the command line names them (add, remove) or DescribeAcls returns them (list), each at most once.

import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { CreateAclsResponse } from '../protocol/generated/messages/create-acls-response.ts';
import type { DeleteAclsResponse } from '../protocol/generated/messages/delete-acls-response.ts';
import type { DescribeAclsResponse } from '../protocol/generated/messages/describe-acls-response.ts';
import { AclOperation, AclPermissionType, aclName, PatternType, ResourceType, WILDCARD_HOST } from '../security/authorizer/acl-codes.ts';
import { parseKafkaPrincipal, principalToString } from '../security/kafka-principal.ts';
import { AdminError, type AdminClient } from './admin-client.ts';
import { checkInvalidArgs, collect, givenOptions, PROCESS_OUTPUT, runTool, UsageError, withAdminClient, type ToolOutput } from './admin-tool.ts';
import { exceptionClass } from './java-format.ts';

/** A resource pattern or pattern filter (Kafka's ResourcePattern / ResourcePatternFilter); `name` null is <any>. */
export interface AclPattern {
  readonly resourceType: number;
  readonly name: string | null;
  readonly patternType: number;
}

/** An access control entry (Kafka's AccessControlEntry). */
export interface AclEntry {
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

const CLUSTER_PATTERN: AclPattern = { resourceType: ResourceType.CLUSTER, name: 'kafka-cluster', patternType: PatternType.LITERAL };

/** ResourcePattern(Filter).toString. */
export function patternString(p: AclPattern): string {
  return `ResourcePattern(resourceType=${aclName.resourceType(p.resourceType)}, name=${p.name ?? '<any>'}, patternType=${aclName.patternType(p.patternType)})`;
}

/** AccessControlEntry.toString. */
export function entryString(e: AclEntry): string {
  return `(principal=${e.principal}, host=${e.host}, operation=${aclName.operation(e.operation)}, permissionType=${aclName.permissionType(e.permissionType)})`;
}

/** SecurityUtils' PascalCase of an enum constant name (IDEMPOTENT_WRITE -> IdempotentWrite). */
function pascalCase(name: string): string {
  return name.split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join('');
}

/** SecurityUtils.operation: the PascalCase name or its upper case, as given or upper-cased; UNKNOWN otherwise. */
export function parseOperation(text: string): number {
  for (const [name, code] of Object.entries(AclOperation)) {
    const pascal = pascalCase(name);
    if ([pascal, pascal.toUpperCase()].some((n) => n === text || n === text.toUpperCase())) return code;
  }
  return AclOperation.UNKNOWN;
}

/** AclEntry.supportedOperations(resourceType), in Kafka's declaration order (its message prints a HashSet's order). */
const SUPPORTED_OPERATIONS: Readonly<Record<number, readonly number[]>> = {
  [ResourceType.TOPIC]: [AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS],
  [ResourceType.GROUP]: [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS],
  [ResourceType.CLUSTER]: [AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE],
  [ResourceType.TRANSACTIONAL_ID]: [AclOperation.DESCRIBE, AclOperation.WRITE, AclOperation.TWO_PHASE_COMMIT],
  [ResourceType.DELEGATION_TOKEN]: [AclOperation.DESCRIBE],
  [ResourceType.USER]: [AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS],
};

/** The parsed command line. */
interface AclOptions {
  bootstrapServer?: string;
  bootstrapController?: string;
  commandConfig?: string | true;
  topic?: string[];
  cluster?: boolean;
  group?: string[];
  transactionalId?: string[];
  idempotent?: boolean;
  delegationToken?: string[];
  userPrincipal?: string[];
  resourcePatternType?: string;
  operation?: string[];
  allowPrincipal?: string[];
  denyPrincipal?: string[];
  principal?: (string | true)[];
  allowHost?: string[];
  denyHost?: string[];
  producer?: boolean;
  consumer?: boolean;
  force?: boolean;
  add?: boolean;
  remove?: boolean;
}

const key = (v: object): string => JSON.stringify(v);

/** Appends to an ordered map of pattern -> entries, each pattern and entry once. */
class PatternEntries {
  readonly #map = new Map<string, { pattern: AclPattern; entries: Map<string, AclEntry> }>();

  add(pattern: AclPattern, entries: Iterable<AclEntry>): void {
    const k = key(pattern);
    if (!this.#map.has(k)) this.#map.set(k, { pattern, entries: new Map() });
    const slot = this.#map.get(k)!;
    for (const e of entries) slot.entries.set(key(e), e);
  }

  *[Symbol.iterator](): Iterator<[AclPattern, AclEntry[]]> {
    for (const { pattern, entries } of this.#map.values()) yield [pattern, [...entries.values()]];
  }
}

function parsePatternType(text: string | undefined): number {
  if (text === undefined) return PatternType.LITERAL;
  const code = (PatternType as Record<string, number>)[text.toUpperCase()];
  // jopt-simple's conversion failure, which Kafka's main reports as a failed command (not a usage error).
  if (code === undefined || code === PatternType.UNKNOWN) throw new Error(`Cannot parse argument '${text}' of option resource-pattern-type`);
  return code;
}

const isSpecific = (patternType: number): boolean => patternType === PatternType.LITERAL || patternType === PatternType.PREFIXED;

/** AclCommand.checkArgs. @throws UsageError with Kafka's messages. */
function checkArgs(given: ReadonlySet<string>): void {
  if (given.has('bootstrap-server') && given.has('bootstrap-controller')) throw new UsageError('Only one of --bootstrap-server or --bootstrap-controller must be specified');
  if (!given.has('bootstrap-server') && !given.has('bootstrap-controller')) throw new UsageError('One of --bootstrap-server or --bootstrap-controller must be specified');
  if (['add', 'remove', 'list'].filter((a) => given.has(a)).length !== 1) throw new UsageError('Command must include exactly one action: --list, --add, --remove. ');
  checkInvalidArgs(given, 'list', ['producer', 'consumer', 'allow-host', 'allow-principal', 'deny-host', 'deny-principal']);
  checkInvalidArgs(given, 'producer', ['operation', 'deny-principal', 'deny-host']);
  checkInvalidArgs(given, 'consumer', ['operation', 'deny-principal', 'deny-host']);
  if (given.has('principal') && !given.has('list')) throw new UsageError('The --principal option is only available if --list is set');
  if (given.has('producer') && !given.has('topic')) throw new UsageError('With --producer you must specify a --topic');
  if (given.has('idempotent') && !given.has('producer')) throw new UsageError('The --idempotent option is only available if --producer is set');
  if (given.has('consumer') && (!given.has('topic') || !given.has('group') || (!given.has('producer') && (given.has('cluster') || given.has('transactional-id'))))) {
    throw new UsageError('With --consumer you must specify a --topic and a --group and no --cluster or --transactional-id option should be specified.');
  }
  // Our admin client speaks to brokers only: refused rather than sent to a listener that would not answer.
  if (given.has('bootstrap-controller')) throw new UsageError('--bootstrap-controller is not supported by kafka-broker acls: use --bootstrap-server');
}

/** AclCommand.getResourceFilter: the resources named on the command line. */
function resourceFilters(opts: AclOptions, patternType: number, dieIfNone: boolean): AclPattern[] {
  const out: AclPattern[] = [];
  const add = (resourceType: number, names: string[] | undefined, trim = true): void => {
    for (const n of names ?? []) out.push({ resourceType, name: trim ? n.trim() : n, patternType });
  };
  add(ResourceType.TOPIC, opts.topic);
  if (patternType === PatternType.LITERAL && (opts.cluster === true || opts.idempotent === true)) out.push(CLUSTER_PATTERN);
  add(ResourceType.GROUP, opts.group);
  add(ResourceType.TRANSACTIONAL_ID, opts.transactionalId, false);
  add(ResourceType.DELEGATION_TOKEN, opts.delegationToken);
  add(ResourceType.USER, opts.userPrincipal);
  if (out.length === 0 && dieIfNone) throw new UsageError('You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --delegation-token <Delegation Token ID>');
  return [...new Map(out.map((p) => [key(p), p])).values()];
}

const unique = (values: readonly string[]): string[] => [...new Set(values)];

/** Principals of --allow-principal / --deny-principal / --principal, as `Type:name`. */
function principals(values: readonly (string | true)[] | undefined): string[] {
  return unique((values ?? []).filter((v): v is string => typeof v === 'string').map((v) => principalToString(parseKafkaPrincipal(v.trim()))));
}

/** AclCommand.getAcl: allow and deny entries of `operations` for the principals and hosts on the command line. */
function entriesFor(opts: AclOptions, operations: readonly number[]): AclEntry[] {
  const out: AclEntry[] = [];
  const side = (who: string[], hostValues: string[] | undefined, permissionType: number): void => {
    const hosts = hostValues !== undefined ? unique(hostValues.map((h) => h.trim())) : who.length > 0 ? [WILDCARD_HOST] : [];
    for (const principal of who) for (const operation of operations) for (const host of hosts) out.push({ principal, host, operation, permissionType });
  };
  side(principals(opts.allowPrincipal), opts.allowHost, AclPermissionType.ALLOW);
  side(principals(opts.denyPrincipal), opts.denyHost, AclPermissionType.DENY);
  return out;
}

/** AclCommand.getResourceFilterToAcls, with its validateOperation. */
function filterToEntries(opts: AclOptions, patternType: number): PatternEntries {
  const out = new PatternEntries();
  const filters = (): AclPattern[] => resourceFilters(opts, patternType, true);
  if (opts.producer !== true && opts.consumer !== true) {
    const operations = unique(opts.operation ?? ['All']).map((o) => parseOperation(o.trim()));
    const entries = entriesFor(opts, [...new Set(operations)]);
    for (const f of filters()) out.add(f, entries);
  }
  if (opts.producer === true) {
    for (const f of filters()) {
      if (f.resourceType === ResourceType.TOPIC) out.add(f, entriesFor(opts, [AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.CREATE]));
      if (f.resourceType === ResourceType.TRANSACTIONAL_ID) out.add(f, entriesFor(opts, [AclOperation.WRITE, AclOperation.DESCRIBE]));
    }
    if (opts.idempotent === true) out.add(CLUSTER_PATTERN, entriesFor(opts, [AclOperation.IDEMPOTENT_WRITE]));
  }
  if (opts.consumer === true) {
    for (const f of filters()) {
      if (f.resourceType === ResourceType.TOPIC) out.add(f, entriesFor(opts, [AclOperation.READ, AclOperation.DESCRIBE]));
      if (f.resourceType === ResourceType.GROUP) out.add(f, entriesFor(opts, [AclOperation.READ]));
    }
  }
  for (const [pattern, entries] of out) {
    const valid = [...(SUPPORTED_OPERATIONS[pattern.resourceType] ?? []), AclOperation.ALL];
    if (entries.some((e) => !valid.includes(e.operation))) {
      throw new UsageError(`ResourceType ${aclName.resourceType(pattern.resourceType)} only supports operations [${valid.map((o) => aclName.operation(o)).join(', ')}]`);
    }
  }
  return out;
}

/** The exception text Kafka's Admin futures carry for an error code (ExecutionException.getMessage). */
function adminFailure(code: number, message: string | null): Error {
  const error = new AdminError(code, message);
  return new Error(`org.apache.kafka.common.errors.${exceptionClass(code)}: ${error.message}`);
}

/** DescribeAcls of `filter` with any entry: the bindings, in the broker's order. */
async function describeAcls(client: AdminClient, filter: AclPattern): Promise<[AclPattern, AclEntry][]> {
  const r = await client.send<DescribeAclsResponse>(ApiKeys.DescribeAcls, {
    resourceTypeFilter: filter.resourceType, resourceNameFilter: filter.name, patternTypeFilter: filter.patternType,
    principalFilter: null, hostFilter: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY,
  }, { version: { min: 1 } });
  if (r.errorCode !== Errors.NONE) throw adminFailure(r.errorCode, r.errorMessage);
  return r.resources.flatMap((res) => res.acls.map((a) => [
    { resourceType: res.resourceType, name: res.resourceName, patternType: res.patternType },
    { principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permissionType },
  ] as [AclPattern, AclEntry]));
}

async function addAcls(client: AdminClient, opts: AclOptions, patternType: number, io: ToolOutput): Promise<void> {
  if (!isSpecific(patternType)) throw new UsageError(`A '--resource-pattern-type' value of '${aclName.patternType(patternType)}' is not valid when adding acls.`);
  const toAdd = filterToEntries(opts, patternType);
  for (const [, entries] of toAdd) {
    if (entries.length === 0) throw new UsageError('You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.');
  }
  for (const [pattern, entries] of toAdd) {
    const existing = new Set((await describeAcls(client, pattern)).map(([p, e]) => key([p, e])));
    const fresh: AclEntry[] = [];
    for (const e of entries) {
      if (existing.has(key([pattern, e]))) io.out(`Acl (pattern=${patternString(pattern)}, entry=${entryString(e)}) already exists.\n`);
      else fresh.push(e);
    }
    if (fresh.length === 0) continue;
    io.out(`Adding ACLs for resource \`${patternString(pattern)}\`: \n ${fresh.map((e) => `\t${entryString(e)}`).join('\n')}\n\n`);
    const r = await client.send<CreateAclsResponse>(ApiKeys.CreateAcls, {
      creations: fresh.map((e) => ({ resourceType: pattern.resourceType, resourceName: pattern.name!, resourcePatternType: pattern.patternType, ...e })),
    }, { version: { min: 1 } });
    const failed = r.results.find((x) => x.errorCode !== Errors.NONE);
    if (failed !== undefined) throw adminFailure(failed.errorCode, failed.errorMessage);
  }
}

/** A y/n answer read from standard input, one line per question (Kafka reads the console). EOF answers no. */
function lineReader(input: NodeJS.ReadableStream): { read: () => Promise<string | null>; close: () => void } {
  const lines: string[] = [];
  const waiting: ((line: string | null) => void)[] = [];
  let ended = false;
  let rl: ReturnType<typeof createInterface> | undefined;
  const start = (): void => {
    rl = createInterface({ input });
    rl.on('line', (line) => (waiting.length > 0 ? waiting.shift()!(line) : lines.push(line)));
    rl.on('close', () => {
      ended = true;
      for (const w of waiting.splice(0)) w(null);
    });
  };
  const read = async (): Promise<string | null> => {
    if (rl === undefined) start();
    if (lines.length > 0) return lines.shift()!;
    if (ended) return null;
    return new Promise((resolve) => waiting.push(resolve));
  };
  return { read, close: () => rl?.close() };
}

async function removeAcls(client: AdminClient, opts: AclOptions, patternType: number, io: ToolOutput, readLine: () => Promise<string | null>): Promise<void> {
  const confirm = async (question: string): Promise<boolean> => {
    if (opts.force === true) return true;
    io.out(`${question}\n`);
    return (await readLine())?.toLowerCase() === 'y';
  };
  for (const [filter, entries] of filterToEntries(opts, patternType)) {
    const question = entries.length === 0
      ? `Are you sure you want to delete all ACLs for resource filter \`${patternString(filter)}\`? (y/n)`
      : `Are you sure you want to remove ACLs: \n ${entries.map((e) => `\t${entryString(e)}`).join('\n')}\n from resource filter \`${patternString(filter)}\`? (y/n)`;
    if (!(await confirm(question))) continue;
    const entryFilters = entries.length === 0 ? [{ principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY }] : entries;
    const r = await client.send<DeleteAclsResponse>(ApiKeys.DeleteAcls, {
      filters: entryFilters.map((e) => ({
        resourceTypeFilter: filter.resourceType, resourceNameFilter: filter.name, patternTypeFilter: filter.patternType,
        principalFilter: e.principal, hostFilter: e.host, operation: e.operation, permissionType: e.permissionType,
      })),
    }, { version: { min: 1 } });
    const failed = r.filterResults.find((x) => x.errorCode !== Errors.NONE);
    if (failed !== undefined) throw adminFailure(failed.errorCode, failed.errorMessage);
  }
}

function printResourceAcls(io: ToolOutput, resources: PatternEntries): void {
  for (const [pattern, entries] of resources) {
    io.out(`Current ACLs for resource \`${patternString(pattern)}\`:\n${entries.map((e) => `\t${entryString(e)}`).join('\n')}\n\n`);
  }
}

async function listAcls(client: AdminClient, opts: AclOptions, patternType: number, io: ToolOutput): Promise<void> {
  const filters = resourceFilters(opts, patternType, false);
  const anyFilter: AclPattern = { resourceType: ResourceType.ANY, name: null, patternType: PatternType.ANY };
  const all = new PatternEntries();
  for (const f of filters.length === 0 ? [anyFilter] : filters) {
    for (const [p, e] of await describeAcls(client, f)) all.add(p, [e]);
  }
  const listed = principals(opts.principal);
  if (listed.length === 0) {
    printResourceAcls(io, all);
    return;
  }
  for (const principal of listed) {
    io.out(`ACLs for principal \`${principal}\`\n`);
    const mine = new PatternEntries();
    for (const [p, entries] of all) {
      const own = entries.filter((e) => e.principal === principal);
      if (own.length > 0) mine.add(p, own);
    }
    printResourceAcls(io, mine);
  }
}

/**
 * The `acls` command. `io` gets what Kafka's tool prints; `input` answers the y/n questions of --remove without
 * --force. A failure prints "Error while executing ACL command: <exception>" on stdout and exits with 1.
 */
export function aclsCommand(io: ToolOutput = PROCESS_OUTPUT, input: NodeJS.ReadableStream = process.stdin): Command {
  const command = new Command('acls')
    .description('This tool helps to manage acls on kafka (kafka-acls).')
    .option('--bootstrap-server <server to connect to>', 'A list of host/port pairs to use for establishing the connection to the Kafka cluster.')
    .option('--bootstrap-controller <controller to connect to>', 'Not supported: use --bootstrap-server.')
    .option('--command-config [command-config]', 'A property file containing configs to be passed to Admin Client.')
    .option('--topic <topic>', "topic to which ACLs should be added or removed. A value of '*' indicates ACL should apply to all topics.", collect)
    .option('--cluster', 'Add/Remove cluster ACLs.')
    .option('--group <group>', "Consumer Group to which the ACLs should be added or removed. A value of '*' indicates the ACLs should apply to all groups.", collect)
    .option('--transactional-id <transactional-id>', "The transactionalId to which ACLs should be added or removed. A value of '*' indicates the ACLs should apply to all transactionalIds.", collect)
    .option('--idempotent', 'Enable idempotence for the producer. This should be used in combination with the --producer option.')
    .option('--delegation-token <delegation-token>', "Delegation token to which ACLs should be added or removed. A value of '*' indicates ACL should apply to all tokens.", collect)
    .option('--user-principal <user-principal>', 'Specifies a user principal as a resource in relation with the operation.', collect)
    .option('--resource-pattern-type <String: ANY|MATCH|LITERAL|PREFIXED>', "The type of the resource pattern or pattern filter (default: LITERAL). 'match', when used with '--remove', should be used with care.")
    .option('--add', 'Indicates you are trying to add ACLs.')
    .option('--remove', 'Indicates you are trying to remove ACLs.')
    .option('--list', 'List ACLs for the specified resource, use --topic <topic> or --group <group> or --cluster to specify a resource.')
    .option('--operation <String>', 'Operation that is being allowed or denied (default: All).', collect)
    .option('--allow-principal <allow-principal>', "principal is in principalType:name format. For example, User:'*' is the wild card indicating all users.", collect)
    .option('--deny-principal <deny-principal>', 'principal is in principalType:name format. DENY RULES TAKE PRECEDENCE OVER ALLOW RULES.', collect)
    .option('--principal [principal]', 'List ACLs for the specified principal (principalType:name). Multiple --principal option can be passed.', (v: string, prev: (string | true)[] | undefined) => [...(prev ?? []), v])
    .option('--allow-host <allow-host>', "Host from which principals listed in --allow-principal will have access (default '*').", collect)
    .option('--deny-host <deny-host>', "Host from which principals listed in --deny-principal will be denied access (default '*').", collect)
    .option('--producer', 'Convenience option to add/remove ACLs for producer role: WRITE, DESCRIBE and CREATE on topic.')
    .option('--consumer', 'Convenience option to add/remove ACLs for consumer role: READ, DESCRIBE on topic and READ on group.')
    .option('--force', 'Assume Yes to all queries and do not prompt.');
  command.action(async (opts: AclOptions) => {
    await runTool(command, io, (message) => ({ stream: 'out', text: `Error while executing ACL command: ${message}\n` }), async () => {
      const patternType = parsePatternType(opts.resourcePatternType);
      checkArgs(givenOptions(command));
      const configFile = typeof opts.commandConfig === 'string' ? opts.commandConfig : undefined;
      await withAdminClient(opts.bootstrapServer!, configFile, 'adminclient-1', async (client) => {
        if (opts.add === true) await addAcls(client, opts, patternType, io);
        else if (opts.remove === true) {
          const reader = lineReader(input);
          try {
            await removeAcls(client, opts, patternType, io, reader.read);
          } finally {
            reader.close();
          }
        }
        else await listAcls(client, opts, patternType, io);
      });
    });
  });
  return command;
}
