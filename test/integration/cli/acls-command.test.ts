import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import kafkajs, { type Admin } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { aclName } from '../../../src/security/authorizer/acl-codes.ts';
import { KAFKA_TOOLS_AVAILABLE, kafkaBroker, kafkaTool, type ToolRun } from '../../helpers/admin-tools.ts';

// `kafka-broker acls` against a single broker with the StandardAuthorizer (User:ANONYMOUS, which every PLAINTEXT
// client is, is a super user), as a process, compared with Kafka's own AclCommand against the same broker when it is
// installed, and checked through DescribeAcls (kafkajs) for what really exists. Kafka's tool prints from HashMaps
// keyed by objects whose hashCodes use enum identity hashes (different in every JVM), so its order of resources and
// entries is not reproducible: comparisons with it are made on the blocks and lines, order aside.

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;
const ACL_COMMAND = 'org.apache.kafka.tools.AclCommand';

let broker: TestBroker;
let admin: Admin;
before(async () => {
  broker = await startBroker({ overrides: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:ANONYMOUS' } });
  admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  await admin.connect();
});
after(async () => {
  await admin?.disconnect();
  await broker?.cleanup();
});

const acls = (...args: string[]): Promise<ToolRun> => kafkaBroker(['acls', '--bootstrap-server', broker.bootstrap, ...args]);
const theirAcls = (...args: string[]): Promise<ToolRun> => kafkaTool(ACL_COMMAND, ['--bootstrap-server', broker.bootstrap, ...args]);

/** The printed blocks (separated by a blank line), each with its entry lines sorted, the blocks sorted. */
function normalised(stdout: string): string[] {
  return stdout.split('\n\n').map((block) => {
    const lines = block.split('\n').filter((l) => l !== '').map((l) => l.replace(/^ \t/, '\t'));
    const [head, ...rest] = lines.filter((l) => !l.startsWith('\t'));
    return [head, ...rest, ...lines.filter((l) => l.startsWith('\t')).sort()].join('\n');
  }).filter((b) => b !== '' && b !== 'undefined').sort();
}

/** Every ACL on `resourceName` (any type, any pattern) as "TYPE name PATTERN principal host OP PERMISSION", sorted. */
async function described(resourceName: string | null = null): Promise<string[]> {
  const { resources } = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY, resourceName: resourceName ?? undefined, resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY,
  } as never);
  return resources.flatMap((r) => r.acls.map((a) => [
    aclName.resourceType(r.resourceType), r.resourceName, aclName.patternType(r.resourcePatternType),
    a.principal, a.host, aclName.operation(a.operation), aclName.permissionType(a.permissionType),
  ].join(' '))).sort();
}

test('--add prints what it adds, creates the ACLs, and says which already exist', async () => {
  const add = await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Read', '--topic', 'orders');
  assert.equal(add.code, 0, add.stdout + add.stderr);
  assert.equal(add.stdout, 'Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`: \n \t(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)\n\n');
  assert.deepEqual(await described('orders'), ['TOPIC orders LITERAL User:alice * READ ALLOW']);

  const more = ['--add', '--allow-principal', 'User:alice', '--allow-host', '10.0.0.1', '--deny-principal', 'User:bob', '--operation', 'read', '--operation', 'DESCRIBE', '--topic', 'orders', '--group', 'billing'];
  const second = await acls(...more);
  assert.equal(second.code, 0, second.stdout);
  assert.deepEqual(await described(), [
    'GROUP billing LITERAL User:alice 10.0.0.1 READ ALLOW',
    'GROUP billing LITERAL User:bob * READ DENY',
    'GROUP billing LITERAL User:alice 10.0.0.1 DESCRIBE ALLOW',
    'GROUP billing LITERAL User:bob * DESCRIBE DENY',
    'TOPIC orders LITERAL User:alice * READ ALLOW',
    'TOPIC orders LITERAL User:alice 10.0.0.1 READ ALLOW',
    'TOPIC orders LITERAL User:alice 10.0.0.1 DESCRIBE ALLOW',
    'TOPIC orders LITERAL User:bob * READ DENY',
    'TOPIC orders LITERAL User:bob * DESCRIBE DENY',
  ].sort());
  // The same command again: every ACL already exists; compared with Kafka's tool doing the same.
  const again = await acls(...more);
  assert.match(again.stdout, /^Acl \(pattern=ResourcePattern\(resourceType=TOPIC, name=orders, patternType=LITERAL\), entry=\(principal=User:bob, host=\*, operation=DESCRIBE, permissionType=DENY\)\) already exists\.$/m);
  assert.doesNotMatch(again.stdout, /Adding/);
  if (KAFKA_TOOLS_AVAILABLE) {
    const theirs = await theirAcls(...more);
    assert.equal(theirs.code, again.code);
    assert.deepEqual(again.stdout.split('\n').sort(), theirs.stdout.split('\n').sort());
  }
});

