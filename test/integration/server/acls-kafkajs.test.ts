// CreateAcls / DescribeAcls / DeleteAcls end to end through kafkajs's admin client on one broker (combined
// broker + controller): CreateAcls and DeleteAcls are forwarded to the controller in Envelopes and become
// AccessControlEntryRecords / RemoveAccessControlEntryRecords; DescribeAcls reads the broker's ACL cache; the ACLs
// survive a restart (replayed from the metadata log). The authorizer is switched on through the server option
// that stands in for `authorizer.class.name` (the config's own switch is checked below).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type Admin, type AclEntry } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { KafkaConfig } from '../../../src/config/kafka-config.ts';
import { testBrokerProps } from '../../helpers/broker.ts';
import { standardAuthorizerConfigOf } from '../../../src/server/acl-publisher.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { ANONYMOUS_PRINCIPAL } from '../../../src/security/kafka-principal.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { AclOperation, ResourceType } from '../../../src/security/authorizer/acl-codes.ts';

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

async function withAdmin<T>(broker: TestBroker, run: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.disconnect();
  }
}

const READ_ORDERS: AclEntry = {
  resourceType: AclResourceTypes.TOPIC,
  resourceName: 'orders',
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: 'User:alice',
  host: '*',
  operation: AclOperationTypes.READ,
  permissionType: AclPermissionTypes.ALLOW,
};
const DENY_PAYMENTS_PREFIX: AclEntry = {
  resourceType: AclResourceTypes.TOPIC,
  resourceName: 'pay',
  resourcePatternType: ResourcePatternTypes.PREFIXED,
  principal: 'User:*',
  host: '10.0.0.1',
  operation: AclOperationTypes.WRITE,
  permissionType: AclPermissionTypes.DENY,
};
const GROUP_ALL: AclEntry = {
  resourceType: AclResourceTypes.GROUP,
  resourceName: 'billing',
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: 'User:bob',
  host: '*',
  operation: AclOperationTypes.ALL,
  permissionType: AclPermissionTypes.ALLOW,
};

const ANY_FILTER = {
  resourceType: AclResourceTypes.ANY,
  resourcePatternType: ResourcePatternTypes.ANY,
  operation: AclOperationTypes.ANY,
  permissionType: AclPermissionTypes.ANY,
} as const;

/** Every ACL DescribeAcls lists for `filter`, flattened and sorted. */
async function describeAll(admin: Admin, filter: Record<string, unknown> = ANY_FILTER): Promise<AclEntry[]> {
  const { resources } = await admin.describeAcls(filter as never);
  return resources
    .flatMap((r) => r.acls.map((a) => ({ resourceType: r.resourceType, resourceName: r.resourceName, resourcePatternType: r.resourcePatternType, ...a })))
    .sort((a, b) => `${a.resourceType}${a.resourceName}${a.principal}`.localeCompare(`${b.resourceType}${b.resourceName}${b.principal}`)) as AclEntry[];
}

