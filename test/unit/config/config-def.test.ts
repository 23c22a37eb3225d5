import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  atLeast,
  between,
  canonicalConfigString,
  checkConfigValue,
  javaDoubleToString,
  listOf,
  LONG_MAX_VALUE,
  oneOf,
  oneOfIgnoreCase,
  parseAndValidate,
  parseConfigValue,
  type ConfigKey,
  type ConfigType,
} from '../../../src/config/config-def.ts';
import { ConfigException } from '../../../src/config/config-exception.ts';

const key = (type: ConfigType, extra: Partial<ConfigKey> = {}): ConfigKey => ({
  name: 'x.y',
  type,
  default: null,
  importance: 'LOW',
  doc: '',
  support: 'implemented',
  ...extra,
});

test('BOOLEAN accepts true/false in any case with surrounding whitespace', () => {
  assert.equal(parseConfigValue(key('BOOLEAN'), ' TRUE '), true);
  assert.equal(parseConfigValue(key('BOOLEAN'), 'False'), false);
  assert.throws(() => parseConfigValue(key('BOOLEAN'), 'yes'), /Invalid value yes for configuration x\.y: Expected value to be either true or false/);
});

test('INT, SHORT and LONG follow Java ranges and reject decimals', () => {
  assert.equal(parseConfigValue(key('INT'), '2147483647'), 2147483647);
  assert.equal(parseConfigValue(key('INT'), '-2147483648'), -2147483648);
  assert.throws(() => parseConfigValue(key('INT'), '2147483648'), /Not a number of type INT/);
  assert.throws(() => parseConfigValue(key('INT'), '1.5'), /Not a number of type INT/);
  assert.throws(() => parseConfigValue(key('INT'), ''), /Not a number of type INT/);
  assert.equal(parseConfigValue(key('SHORT'), '32767'), 32767);
  assert.throws(() => parseConfigValue(key('SHORT'), '32768'), /Not a number of type SHORT/);
  assert.equal(parseConfigValue(key('LONG'), '9223372036854775807'), LONG_MAX_VALUE);
  assert.throws(() => parseConfigValue(key('LONG'), '9223372036854775808'), /Not a number of type LONG/);
  assert.equal(parseConfigValue(key('LONG'), '+42'), 42);
});

test('DOUBLE accepts Java double literals', () => {
  assert.equal(parseConfigValue(key('DOUBLE'), '0.5'), 0.5);
  assert.equal(parseConfigValue(key('DOUBLE'), '1e3'), 1000);
  assert.equal(parseConfigValue(key('DOUBLE'), '.25'), 0.25);
  assert.equal(parseConfigValue(key('DOUBLE'), '2d'), 2);
  assert.equal(parseConfigValue(key('DOUBLE'), '1.7976931348623157E308'), Number.MAX_VALUE);
  assert.throws(() => parseConfigValue(key('DOUBLE'), 'half'), /Not a number of type DOUBLE/);
});

test('LIST splits on commas with optional whitespace; empty text is the empty list', () => {
  assert.deepEqual(parseConfigValue(key('LIST'), ' a , b,c '), ['a', 'b', 'c']);
  assert.deepEqual(parseConfigValue(key('LIST'), '   '), []);
});

test('STRING, CLASS and PASSWORD are trimmed', () => {
  assert.equal(parseConfigValue(key('STRING'), '  v  '), 'v');
  assert.equal(parseConfigValue(key('PASSWORD'), ' secret '), 'secret');
});

test('canonical strings follow Java formatting and keep every LONG digit', () => {
  assert.equal(canonicalConfigString(key('LONG'), ' 9223372036854775807 '), '9223372036854775807');
  assert.equal(canonicalConfigString(key('INT'), '+7'), '7');
  assert.equal(canonicalConfigString(key('DOUBLE'), '1'), '1.0');
  assert.equal(canonicalConfigString(key('LIST'), 'compact , delete'), 'compact,delete');
  assert.equal(canonicalConfigString(key('BOOLEAN'), 'TRUE'), 'true');
});

test('javaDoubleToString matches Double.toString', () => {
  assert.equal(javaDoubleToString(0.5), '0.5');
  assert.equal(javaDoubleToString(1), '1.0');
  assert.equal(javaDoubleToString(1e7), '1.0E7');
  assert.equal(javaDoubleToString(123456789.5), '1.234567895E8');
  assert.equal(javaDoubleToString(0.0001), '1.0E-4');
  assert.equal(javaDoubleToString(Number.MAX_VALUE), '1.7976931348623157E308');
  assert.equal(javaDoubleToString(0), '0.0');
});

test('validators report Kafka wording and describe their valid values', () => {
  assert.equal(atLeast(1).check(0), 'Value must be at least 1');
  assert.equal(atLeast(1).describe, '[1,...]');
  assert.equal(between(0, 1).check(2), 'Value must be no more than 1');
  assert.equal(between(0, 1).describe, '[0,...,1]');
  assert.equal(oneOf('CreateTime', 'LogAppendTime').check('createtime'), 'String must be one of: CreateTime, LogAppendTime');
  assert.equal(oneOfIgnoreCase('disabled', 'upgrade').check('DISABLED'), null);
  assert.equal(listOf('compact', 'delete').check(['compact', 'delete']), null);
  assert.match(listOf('compact', 'delete').check(['compact', 'erase']) ?? '', /String must be one of: compact, delete/);
});

test('parseAndValidate throws a ConfigException naming key, value and rule', () => {
  const k = key('INT', { validator: atLeast(1) });
  assert.throws(
    () => parseAndValidate(k, '0'),
    (e: unknown) => e instanceof ConfigException && e.message === 'Invalid value 0 for configuration x.y: Value must be at least 1',
  );
  assert.equal(checkConfigValue(k, '5'), null);
  assert.equal(checkConfigValue(k, '-3'), 'Invalid value -3 for configuration x.y: Value must be at least 1');
});