test("--add output and ACLs match Kafka's tool for topics, prefixes, cluster, transactional ids, users and tokens", async () => {
  const cases: string[][] = [
    ['--allow-principal', 'User:carol', '--allow-principal', 'User:dave', '--operation', 'Describe', '--operation', 'Alter', '--topic', 'NAME-a', '--topic', 'NAME-b'],
    ['--allow-principal', 'User:carol', '--operation', 'Write', '--topic', 'NAME-', '--resource-pattern-type', 'prefixed'],
    ['--allow-principal', 'User:carol', '--operation', 'IdempotentWrite', '--operation', 'ClusterAction', '--cluster', '--allow-host', '1.2.3.4'],
    ['--allow-principal', 'User:carol', '--operation', 'Write', '--operation', 'TwoPhaseCommit', '--transactional-id', 'NAME-tx', '--allow-host', '1.2.3.4'],
    ['--deny-principal', 'User:eve', '--operation', 'DescribeTokens', '--user-principal', 'User:NAME-u'],
    ['--allow-principal', 'User:carol', '--operation', 'Describe', '--delegation-token', 'NAME-token'],
  ];
  for (const [i, args] of cases.entries()) {
    const ours = await acls('--add', ...args.map((a) => a.replace('NAME', `ours${i}`)));
    assert.equal(ours.code, 0, ours.stdout + ours.stderr);
    if (!KAFKA_TOOLS_AVAILABLE) continue;
    const theirs = await theirAcls('--add', ...args.map((a) => a.replace('NAME', `theirs${i}`)));
    assert.equal(theirs.code, 0, theirs.stdout + theirs.stderr);
    // The cluster ACLs are shared: the second run finds them existing; compare the rest.
    const strip = (s: string): string => s.replace(/^Acl \(pattern=ResourcePattern\(resourceType=CLUSTER.*\n/gm, '').replace(/Adding ACLs for resource `ResourcePattern\(resourceType=CLUSTER[^]*?\n\n/g, '');
    assert.deepEqual(normalised(strip(ours.stdout)), normalised(strip(theirs.stdout).replaceAll(`theirs${i}`, `ours${i}`)), args.join(' '));
    // One entry for one resource leaves no order to differ: the output is then the same byte for byte.
    if (ours.stdout.split('\n').filter((l) => l.includes('\t')).length === 1) assert.equal(ours.stdout, theirs.stdout.replaceAll(`theirs${i}`, `ours${i}`));
    const mine = (await described()).filter((l) => l.includes(`ours${i}`));
    const kafkas = (await described()).filter((l) => l.includes(`theirs${i}`)).map((l) => l.replaceAll(`theirs${i}`, `ours${i}`));
    assert.deepEqual(mine, kafkas, args.join(' '));
    if (args.some((a) => a.includes('NAME'))) assert.ok(mine.length > 0);
  }
  assert.ok((await described()).includes('CLUSTER kafka-cluster LITERAL User:carol 1.2.3.4 IDEMPOTENT_WRITE ALLOW'));
  assert.ok((await described()).includes('USER User:ours4-u LITERAL User:eve * DESCRIBE_TOKENS DENY'));
});

test('--producer and --consumer create the convenience ACLs', async () => {
  const r = await acls('--add', '--allow-principal', 'User:pc', '--producer', '--consumer', '--idempotent', '--topic', 'pc-topic', '--group', 'pc-group', '--transactional-id', 'pc-tx');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual((await described()).filter((l) => l.includes('User:pc ')), [
    'CLUSTER kafka-cluster LITERAL User:pc * IDEMPOTENT_WRITE ALLOW',
    'GROUP pc-group LITERAL User:pc * READ ALLOW',
    'TOPIC pc-topic LITERAL User:pc * CREATE ALLOW',
    'TOPIC pc-topic LITERAL User:pc * DESCRIBE ALLOW',
    'TOPIC pc-topic LITERAL User:pc * READ ALLOW',
    'TOPIC pc-topic LITERAL User:pc * WRITE ALLOW',
    'TRANSACTIONAL_ID pc-tx LITERAL User:pc * DESCRIBE ALLOW',
    'TRANSACTIONAL_ID pc-tx LITERAL User:pc * WRITE ALLOW',
  ]);
  if (!KAFKA_TOOLS_AVAILABLE) return;
  const theirs = await theirAcls('--add', '--allow-principal', 'User:pc', '--producer', '--consumer', '--idempotent', '--topic', 'pc-topic', '--group', 'pc-group', '--transactional-id', 'pc-tx');
  assert.deepEqual(theirs.stdout.split('\n').filter((l) => l !== '').sort(), [
    'Acl (pattern=ResourcePattern(resourceType=CLUSTER, name=kafka-cluster, patternType=LITERAL), entry=(principal=User:pc, host=*, operation=IDEMPOTENT_WRITE, permissionType=ALLOW)) already exists.',
    ...['GROUP pc-group READ', 'TOPIC pc-topic CREATE', 'TOPIC pc-topic DESCRIBE', 'TOPIC pc-topic READ', 'TOPIC pc-topic WRITE', 'TRANSACTIONAL_ID pc-tx DESCRIBE', 'TRANSACTIONAL_ID pc-tx WRITE'].map((s) => {
      const [type, name, op] = s.split(' ');
      return `Acl (pattern=ResourcePattern(resourceType=${type}, name=${name}, patternType=LITERAL), entry=(principal=User:pc, host=*, operation=${op}, permissionType=ALLOW)) already exists.`;
    }),
  ].sort());
});

test("--list prints the ACLs of a resource, of a match filter, of everything and per principal, as Kafka's tool", async () => {
  const listings: string[][] = [
    ['--topic', 'orders'],
    ['--topic', 'ours1-x', '--resource-pattern-type', 'match'],
    ['--topic', 'ours1-', '--resource-pattern-type', 'any'],
    ['--cluster'],
    [],
    ['--principal', 'User:alice'],
    ['--principal', 'User:alice', '--principal', 'User:bob', '--topic', 'orders'],
  ];
  const ours = await acls('--list', '--topic', 'orders');
  assert.equal(ours.stdout.split('\n')[0], 'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`:');
  assert.equal(ours.stdout.split('\n').filter((l) => l.startsWith('\t')).length, 5);
  // --command-config: the Admin client's properties file (here its timeout) gives the same listing.
  const config = join(broker.dataDir, 'admin.properties');
  await writeFile(config, 'default.api.timeout.ms=30000\n');
  assert.equal((await acls('--list', '--topic', 'orders', '--command-config', config)).stdout, ours.stdout);
  const match = await acls('--list', '--topic', 'ours1-x', '--resource-pattern-type', 'match');
  assert.match(match.stdout, /^Current ACLs for resource `ResourcePattern\(resourceType=TOPIC, name=ours1-, patternType=PREFIXED\)`:\n\t\(principal=User:carol, host=\*, operation=WRITE, permissionType=ALLOW\)\n\n$/);
  const byPrincipal = await acls('--list', '--principal', 'User:alice', '--group', 'billing');
  assert.ok(byPrincipal.stdout.startsWith('ACLs for principal `User:alice`\n'));
  assert.deepEqual(normalised(byPrincipal.stdout.slice(byPrincipal.stdout.indexOf('\n') + 1)), [
    'Current ACLs for resource `ResourcePattern(resourceType=GROUP, name=billing, patternType=LITERAL)`:\n\t(principal=User:alice, host=10.0.0.1, operation=DESCRIBE, permissionType=ALLOW)\n\t(principal=User:alice, host=10.0.0.1, operation=READ, permissionType=ALLOW)',
  ]);
  if (!KAFKA_TOOLS_AVAILABLE) return;
  for (const args of listings) {
    const mine = await acls('--list', ...args);
    const theirs = await theirAcls('--list', ...args);
    assert.equal(mine.code, theirs.code, args.join(' '));
    if (args.includes('--principal')) {
      // Per principal: the sections in the order of the principals Kafka iterates (a HashSet), each normalised.
      const sections = (s: string): string[] => s.split(/^ACLs for principal /m).filter((x) => x !== '')
        .map((x) => [x.slice(0, x.indexOf('\n')), ...normalised(x.slice(x.indexOf('\n') + 1))].join('\n\n')).sort();
      assert.deepEqual(sections(mine.stdout), sections(theirs.stdout), args.join(' '));
    } else {
      assert.deepEqual(normalised(mine.stdout), normalised(theirs.stdout), args.join(' '));
    }
  }
});

test('--remove deletes with --force, asks on stdin otherwise, and deletes all ACLs of a filter without principals', async () => {
  const cmd = ['--remove', '--allow-principal', 'User:alice', '--allow-host', '10.0.0.1', '--operation', 'Describe', '--topic', 'orders'];
  const no = await kafkaBroker(['acls', '--bootstrap-server', broker.bootstrap, ...cmd], 'n\n');
  assert.equal(no.code, 0, no.stdout + no.stderr);
  assert.equal(no.stdout, 'Are you sure you want to remove ACLs: \n \t(principal=User:alice, host=10.0.0.1, operation=DESCRIBE, permissionType=ALLOW)\n from resource filter `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`? (y/n)\n');
  assert.ok((await described('orders')).includes('TOPIC orders LITERAL User:alice 10.0.0.1 DESCRIBE ALLOW'));
  const yes = await kafkaBroker(['acls', '--bootstrap-server', broker.bootstrap, ...cmd], 'Y\n');
  assert.equal(yes.code, 0);
  assert.ok(!(await described('orders')).includes('TOPIC orders LITERAL User:alice 10.0.0.1 DESCRIBE ALLOW'));
  assert.equal((await described('orders')).length, 4);

  // Two resources, two questions, answered one per line: only the second one is removed.
  const both = await kafkaBroker(['acls', '--bootstrap-server', broker.bootstrap, '--remove', '--topic', 'orders', '--group', 'billing'], 'n\ny\n');
  assert.equal(both.code, 0);
  assert.equal(both.stdout.split('\n').filter((l) => l.startsWith('Are you sure you want to delete all ACLs')).length, 2);
  const answeredYes = both.stdout.includes('GROUP, name=billing') && both.stdout.indexOf('GROUP, name=billing') > both.stdout.indexOf('TOPIC, name=orders') ? 'billing' : 'orders';
  assert.equal((await described(answeredYes)).length, 0);
  assert.ok((await described(answeredYes === 'billing' ? 'orders' : 'billing')).length > 0);

  // --force with a prefixed filter, and with --resource-pattern-type match removing what applies to a name.
  const forced = await acls('--remove', '--force', '--topic', 'ours1-', '--resource-pattern-type', 'prefixed');
  assert.equal(forced.stdout, '');
  assert.deepEqual((await described('ours1-')), []);
  const matched = await acls('--remove', '--force', '--topic', 'orders', '--resource-pattern-type', 'match');
  assert.equal(matched.code, 0);
  assert.deepEqual(await described('orders'), []);
  if (KAFKA_TOOLS_AVAILABLE) {
    const theirs = await theirAcls('--remove', '--force', '--topic', 'theirs1-', '--resource-pattern-type', 'prefixed');
    assert.equal(theirs.stdout, '');
    assert.deepEqual(await described('theirs1-'), []);
  }
});

test("bad command lines are refused with Kafka's messages and exit codes", async () => {
  const cases: [string[], string][] = [
    [['--list', '--add'], 'Command must include exactly one action: --list, --add, --remove. '],
    [['--add', '--topic', 't'], 'You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.'],
    [['--add', '--allow-principal', 'User:a'], 'You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --delegation-token <Delegation Token ID>'],
    [['--add', '--allow-principal', 'User:a', '--topic', 't', '--resource-pattern-type', 'match'], "A '--resource-pattern-type' value of 'MATCH' is not valid when adding acls."],
    [['--add', '--producer', '--allow-principal', 'User:a'], 'With --producer you must specify a --topic'],
    [['--add', '--idempotent', '--allow-principal', 'User:a', '--topic', 't'], 'The --idempotent option is only available if --producer is set'],
    [['--add', '--consumer', '--allow-principal', 'User:a', '--topic', 't'], 'With --consumer you must specify a --topic and a --group and no --cluster or --transactional-id option should be specified.'],
    [['--add', '--principal', 'User:a', '--topic', 't'], 'The --principal option is only available if --list is set'],
    [['--list', '--allow-principal', 'User:a'], 'Option "[list]" can\'t be used with option "[allow-principal]"'],
    [['--add', '--producer', '--operation', 'Read', '--topic', 't', '--allow-principal', 'User:a'], 'Option "[producer]" can\'t be used with option "[operation]"'],
  ];
  for (const [args, message] of cases) {
    const ours = await acls(...args);
    assert.equal(ours.code, 1, args.join(' '));
    assert.equal(ours.stderr.split('\n')[0], message, args.join(' '));
    if (KAFKA_TOOLS_AVAILABLE) {
      const theirs = await theirAcls(...args);
      assert.equal(theirs.code, 1, args.join(' '));
      assert.equal(theirs.stderr.split('\n')[0], message, args.join(' '));
    }
  }
  for (const value of ['foo', 'unknown']) {
    const bad = await acls('--list', '--topic', 't', '--resource-pattern-type', value);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, `Error while executing ACL command: Cannot parse argument '${value}' of option resource-pattern-type\n`);
    if (KAFKA_TOOLS_AVAILABLE) assert.equal((await theirAcls('--list', '--topic', 't', '--resource-pattern-type', value)).stdout.split('\n')[0], bad.stdout.trimEnd());
  }
  // Our admin client does not speak to controller listeners: refused, not sent.
  const controller = await kafkaBroker(['acls', '--bootstrap-controller', broker.bootstrap, '--list']);
  assert.equal(controller.code, 1);
  assert.equal(controller.stderr.split('\n')[0], '--bootstrap-controller is not supported by kafka-broker acls: use --bootstrap-server');
  const missing = await kafkaBroker(['acls', '--list']);
  assert.equal(missing.stderr.split('\n')[0], 'One of --bootstrap-server or --bootstrap-controller must be specified');
  // An operation the resource type does not have: refused, listing the supported ones (Kafka's order is a Set.of's).
  const badOp = await acls('--add', '--allow-principal', 'User:a', '--operation', 'Read', '--cluster');
  assert.equal(badOp.code, 1);
  const supported = (run: ToolRun): string[] => run.stderr.split('\n')[0].replace(/^ResourceType CLUSTER only supports operations \[(.*)\]$/, '$1').split(', ').sort();
  assert.deepEqual(supported(badOp), ['ALL', 'ALTER', 'ALTER_CONFIGS', 'CLUSTER_ACTION', 'CREATE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'IDEMPOTENT_WRITE']);
  if (KAFKA_TOOLS_AVAILABLE) assert.deepEqual(supported(await theirAcls('--add', '--allow-principal', 'User:a', '--operation', 'Read', '--cluster')), supported(badOp));
  assert.deepEqual(await described('kafka-cluster').then((l) => l.filter((x) => x.includes('User:a '))), []);
});

test('a broker without an authorizer: the failure is printed as Kafka prints it, with exit code 1', async () => {
  const open = await startBroker();
  try {
    const args = ['--bootstrap-server', open.bootstrap, '--list', '--topic', 't'];
    const ours = await kafkaBroker(['acls', ...args]);
    assert.equal(ours.code, 1);
    assert.equal(ours.stdout, 'Error while executing ACL command: org.apache.kafka.common.errors.SecurityDisabledException: No Authorizer is configured.\n');
    if (KAFKA_TOOLS_AVAILABLE) {
      const theirs = await kafkaTool(ACL_COMMAND, args);
      assert.equal(theirs.code, 1);
      // Kafka prints its stack trace after that line.
      assert.equal(theirs.stdout.split('\n')[0], ours.stdout.trimEnd());
    }
  } finally {
    await open.cleanup();
  }
});
