import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SslPrincipalMapper } from '../../../../src/security/ssl/ssl-principal-mapper.ts';

const DN = 'CN=Duke,OU=JavaSoft,O=Sun Microsystems,C=US';

test('DEFAULT (and no rules at all) keeps the distinguished name', () => {
  assert.equal(new SslPrincipalMapper(null).getName(DN), DN);
  assert.equal(new SslPrincipalMapper('DEFAULT').getName(DN), DN);
});

test('RULE: replaces with groups of a whole match, L and U fold the case, the first matching rule wins', () => {
  // The examples of Kafka's documentation of ssl.principal.mapping.rules.
  const rules = 'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L,RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L,DEFAULT';
  const mapper = new SslPrincipalMapper(rules);
  assert.equal(mapper.getName('CN=kafka-admin,OU=ServiceUsers,O=Unknown,L=Unknown,ST=Unknown,C=Unknown'), 'kafka-admin');
  assert.equal(mapper.getName('CN=Duke,OU=JavaSoft,O=Sun Microsystems,L=Santa Clara,ST=CA,C=US'), 'duke@javasoft');
  assert.equal(mapper.getName('OU=JavaSoft,O=Sun Microsystems,C=US,cn=Duke.Two'), 'duke.two');
  assert.equal(mapper.getName('O=Only'), 'O=Only');
  assert.equal(new SslPrincipalMapper('RULE:^CN=([^,]*),.*$/$1/U').getName(DN), 'DUKE');
});

test('a rule that does not match the whole name does not apply; no applicable rule throws', () => {
  const mapper = new SslPrincipalMapper('RULE:CN=Duke/x/');
  assert.throws(() => mapper.getName(DN), /No rules apply to CN=Duke,OU=JavaSoft/);
});

test('replacement escapes and back references to missing groups stay literal, as in Java', () => {
  assert.equal(new SslPrincipalMapper('RULE:^CN=([^,]*),.*$/user\\$$1/').getName(DN), 'user$Duke');
  assert.equal(new SslPrincipalMapper('RULE:^CN=([^,]*),.*$/$10/').getName(DN), 'Duke0');
  assert.equal(new SslPrincipalMapper('RULE:^CN=([^,]*),OU=([^,]*),.*$/$2-$1/').getName(DN), 'JavaSoft-Duke');
});

test('rules are split on commas with surrounding spaces', () => {
  const mapper = new SslPrincipalMapper('  RULE:^CN=([^,]*),OU=X.*$/$1/ ,  RULE:^CN=([^,]*),.*$/$1/L , DEFAULT ');
  assert.equal(mapper.getName(DN), 'duke');
});

test('malformed rules are refused at construction', () => {
  assert.throws(() => new SslPrincipalMapper('RULE:^CN=(.*)$/$1/X'), /Invalid rule/);
  assert.throws(() => new SslPrincipalMapper('DEFAULTS'), /Invalid rule/);
  assert.throws(() => new SslPrincipalMapper('RULE:^CN=(.*$/$1/'), /Invalid rule/);
  assert.throws(() => new SslPrincipalMapper('garbage'), /Invalid rule/);
  // Java's replaceAll fails on a reference to a group a pattern without groups has not.
  assert.throws(() => new SslPrincipalMapper('RULE:^CN=[^,]*,.*$/$1/'), /Invalid rule.*no group 1/);
});
