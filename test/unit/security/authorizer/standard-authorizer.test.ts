import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { StandardAuthorizer, AuthorizerNotReadyError, javaHostAddress, type StandardAuthorizerConfig } from '../../../../src/security/authorizer/standard-authorizer.ts';
import { AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as Res } from '../../../../src/security/authorizer/acl-codes.ts';
import type { AclBinding } from '../../../../src/security/authorizer/acl-binding-filter.ts';
import { ANONYMOUS_PRINCIPAL, type KafkaPrincipal } from '../../../../src/security/kafka-principal.ts';
import { ApiKeys } from '../../../../src/protocol/generated/api-keys.ts';

const silent = pino({ level: 'silent' });

function user(name: string): KafkaPrincipal {
  return { principalType: 'User', name, tokenAuthenticated: false };
}

/** An ACL: ALLOW/DENY `op` on `type` `name` (LITERAL unless `pattern`), for `principal` from `host`. */
function acl(permissionType: number, principal: string, operation: number, resourceType: number, resourceName: string, patternType: number = Pat.LITERAL, host = '*'): AclBinding {
  return { resourceType, resourceName, patternType, principal, host, operation, permissionType };
}

function authorizer(acls: AclBinding[], config: Partial<StandardAuthorizerConfig> = {}): StandardAuthorizer {
  const a = new StandardAuthorizer({ superUsers: [], allowEveryoneIfNoAclFound: false, ...config }, silent);
  acls.forEach((b, i) => a.addAcl(`id-${i}`, b));
  a.completeInitialLoad();
  return a;
}

function check(a: StandardAuthorizer, principal: KafkaPrincipal, host: string, operation: number, resourceType: number, resourceName: string): string {
  return a.authorize({ principal, clientAddress: host, requestApiKey: ApiKeys.Fetch }, { operation, resourceType, resourceName });
}

const ALICE = user('alice');
const BOB = user('bob');
const HOST = '10.0.0.1';

/**
 * Each case: the ACLs loaded, the config, who asks, for what; the expected answer follows Kafka's
 * StandardAuthorizerData rules (super users, deny before allow, literal / prefixed / '*' resources, 'User:*',
 * hosts, implied operations, ALL, allow.everyone.if.no.acl.found).
 */
