import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ConfigException } from '../../../src/config/config-exception.ts';
import { formatProperties, parseProperties } from '../../../src/config/parse-properties.ts';

test('key=value, key:value and whitespace separators', () => {
  assert.deepEqual(parseProperties('a=1\nb:2\nc 3\nd\t4\ne = 5\nf : 6\ng   =   7'), {
    a: '1',
    b: '2',
    c: '3',
    d: '4',
    e: '5',
    f: '6',
    g: '7',
  });
});

test('comments with # and ! and blank lines are skipped, also after leading whitespace', () => {
  assert.deepEqual(parseProperties('# comment\n! bang\n\n   \n  # indented comment\n\ta=1\n'), { a: '1' });
});

test('a # inside a value is part of the value', () => {
  assert.deepEqual(parseProperties('a=x # not a comment'), { a: 'x # not a comment' });
});

test('only the first separator splits; later = and : belong to the value', () => {
  assert.deepEqual(parseProperties('listeners=PLAINTEXT://:9092,CONTROLLER://:9093\nmap=A:B,C:D'), {
    listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
    map: 'A:B,C:D',
  });
});

test('whitespace then a separator is one separator: "k = = v" keeps the second =', () => {
  assert.deepEqual(parseProperties('k = = v'), { k: '= v' });
});

test('key without value maps to the empty string', () => {
  assert.deepEqual(parseProperties('empty\nempty2=\nempty3 :'), { empty: '', empty2: '', empty3: '' });
});

test('trailing whitespace of a value is kept, leading is dropped', () => {
  assert.deepEqual(parseProperties('a=  x  '), { a: 'x  ' });
});

test('line continuation joins lines and drops the next line\'s leading whitespace', () => {
  const text = 'listeners=PLAINTEXT://:9092,\\\n    CONTROLLER://:9093\nnext=1';
  assert.deepEqual(parseProperties(text), { listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093', next: '1' });
});

test('an even number of trailing backslashes is an escaped backslash, not a continuation', () => {
  assert.deepEqual(parseProperties('a=c:\\\\\nb=2'), { a: 'c:\\', b: '2' });
});

test('a continuation line that starts with # is not a comment', () => {
  assert.deepEqual(parseProperties('a=1\\\n#2'), { a: '1#2' });
});

test('comment lines ending in a backslash do not continue', () => {
  assert.deepEqual(parseProperties('# comment \\\na=1'), { a: '1' });
});

test('continuation at end of input ends the line', () => {
  assert.deepEqual(parseProperties('a=1\\'), { a: '1' });
});

test('continuation into an empty line ends the logical line', () => {
  assert.deepEqual(parseProperties('a=1\\\n\nb=2'), { a: '1', b: '2' });
});

test('escapes: \\t \\n \\r \\f \\\\ \\uXXXX and escaped ordinary characters', () => {
  assert.deepEqual(parseProperties('a=x\\ty\\nz\\r\\f\\\\\\u0041\\u00e9\\q'), { a: 'x\ty\nz\r\f\\A\u00e9q' });
});

test('escaped separators and spaces belong to the key', () => {
  assert.deepEqual(parseProperties('my\\=key\\:x\\ y=v'), { 'my=key:x y': 'v' });
});

test('malformed \\u escape is a ConfigException', () => {
  assert.throws(() => parseProperties('a=\\u12G4'), ConfigException);
  assert.throws(() => parseProperties('a=\\u12'), ConfigException);
});

test('CRLF and lone CR line endings', () => {
  assert.deepEqual(parseProperties('a=1\r\nb=2\rc=3'), { a: '1', b: '2', c: '3' });
});

test('a repeated key keeps the last value', () => {
  assert.deepEqual(parseProperties('a=1\na=2'), { a: '2' });
});

test('__proto__ is stored as an ordinary key', () => {
  const props = parseProperties('__proto__=x');
  assert.equal(Object.getPrototypeOf(props), Object.prototype);
  assert.deepEqual(Object.entries(props), [['__proto__', 'x']]);
});

test('formatProperties output parses back to the same pairs', () => {
  const props = {
    simple: 'v',
    'key with=odd:chars': ' leading space, trailing ',
    backslash: 'c:\\dir\\',
    control: 'tab\tnewline\nbell\u0007',
    '#hash': '!bang',
    unicode: 'héllo ✓',
    empty: '',
  };
  assert.deepEqual(parseProperties(formatProperties(props)), props);
});
