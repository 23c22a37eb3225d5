// The authorization matrix of issue 18: principals (super user, owner, reader, writer, anonymous) x the APIs of
// authorization-matrix-probes.ts x resource columns (literal, prefixed, wildcard, denied), on one broker running the
// StandardAuthorizer with allow.everyone.if.no.acl.found=false. SASL principals authenticate with PLAIN over a
// SASL_PLAINTEXT listener (users from its JAAS config); ANONYMOUS is a PLAINTEXT connection. Every connection under
// test comes from 127.0.0.2 and its ACLs name that host, so they never apply to the node's own connections (User:
// ANONYMOUS from 127.0.0.1, allowed ALL by host-scoped ACLs, which the test's admin connection also uses).
//
// Each (principal, column) pair starts clean: its resources are named under a prefix of its own (a prefixed grant
// covers exactly them, a literal grant the listed names only, a wildcard everything that exists), its topic is
// created for it, and its ACLs are deleted afterwards whatever happens (and checked to be gone before the next pair).
// The expected answer of each cell is computed, not written out: Kafka's checks of the API in Kafka's order,
// evaluated by the test's own model of the authorizer (kafka-acl-model.ts) over every ACL in force. A denied cell
// must answer the exact authorization error and leave unchanged what the request could have written.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { AclOperation as Op, AclPermissionType, PatternType, ResourceType as RT } from '../../../src/security/authorizer/acl-codes.ts';
import { KafkaAclModel, type ModelAcl } from './kafka-acl-model.ts';
import { AUTHORIZATION_ERRORS, CLUSTER, PROBES, aclsOfHost, createAcls, eventually, namesOf, produce, type CodeProbe, type ListingProbe, type Names, type ProbeContext } from './authorization-matrix-probes.ts';

type Any = any;

const NODE_HOST = '127.0.0.1';
const CLIENT_HOST = '127.0.0.2';
const SUPER_USER = 'User:admin';

const SASL_OVERRIDES = {
  listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
  'advertised.listeners': 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
  'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
  'sasl.enabled.mechanisms': 'PLAIN',
  'listener.name.sasl_plaintext.plain.sasl.jaas.config':
    'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-pw" user_owner="owner-pw" user_reader="reader-pw" user_writer="writer-pw";',
};

interface Grant { readonly resourceType: number; readonly operation: number }

/** A row: a principal, how it connects, and the operations its grants allow (on the column's resource pattern). */
interface Row { readonly name: string; readonly principal: string; readonly password?: string; readonly grants: readonly Grant[] }

const ROWS: readonly Row[] = [
  { name: 'super', principal: SUPER_USER, password: 'admin-pw', grants: [] },
  { name: 'owner', principal: 'User:owner', password: 'owner-pw', grants: [{ resourceType: RT.TOPIC, operation: Op.ALL }, { resourceType: RT.GROUP, operation: Op.ALL }, { resourceType: RT.TRANSACTIONAL_ID, operation: Op.ALL }] },
  { name: 'reader', principal: 'User:reader', password: 'reader-pw', grants: [{ resourceType: RT.TOPIC, operation: Op.READ }, { resourceType: RT.GROUP, operation: Op.READ }, { resourceType: RT.CLUSTER, operation: Op.DESCRIBE }] },
  { name: 'writer', principal: 'User:writer', password: 'writer-pw', grants: [{ resourceType: RT.TOPIC, operation: Op.WRITE }, { resourceType: RT.TRANSACTIONAL_ID, operation: Op.WRITE }, { resourceType: RT.CLUSTER, operation: Op.IDEMPOTENT_WRITE }, { resourceType: RT.CLUSTER, operation: Op.ALTER }] },
  { name: 'anonymous', principal: 'User:ANONYMOUS', grants: [{ resourceType: RT.TOPIC, operation: Op.DESCRIBE }, { resourceType: RT.GROUP, operation: Op.DESCRIBE }, { resourceType: RT.CLUSTER, operation: Op.ALTER_CONFIGS }] },
];

function aclOf(principal: string, host: string, resourceType: number, resourceName: string, patternType: number, operation: number, permissionType: number = AclPermissionType.ALLOW): ModelAcl {
  return { resourceType, resourceName, resourcePatternType: patternType, principal, host, operation, permissionType };
}

/** The literal names of a pair's resources of each type that a literal grant (and the denied column's DENY) names. */
function literalNames(n: Names, resourceType: number): string[] {
  if (resourceType === RT.TOPIC) return [n.topic];
  if (resourceType === RT.GROUP) return [n.group, n.joinGroup];
  if (resourceType === RT.TRANSACTIONAL_ID) return [n.txn];
  return [CLUSTER];
}

const ALL_TYPES = [RT.TOPIC, RT.GROUP, RT.TRANSACTIONAL_ID, RT.CLUSTER];