const CASES: {
  name: string;
  acls: AclBinding[];
  config?: Partial<StandardAuthorizerConfig>;
  principal?: KafkaPrincipal;
  host?: string;
  op: number;
  type?: number;
  resource?: string;
  expect: 'ALLOWED' | 'DENIED';
}[] = [
  { name: 'no ACL anywhere: closed by default', acls: [], op: Op.READ, expect: 'DENIED' },
  { name: 'no ACL anywhere, allow.everyone.if.no.acl.found: open', acls: [], config: { allowEveryoneIfNoAclFound: true }, op: Op.READ, expect: 'ALLOWED' },
  {
    name: 'allow.everyone.if.no.acl.found does not open a resource some ACL applies to, whoever it names',
    acls: [acl(Perm.ALLOW, 'User:bob', Op.WRITE, Res.TOPIC, 'orders')],
    config: { allowEveryoneIfNoAclFound: true },
    op: Op.READ,
    expect: 'DENIED',
  },
  {
    name: 'allow.everyone.if.no.acl.found: an ACL on another resource leaves this one open',
    acls: [acl(Perm.ALLOW, 'User:bob', Op.WRITE, Res.TOPIC, 'payments')],
    config: { allowEveryoneIfNoAclFound: true },
    op: Op.READ,
    expect: 'ALLOWED',
  },
  {
    name: 'allow.everyone.if.no.acl.found: a prefixed ACL covering the name closes it',
    acls: [acl(Perm.ALLOW, 'User:bob', Op.READ, Res.TOPIC, 'ord', Pat.PREFIXED)],
    config: { allowEveryoneIfNoAclFound: true },
    op: Op.READ,
    expect: 'DENIED',
  },
  {
    name: 'allow.everyone.if.no.acl.found: an ACL of the same name on another resource type does not count',
    acls: [acl(Perm.ALLOW, 'User:bob', Op.READ, Res.GROUP, 'orders')],
    config: { allowEveryoneIfNoAclFound: true },
    op: Op.READ,
    expect: 'ALLOWED',
  },
  { name: 'literal ALLOW for the principal', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders')], op: Op.READ, expect: 'ALLOWED' },
  { name: 'literal ALLOW for another principal', acls: [acl(Perm.ALLOW, 'User:bob', Op.READ, Res.TOPIC, 'orders')], op: Op.READ, expect: 'DENIED' },
  { name: 'literal ACL of another name', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders2')], op: Op.READ, expect: 'DENIED' },
  { name: 'a literal name is not a prefix', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'ord')], op: Op.READ, expect: 'DENIED' },
  { name: 'prefixed ALLOW covering the name', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'ord', Pat.PREFIXED)], op: Op.READ, expect: 'ALLOWED' },
  { name: 'prefixed ALLOW equal to the whole name', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders', Pat.PREFIXED)], op: Op.READ, expect: 'ALLOWED' },
  { name: 'prefixed ALLOW longer than the name', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders-eu', Pat.PREFIXED)], op: Op.READ, expect: 'DENIED' },
  { name: "prefixed '*' is a prefix, not a wildcard", acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, '*', Pat.PREFIXED)], op: Op.READ, expect: 'DENIED' },
  { name: "literal '*' matches every name", acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, '*')], op: Op.READ, expect: 'ALLOWED' },
  { name: 'ACLs of another resource type do not apply', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.GROUP, 'orders')], op: Op.READ, expect: 'DENIED' },
  {
    name: 'deny overrides allow (literal deny, literal allow)',
    acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders'), acl(Perm.DENY, 'User:alice', Op.READ, Res.TOPIC, 'orders')],
    op: Op.READ,
    expect: 'DENIED',
  },
  {
    name: 'a shorter prefixed deny beats a longer prefixed allow: the prefix length is irrelevant',
    acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders-', Pat.PREFIXED), acl(Perm.DENY, 'User:alice', Op.READ, Res.TOPIC, 'o', Pat.PREFIXED)],
    resource: 'orders-eu',
    op: Op.READ,
    expect: 'DENIED',
  },
  {
    name: 'a longer prefixed deny beats a shorter prefixed allow',
    acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'o', Pat.PREFIXED), acl(Perm.DENY, 'User:alice', Op.READ, Res.TOPIC, 'orders-', Pat.PREFIXED)],
    resource: 'orders-eu',
    op: Op.READ,
    expect: 'DENIED',
  },
  {
    name: "a wildcard deny beats a literal allow",
    acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders'), acl(Perm.DENY, 'User:*', Op.READ, Res.TOPIC, '*')],
    op: Op.READ,
    expect: 'DENIED',
  },
  {
    name: 'a deny for another principal does not deny',
    acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders'), acl(Perm.DENY, 'User:bob', Op.READ, Res.TOPIC, 'orders')],
    op: Op.READ,
    expect: 'ALLOWED',
  },
  { name: "'User:*' allows every user", acls: [acl(Perm.ALLOW, 'User:*', Op.READ, Res.TOPIC, 'orders')], principal: ANONYMOUS_PRINCIPAL, op: Op.READ, expect: 'ALLOWED' },
  {
    name: "'User:*' covers a principal of any type (Kafka matches every request against User:*)",
    acls: [acl(Perm.ALLOW, 'User:*', Op.READ, Res.TOPIC, 'orders')],
    principal: { principalType: 'Group', name: 'admins', tokenAuthenticated: false },
    op: Op.READ,
    expect: 'ALLOWED',
  },
  {
    name: "'User:*' deny beats a principal's allow",
    acls: [acl(Perm.ALLOW, 'User:alice', Op.WRITE, Res.TOPIC, 'orders'), acl(Perm.DENY, 'User:*', Op.WRITE, Res.TOPIC, 'orders')],
    op: Op.WRITE,
    expect: 'DENIED',
  },
  { name: 'host: the exact address', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders', Pat.LITERAL, HOST)], op: Op.READ, expect: 'ALLOWED' },
  { name: 'host: another address', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders', Pat.LITERAL, '10.0.0.2')], op: Op.READ, expect: 'DENIED' },
  { name: 'host: an IPv4-mapped client address is its IPv4 address', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders', Pat.LITERAL, HOST)], host: `::ffff:${HOST}`, op: Op.READ, expect: 'ALLOWED' },
  { name: "host: IPv6 as Java writes it ('0:0:0:0:0:0:0:1')", acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders', Pat.LITERAL, '0:0:0:0:0:0:0:1')], host: '::1', op: Op.READ, expect: 'ALLOWED' },
  { name: "host: '::1' in an ACL never matches (Java compares the uncompressed form)", acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders', Pat.LITERAL, '::1')], host: '::1', op: Op.READ, expect: 'DENIED' },
  { name: 'host: a CIDR block holding the address', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders', Pat.LITERAL, '10.0.0.0/8')], op: Op.READ, expect: 'ALLOWED' },
  { name: 'host: a CIDR block not holding it', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders', Pat.LITERAL, '192.168.0.0/16')], op: Op.READ, expect: 'DENIED' },
  { name: 'host: an IPv6 CIDR block', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders', Pat.LITERAL, '2001:db8::/32')], host: '2001:db8:1::5', op: Op.READ, expect: 'ALLOWED' },
  {
    name: 'host: a denied CIDR block beats an allow for everyone',
    acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders'), acl(Perm.DENY, 'User:alice', Op.READ, Res.TOPIC, 'orders', Pat.LITERAL, '10.0.0.0/24')],
    op: Op.READ,
    expect: 'DENIED',
  },
  { name: 'READ implies DESCRIBE', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders')], op: Op.DESCRIBE, expect: 'ALLOWED' },
  { name: 'WRITE implies DESCRIBE', acls: [acl(Perm.ALLOW, 'User:alice', Op.WRITE, Res.TOPIC, 'orders')], op: Op.DESCRIBE, expect: 'ALLOWED' },
  { name: 'DELETE implies DESCRIBE', acls: [acl(Perm.ALLOW, 'User:alice', Op.DELETE, Res.TOPIC, 'orders')], op: Op.DESCRIBE, expect: 'ALLOWED' },
  { name: 'ALTER implies DESCRIBE', acls: [acl(Perm.ALLOW, 'User:alice', Op.ALTER, Res.TOPIC, 'orders')], op: Op.DESCRIBE, expect: 'ALLOWED' },
  { name: 'CREATE does not imply DESCRIBE', acls: [acl(Perm.ALLOW, 'User:alice', Op.CREATE, Res.TOPIC, 'orders')], op: Op.DESCRIBE, expect: 'DENIED' },
  { name: 'ALTER_CONFIGS implies DESCRIBE_CONFIGS', acls: [acl(Perm.ALLOW, 'User:alice', Op.ALTER_CONFIGS, Res.TOPIC, 'orders')], op: Op.DESCRIBE_CONFIGS, expect: 'ALLOWED' },
  { name: 'DESCRIBE does not imply READ', acls: [acl(Perm.ALLOW, 'User:alice', Op.DESCRIBE, Res.TOPIC, 'orders')], op: Op.READ, expect: 'DENIED' },
  { name: 'ALTER_CONFIGS does not imply DESCRIBE', acls: [acl(Perm.ALLOW, 'User:alice', Op.ALTER_CONFIGS, Res.TOPIC, 'orders')], op: Op.DESCRIBE, expect: 'DENIED' },
  {
    name: 'a DENY READ does not deny DESCRIBE (implication is for ALLOW only)',
    acls: [acl(Perm.ALLOW, 'User:alice', Op.DESCRIBE, Res.TOPIC, 'orders'), acl(Perm.DENY, 'User:alice', Op.READ, Res.TOPIC, 'orders')],
    op: Op.DESCRIBE,
    expect: 'ALLOWED',
  },
  { name: 'ALLOW ALL allows any operation', acls: [acl(Perm.ALLOW, 'User:alice', Op.ALL, Res.TOPIC, 'orders')], op: Op.DELETE, expect: 'ALLOWED' },
  {
    name: 'DENY ALL denies any operation',
    acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders'), acl(Perm.DENY, 'User:alice', Op.ALL, Res.TOPIC, 'orders')],
    op: Op.READ,
    expect: 'DENIED',
  },
  { name: 'cluster resource: literal kafka-cluster', acls: [acl(Perm.ALLOW, 'User:alice', Op.IDEMPOTENT_WRITE, Res.CLUSTER, 'kafka-cluster')], op: Op.IDEMPOTENT_WRITE, type: Res.CLUSTER, resource: 'kafka-cluster', expect: 'ALLOWED' },
  {
    name: 'super user is allowed despite a deny',
    acls: [acl(Perm.DENY, 'User:admin', Op.ALL, Res.TOPIC, '*')],
    config: { superUsers: ['User:admin'] },
    principal: user('admin'),
    op: Op.DELETE,
    expect: 'ALLOWED',
  },
  {
    name: 'super users are compared by type and name',
    acls: [],
    config: { superUsers: ['User:admin'] },
    principal: { principalType: 'Service', name: 'admin', tokenAuthenticated: false },
    op: Op.READ,
    expect: 'DENIED',
  },
];

describe('StandardAuthorizer (Kafka StandardAuthorizerData rules)', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const a = authorizer(c.acls, c.config);
      assert.equal(check(a, c.principal ?? ALICE, c.host ?? HOST, c.op, c.type ?? Res.TOPIC, c.resource ?? 'orders'), c.expect);
    });
  }

  test('removing the deny ACL lets the allow through again; removing the allow closes the topic', () => {
    const a = authorizer([acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders'), acl(Perm.DENY, 'User:alice', Op.READ, Res.TOPIC, 'orders')]);
    assert.equal(check(a, ALICE, HOST, Op.READ, Res.TOPIC, 'orders'), 'DENIED');
    assert.equal(a.removeAcl('id-1'), true);
    assert.equal(check(a, ALICE, HOST, Op.READ, Res.TOPIC, 'orders'), 'ALLOWED');
    assert.equal(a.removeAcl('id-0'), true);
    assert.equal(a.removeAcl('id-0'), false);
    assert.equal(check(a, ALICE, HOST, Op.READ, Res.TOPIC, 'orders'), 'DENIED');
    assert.equal(a.aclCount, 0);
  });

  test('before the initial load, only super users are answered', () => {
    const a = new StandardAuthorizer({ superUsers: ['User:admin'], allowEveryoneIfNoAclFound: true }, silent);
    assert.equal(check(a, user('admin'), HOST, Op.READ, Res.TOPIC, 'orders'), 'ALLOWED');
    assert.throws(() => check(a, ALICE, HOST, Op.READ, Res.TOPIC, 'orders'), AuthorizerNotReadyError);
    a.completeInitialLoad();
    assert.equal(check(a, ALICE, HOST, Op.READ, Res.TOPIC, 'orders'), 'ALLOWED');
  });

  test('a super user that is not type:name is refused', () => {
    assert.throws(() => new StandardAuthorizer({ superUsers: ['admin'], allowEveryoneIfNoAclFound: false }, silent), /principalType:principalName/);
  });

  test('java host address form', () => {
    assert.equal(javaHostAddress('::1'), '0:0:0:0:0:0:0:1');
    assert.equal(javaHostAddress('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(javaHostAddress('2001:db8::ab'), '2001:db8:0:0:0:0:0:ab');
    assert.equal(javaHostAddress('10.0.0.1'), '10.0.0.1');
  });
});

describe('StandardAuthorizer.authorizeByResourceType (Kafka Authorizer.authorizeByResourceType)', () => {
  const ctx = { principal: ALICE, clientAddress: HOST, requestApiKey: ApiKeys.InitProducerId };
  const cases: { name: string; acls: AclBinding[]; config?: Partial<StandardAuthorizerConfig>; expect: 'ALLOWED' | 'DENIED' }[] = [
    { name: 'no ACL: denied', acls: [], expect: 'DENIED' },
    { name: 'no ACL with allow.everyone.if.no.acl.found: allowed', acls: [], config: { allowEveryoneIfNoAclFound: true }, expect: 'ALLOWED' },
    { name: 'an allow on one literal topic is enough', acls: [acl(Perm.ALLOW, 'User:alice', Op.WRITE, Res.TOPIC, 't1')], expect: 'ALLOWED' },
    { name: 'ALL counts as the operation', acls: [acl(Perm.ALLOW, 'User:alice', Op.ALL, Res.TOPIC, 't1')], expect: 'ALLOWED' },
    { name: 'implied operations do not count', acls: [acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 't1')], expect: 'DENIED' },
    { name: 'an allow denied literally does not count', acls: [acl(Perm.ALLOW, 'User:alice', Op.WRITE, Res.TOPIC, 't1'), acl(Perm.DENY, 'User:alice', Op.WRITE, Res.TOPIC, 't1')], expect: 'DENIED' },
    { name: 'an allow under a denied prefix does not count', acls: [acl(Perm.ALLOW, 'User:alice', Op.WRITE, Res.TOPIC, 'team-a.t1'), acl(Perm.DENY, 'User:alice', Op.WRITE, Res.TOPIC, 'team-', Pat.PREFIXED)], expect: 'DENIED' },
    {
      name: 'an allow not under the denied prefix counts',
      acls: [acl(Perm.ALLOW, 'User:alice', Op.WRITE, Res.TOPIC, 'team-a.t1'), acl(Perm.DENY, 'User:alice', Op.WRITE, Res.TOPIC, 'team-b', Pat.PREFIXED)],
      expect: 'ALLOWED',
    },
    { name: "a '*' deny denies all", acls: [acl(Perm.ALLOW, 'User:alice', Op.WRITE, Res.TOPIC, 't1'), acl(Perm.DENY, 'User:*', Op.WRITE, Res.TOPIC, '*')], expect: 'DENIED' },
    { name: 'an allow for another user does not count', acls: [acl(Perm.ALLOW, 'User:bob', Op.WRITE, Res.TOPIC, 't1')], expect: 'DENIED' },
    { name: 'an allow from another host does not count', acls: [acl(Perm.ALLOW, 'User:alice', Op.WRITE, Res.TOPIC, 't1', Pat.LITERAL, '10.9.9.9')], expect: 'DENIED' },
    { name: 'super user', acls: [], config: { superUsers: ['User:alice'] }, expect: 'ALLOWED' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(authorizer(c.acls, c.config).authorizeByResourceType(ctx, Op.WRITE, Res.TOPIC), c.expect);
    });
  }
  test('ANY and UNKNOWN are refused', () => {
    const a = authorizer([]);
    assert.throws(() => a.authorizeByResourceType(ctx, Op.ANY, Res.TOPIC));
    assert.throws(() => a.authorizeByResourceType(ctx, Op.WRITE, Res.ANY));
    assert.throws(() => a.authorizeByResourceType(ctx, Op.UNKNOWN, Res.TOPIC));
    assert.throws(() => a.authorizeByResourceType(ctx, Op.WRITE, Res.UNKNOWN));
  });
});

describe('authorizer decision log (kafka.authorizer.logger)', () => {
  function capture(level: string): { logger: pino.Logger; lines: Record<string, unknown>[] } {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    return { logger: pino({ level }, stream), lines };
  }

  test('a denial is logged at INFO, an allow at DEBUG, with Kafka wording', () => {
    const { logger, lines } = capture('debug');
    const a = new StandardAuthorizer({ superUsers: [], allowEveryoneIfNoAclFound: false }, logger);
    a.addAcl('x', acl(Perm.ALLOW, 'User:alice', Op.READ, Res.TOPIC, 'orders'));
    a.completeInitialLoad();
    lines.length = 0;
    check(a, BOB, HOST, Op.READ, Res.TOPIC, 'orders');
    check(a, ALICE, '::1', Op.READ, Res.TOPIC, 'orders');
    const audit = lines.filter((l) => l.name === 'kafka.authorizer.logger');
    assert.equal(audit.length, 2);
    assert.equal(audit[0]!.level, 30);
    assert.equal(audit[0]!.msg, 'Principal = User:bob is Denied operation = READ from host = 10.0.0.1 on resource = Topic:LITERAL:orders for request = Fetch with resourceRefCount = 1 based on rule DefaultDeny');
    assert.equal(audit[1]!.level, 20);
    assert.match(String(audit[1]!.msg), /^Principal = User:alice is Allowed operation = READ from host = 0:0:0:0:0:0:0:1/);
  });

  test('logIfDenied=false sends a denial to TRACE only', () => {
    const { logger, lines } = capture('debug');
    const a = authorizer([]);
    const b = new StandardAuthorizer({ superUsers: [], allowEveryoneIfNoAclFound: false }, logger);
    b.completeInitialLoad();
    lines.length = 0;
    b.authorize({ principal: ALICE, clientAddress: HOST, requestApiKey: ApiKeys.Metadata }, { operation: Op.DESCRIBE, resourceType: Res.TOPIC, resourceName: 't', logIfDenied: false });
    assert.equal(lines.filter((l) => l.name === 'kafka.authorizer.logger').length, 0);
    assert.equal(a.aclCount, 0);
  });
});