describe('ACL APIs without an authorizer (the configuration today)', () => {
  let broker: TestBroker;
  after(async () => broker?.cleanup());

  test('CreateAcls, DescribeAcls and DeleteAcls answer SECURITY_DISABLED, and nothing is stored', async () => {
    broker = await startBroker();
    await withAdmin(broker, async (admin) => {
      await assert.rejects(admin.createAcls({ acl: [READ_ORDERS] }), (e: Error & { type?: string }) => e.type === 'SECURITY_DISABLED');
      await assert.rejects(admin.describeAcls(ANY_FILTER as never), (e: Error & { type?: string }) => e.type === 'SECURITY_DISABLED');
      await assert.rejects(admin.deleteAcls({ filters: [ANY_FILTER as never] }), (e: Error & { type?: string }) => e.type === 'SECURITY_DISABLED');
    });
    assert.equal(broker.server.metadata.acls.size, 0);
  });

  test('the config turns the StandardAuthorizer on and refuses any other authorizer class', () => {
    const config = KafkaConfig.fromProps(testBrokerProps('/tmp/unused', { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:ANONYMOUS' }));
    assert.deepEqual(standardAuthorizerConfigOf(config), { superUsers: ['User:ANONYMOUS'], allowEveryoneIfNoAclFound: false });
    assert.throws(() => KafkaConfig.fromProps(testBrokerProps('/tmp/unused', { 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer' })), /authorizer\.class\.name/);
  });
});

describe('ACL APIs with the StandardAuthorizer', () => {
  let broker: TestBroker | undefined;
  let dataDir: string | undefined;
  after(async () => {
    await broker?.cleanup();
  });

  test('created ACLs are described, filtered, enforced by the cache, survive a restart and are deleted by filters', async () => {
    // ANONYMOUS may administer ACLs: no ACL on the cluster and allow.everyone.if.no.acl.found.
    const serverOptions = { standardAuthorizer: { superUsers: [], allowEveryoneIfNoAclFound: true } };
    broker = await startBroker({ serverOptions });
    dataDir = broker.dataDir;
    await withAdmin(broker, async (admin) => {
      await admin.createAcls({ acl: [READ_ORDERS, DENY_PAYMENTS_PREFIX, GROUP_ALL] });
      // The same ACL again succeeds without a second record.
      await admin.createAcls({ acl: [READ_ORDERS] });
      assert.deepEqual(await describeAll(admin), [
        { ...READ_ORDERS },
        { ...DENY_PAYMENTS_PREFIX },
        { ...GROUP_ALL },
      ].sort((a, b) => `${a.resourceType}${a.resourceName}${a.principal}`.localeCompare(`${b.resourceType}${b.resourceName}${b.principal}`)));
      // MATCH: what applies to topic 'payments' (the prefix), not 'orders'.
      const matching = await describeAll(admin, { ...ANY_FILTER, resourceType: AclResourceTypes.TOPIC, resourceName: 'payments', resourcePatternType: ResourcePatternTypes.MATCH });
      assert.deepEqual(matching, [DENY_PAYMENTS_PREFIX]);
      const byPrincipal = await describeAll(admin, { ...ANY_FILTER, principal: 'User:bob' });
      assert.deepEqual(byPrincipal, [GROUP_ALL]);
    });
    assert.equal(broker.server.metadata.acls.size, 3);
    const authorizer = broker.server.shared.authorizer!;
    const alice = { principal: { principalType: 'User', name: 'alice', tokenAuthenticated: false }, clientAddress: '10.0.0.1', requestApiKey: ApiKeys.Fetch };
    assert.equal(authorizer.authorize(alice, { operation: AclOperation.READ, resourceType: ResourceType.TOPIC, resourceName: 'orders' }), 'ALLOWED');
    assert.equal(authorizer.authorize(alice, { operation: AclOperation.DESCRIBE, resourceType: ResourceType.TOPIC, resourceName: 'orders' }), 'ALLOWED');
    assert.equal(authorizer.authorize(alice, { operation: AclOperation.WRITE, resourceType: ResourceType.TOPIC, resourceName: 'orders' }), 'DENIED');
    assert.equal(authorizer.authorize(alice, { operation: AclOperation.WRITE, resourceType: ResourceType.TOPIC, resourceName: 'payments-eu' }), 'DENIED');
    assert.equal(authorizer.authorize({ ...alice, clientAddress: '10.0.0.2' }, { operation: AclOperation.WRITE, resourceType: ResourceType.TOPIC, resourceName: 'no-acl-topic' }), 'ALLOWED');

    await broker.stop();
    broker = await startBroker({ dataDir, serverOptions });
    assert.equal(broker.server.metadata.acls.size, 3);
    assert.equal(broker.server.shared.authorizer!.authorize(alice, { operation: AclOperation.READ, resourceType: ResourceType.TOPIC, resourceName: 'orders' }), 'ALLOWED');
    await withAdmin(broker, async (admin) => {
      assert.equal((await describeAll(admin)).length, 3);
      const { filterResponses } = await admin.deleteAcls({
        filters: [
          { ...ANY_FILTER, resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', resourcePatternType: ResourcePatternTypes.MATCH },
          { ...ANY_FILTER, principal: 'User:nobody' },
        ] as never,
      });
      assert.equal(filterResponses.length, 2);
      assert.equal(filterResponses[0]!.errorCode, 0);
      assert.deepEqual(filterResponses[0]!.matchingAcls.map((a) => a.resourceName), ['orders']);
      assert.deepEqual(filterResponses[1]!.matchingAcls, []);
      assert.deepEqual((await describeAll(admin)).map((a) => a.resourceName).sort(), ['billing', 'pay']);
    });
    assert.equal(broker.server.shared.authorizer!.authorize(alice, { operation: AclOperation.READ, resourceType: ResourceType.TOPIC, resourceName: 'orders' }), 'ALLOWED', 'no ACL on orders any more: allow.everyone');
  });

  test('invalid bindings get INVALID_REQUEST, CIDR hosts need metadata.version 4.4-IV1, and a cluster ACL locks ANONYMOUS out', async () => {
    await withAdmin(broker!, async (admin) => {
      await assert.rejects(admin.createAcls({ acl: [{ ...READ_ORDERS, principal: 'alice' }] }), (e: Error & { type?: string }) => e.type === 'INVALID_REQUEST');
      await assert.rejects(admin.createAcls({ acl: [{ ...READ_ORDERS, host: '10.0.0.0/8' }] }), (e: Error & { type?: string }) => e.type === 'UNSUPPORTED_VERSION');
      // The node's own connections are ANONYMOUS too: once an ACL applies to the cluster, its Envelopes need an
      // explicit CLUSTER_ACTION (what operators grant, or super.users), given in the same request.
      const clusterAcl = { resourceType: AclResourceTypes.CLUSTER, resourceName: 'kafka-cluster', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:ANONYMOUS', host: '*' };
      await admin.createAcls({
        acl: [
          { ...clusterAcl, operation: AclOperationTypes.ALTER, permissionType: AclPermissionTypes.DENY },
          { ...clusterAcl, operation: AclOperationTypes.CLUSTER_ACTION, permissionType: AclPermissionTypes.ALLOW },
        ],
      });
      await assert.rejects(admin.createAcls({ acl: [READ_ORDERS] }), (e: Error & { type?: string }) => e.type === 'CLUSTER_AUTHORIZATION_FAILED');
      await assert.rejects(admin.deleteAcls({ filters: [ANY_FILTER as never] }), (e: Error & { type?: string }) => e.type === 'CLUSTER_AUTHORIZATION_FAILED');
      // DESCRIBE was not denied, but an ACL now applies to the cluster, so allow.everyone.if.no.acl.found no
      // longer covers it and nothing allows DESCRIBE: denied too.
      await assert.rejects(describeAll(admin), (e: Error & { type?: string }) => e.type === 'CLUSTER_AUTHORIZATION_FAILED');
    });
    const anonymous = { principal: ANONYMOUS_PRINCIPAL, clientAddress: '127.0.0.1', requestApiKey: ApiKeys.CreateAcls };
    assert.equal(broker!.server.shared.authorizer!.authorize(anonymous, { operation: AclOperation.ALTER, resourceType: ResourceType.CLUSTER, resourceName: 'kafka-cluster' }), 'DENIED');
  });

  test('every version (v1-3) creates, describes and deletes, on a raw connection', async () => {
    const fresh = await startBroker({ serverOptions: { standardAuthorizer: { superUsers: ['User:ANONYMOUS'], allowEveryoneIfNoAclFound: false } } });
    const client = await RawKafkaClient.connect(fresh.port);
    try {
      for (let v = 1; v <= 3; v++) {
        const name = `raw-v${v}`;
        const creation = { resourceType: ResourceType.TOPIC, resourceName: name, resourcePatternType: 4, principal: 'User:carol', host: '*', operation: AclOperation.WRITE, permissionType: 3 };
        const created: any = await client.request(ApiKeys.CreateAcls, v, { creations: [creation, { ...creation, principal: 'carol' }] });
        assert.deepEqual(created.results.map((r: any) => r.errorCode), [0, 42], `v${v}`);
        const filter = { resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: `${name}-x`, patternTypeFilter: 2, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 };
        const described: any = await client.request(ApiKeys.DescribeAcls, v, filter);
        assert.equal(described.errorCode, 0);
        assert.deepEqual(described.resources.map((r: any) => [r.resourceName, r.patternType, r.acls.map((a: any) => a.principal)]), [[name, 4, ['User:carol']]], `v${v}`);
        const deleted: any = await client.request(ApiKeys.DeleteAcls, v, { filters: [filter] });
        assert.deepEqual(deleted.filterResults[0].matchingAcls.map((a: any) => [a.resourceName, a.principal, a.operation, a.errorCode]), [[name, 'User:carol', AclOperation.WRITE, 0]], `v${v}`);
      }
      assert.equal(fresh.server.metadata.acls.size, 0);
    } finally {
      await client.close();
      await fresh.cleanup();
    }
  });
});