/** A column: the ACLs of `row` for the pair `n` (all from CLIENT_HOST). */
const COLUMNS: readonly { name: string; acls(row: Row, n: Names): ModelAcl[] }[] = [
  {
    name: 'literal',
    acls: (row, n) => row.grants.flatMap((g) => literalNames(n, g.resourceType).map((name) => aclOf(row.principal, CLIENT_HOST, g.resourceType, name, PatternType.LITERAL, g.operation))),
  },
  {
    name: 'prefixed',
    acls: (row, n) => row.grants.map((g) => aclOf(row.principal, CLIENT_HOST, g.resourceType, g.resourceType === RT.CLUSTER ? 'kafka-' : n.prefix, PatternType.PREFIXED, g.operation)),
  },
  {
    name: 'wildcard',
    acls: (row) => row.grants.map((g) => aclOf(row.principal, CLIENT_HOST, g.resourceType, '*', PatternType.LITERAL, g.operation)),
  },
  {
    // The wildcard grants, and DENY ALL on every resource of the pair by name: deny wins over allow.
    name: 'denied',
    acls: (row, n) => [
      ...row.grants.map((g) => aclOf(row.principal, CLIENT_HOST, g.resourceType, '*', PatternType.LITERAL, g.operation)),
      ...ALL_TYPES.flatMap((type) => literalNames(n, type).map((name) => aclOf(row.principal, CLIENT_HOST, type, name, PatternType.LITERAL, Op.ALL, AclPermissionType.DENY))),
    ],
  },
];

/** The node's own ACLs: User:ANONYMOUS from NODE_HOST may do everything (its own connections and the test's admin). */
const NODE_ACLS: readonly ModelAcl[] = [
  aclOf('User:ANONYMOUS', NODE_HOST, RT.CLUSTER, CLUSTER, PatternType.LITERAL, Op.ALL),
  ...[RT.TOPIC, RT.GROUP, RT.TRANSACTIONAL_ID].map((type) => aclOf('User:ANONYMOUS', NODE_HOST, type, '*', PatternType.LITERAL, Op.ALL)),
];

