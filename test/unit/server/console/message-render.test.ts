import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RENDERED_BYTES, render } from '../../../../src/server/console/message-browser.ts';

test('render: text, JSON (parsed or marked invalid), hex; null stays null; long values are cut and marked', () => {
  assert.equal(render(null, 'json'), null);
  assert.equal(render(Buffer.from('héllo'), 'text'), 'héllo');
  assert.equal(render(Buffer.from([0xff, 0x41]), 'text'), '\uFFFDA');
  assert.deepEqual(render(Buffer.from('{"a":[1,2]}'), 'json'), { a: [1, 2] });
  assert.deepEqual(render(Buffer.from('not json'), 'json'), { invalidJson: 'not json' });
  assert.equal(render(Buffer.from([0, 1, 0xab]), 'hex'), '0001ab');
  const long = Buffer.alloc(MAX_RENDERED_BYTES + 10, 0x61);
  assert.equal(render(long, 'text'), `${'a'.repeat(MAX_RENDERED_BYTES)}…`);
  assert.equal(render(long, 'hex'), `${'61'.repeat(MAX_RENDERED_BYTES)}…`);
  assert.deepEqual(render(long, 'json'), { invalidJson: `${'a'.repeat(MAX_RENDERED_BYTES)}…`, truncated: true });
});