/** A connection of `row` from CLIENT_HOST: PLAINTEXT for ANONYMOUS, else SaslHandshake v1 + SaslAuthenticate PLAIN. */
async function connectRow(row: Row, broker: TestBroker): Promise<RawKafkaClient> {
  if (row.password === undefined) return RawKafkaClient.connect(broker.port, NODE_HOST, `matrix-${row.name}`, CLIENT_HOST);
  const client = await RawKafkaClient.connect(broker.server.boundPort('SASL_PLAINTEXT'), NODE_HOST, `matrix-${row.name}`, CLIENT_HOST);
  const handshake: Any = await client.request(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' });
  assert.equal(handshake.errorCode, Errors.NONE);
  const user = row.principal.slice('User:'.length);
  const auth: Any = await client.request(ApiKeys.SaslAuthenticate, 2, { authBytes: Buffer.from(`\u0000${user}\u0000${row.password}`) });
  assert.equal(auth.errorCode, Errors.NONE, `${row.name} authenticates`);
  return client;
}

/** The counts over the whole matrix. */
const tally = { cells: 0, deniedCells: 0, unauthorizedSuccesses: 0, writesByDenied: 0 };
const RETRIABLE: ReadonlySet<number> = new Set([Errors.COORDINATOR_LOAD_IN_PROGRESS, Errors.COORDINATOR_NOT_AVAILABLE, Errors.NOT_COORDINATOR, Errors.LEADER_NOT_AVAILABLE, Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.NOT_LEADER_OR_FOLLOWER]);

/** Runs one code cell; returns the failures (empty when the broker answered as Kafka would). */
async function runCodeCell(probe: CodeProbe, ctx: ProbeContext): Promise<string[]> {
  const expected = probe.expect(ctx);
  if (expected !== Errors.NONE) {
    tally.deniedCells++;
    const before = await probe.state?.(ctx);
    const observed = await probe.run(ctx);
    const failures: string[] = [];
    if (observed !== expected) {
      if (!AUTHORIZATION_ERRORS.has(observed)) tally.unauthorizedSuccesses++;
      failures.push(`${probe.api}: expected error ${expected}, got ${observed}`);
    }
    if (probe.state !== undefined) {
      const afterState = await probe.state(ctx);
      if (afterState !== before) {
        tally.writesByDenied++;
        failures.push(`${probe.api}: a denied request wrote (${String(before)} -> ${String(afterState)})`);
      }
    }
    return failures;
  }
  const accepted = (code: number): boolean => (probe.ok === 'any' ? !AUTHORIZATION_ERRORS.has(code) : (probe.ok ?? [Errors.NONE]).includes(code));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const observed = await probe.run(ctx);
    if (accepted(observed)) return [];
    if (!RETRIABLE.has(observed) || Date.now() > deadline) return [`${probe.api}: expected allowed, got ${observed}`];
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs one listing cell: the principal's listing equals the admin's filtered by the model (retried while it settles). */
async function runListingCell(probe: ListingProbe, ctx: ProbeContext): Promise<string[]> {
  let last = '';
  const deadline = Date.now() + 5_000;
  for (;;) {
    const all = await probe.all(ctx);
    const seen = await probe.list(ctx);
    const expected = all.filter((name) => probe.visible(ctx, name));
    if (JSON.stringify(seen) === JSON.stringify(expected)) return [];
    last = `${probe.api}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(seen)}`;
    if (Date.now() > deadline) {
      if (seen.some((name) => !probe.visible(ctx, name))) tally.unauthorizedSuccesses++;
      return [last];
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('authorization matrix: principals x APIs x resource patterns (StandardAuthorizer, allow.everyone.if.no.acl.found=false)', () => {
  let broker: TestBroker | undefined;
  let admin: RawKafkaClient;
  const clients = new Map<string, RawKafkaClient>();

  before(async () => {
    // The node's host-scoped ACLs are created under super.users=User:ANONYMOUS, then the node restarts with
    // User:admin as its only super user (its own connections then need those ACLs).
    const boot = await startBroker({ overrides: SASL_OVERRIDES, serverOptions: { standardAuthorizer: { superUsers: ['User:ANONYMOUS'], allowEveryoneIfNoAclFound: false } } });
    const bootAdmin = await RawKafkaClient.connect(boot.port);
    try {
      await createAcls(bootAdmin, NODE_ACLS);
    } finally {
      await bootAdmin.close();
    }
    await boot.stop();
    broker = await startBroker({ dataDir: boot.dataDir, overrides: SASL_OVERRIDES, serverOptions: { standardAuthorizer: { superUsers: [SUPER_USER], allowEveryoneIfNoAclFound: false } } });
    admin = await RawKafkaClient.connect(broker.port, NODE_HOST);
    for (const row of ROWS) clients.set(row.name, await connectRow(row, broker));
  });
  after(async () => {
    for (const c of clients.values()) await c.close();
    await admin?.close();
    await broker?.cleanup();
  });

  for (const row of ROWS) {
    for (const column of COLUMNS) {
      test(`${row.name} (${row.principal}) x ${column.name} grants: every API answers as Kafka's rules say`, async () => {
        assert.equal(await aclsOfHost(admin, CLIENT_HOST), 0, 'the pair starts without ACLs of the client host');
        const n = namesOf(`m-${row.name}-${column.name}-`);
        const r: Any = await admin.request(ApiKeys.CreateTopics, 7, { topics: [{ name: n.topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
        assert.equal(r.topics[0].errorCode, Errors.NONE);
        await eventually('topic leader', async () => assert.equal(await produce(admin, n.topic, 'seed'), Errors.NONE));
        const acls = column.acls(row, n);
        const model = new KafkaAclModel([...NODE_ACLS, ...acls], [SUPER_USER]);
        const ctx: ProbeContext = {
          client: clients.get(row.name)!, admin, n,
          may: (op, type, name) => model.authorize(row.principal, CLIENT_HOST, op, type, name),
          mayByResourceType: (op, type) => model.authorizeByResourceType(row.principal, CLIENT_HOST, op, type),
        };
        const failures: string[] = [];
        try {
          await createAcls(admin, acls);
          await eventually('ACLs in the authorizer', async () => assert.equal(await aclsOfHost(admin, CLIENT_HOST), acls.length));
          for (const probe of PROBES) {
            tally.cells++;
            failures.push(...('list' in probe ? await runListingCell(probe, ctx) : await runCodeCell(probe, ctx)));
          }
        } finally {
          await admin.request(ApiKeys.DeleteAcls, 3, { filters: [{ resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: CLIENT_HOST, operation: 1, permissionType: 1 }] });
          await eventually('ACLs removed', async () => assert.equal(await aclsOfHost(admin, CLIENT_HOST), 0));
        }
        assert.deepEqual(failures, []);
      });
    }
  }

  test('over the whole matrix: every cell ran, no unauthorised success, nothing written by a denied request', () => {
    console.log(JSON.stringify(tally));
    assert.equal(tally.cells, ROWS.length * COLUMNS.length * PROBES.length);
    assert.ok(tally.deniedCells > 0 && tally.deniedCells < tally.cells, `both outcomes occur (${tally.deniedCells} denied of ${tally.cells})`);
    assert.deepEqual([tally.unauthorizedSuccesses, tally.writesByDenied], [0, 0]);
  });
});
