import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { lazyLogger } from '../../../src/storage/lazy-logger.ts';

/** A pino logger writing to memory, and the same logger as the lazy logger uses it, counting the children made. */
function capture(level: string): { logger: pino.Logger; parent: pino.Logger; lines: () => Record<string, unknown>[]; children: () => number } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out.push(...chunk.toString().split('\n').filter((l: string) => l.length > 0));
      cb();
    },
  });
  const logger = pino({ level }, stream);
  let created = 0;
  const parent = {
    isLevelEnabled: (l: string) => logger.isLevelEnabled(l),
    get level() {
      return logger.level;
    },
    child: (bindings: pino.Bindings) => {
      created++;
      return logger.child(bindings);
    },
  } as unknown as pino.Logger;
  return { logger, parent, lines: () => out.map((l) => JSON.parse(l)), children: () => created };
}

test('the child is created by the first message at an enabled level, once, with the bindings', () => {
  const { parent, lines, children } = capture('warn');
  const lazy = lazyLogger(parent, { component: 'UnifiedLog', topicPartition: 't-0' });
  lazy.info({ x: 1 }, 'disabled');
  lazy.debug('disabled too');
  assert.equal(lazy.isLevelEnabled('info'), false);
  assert.equal(lazy.level, 'warn');
  assert.equal(children(), 0, 'disabled levels and level checks create nothing');
  lazy.warn({ x: 2 }, 'first');
  lazy.error('second');
  assert.equal(children(), 1);
  const [first, second] = lines();
  assert.deepEqual([first!.msg, first!.component, first!.topicPartition, first!.x], ['first', 'UnifiedLog', 't-0', 2]);
  assert.deepEqual([second!.msg, second!.topicPartition], ['second', 't-0']);
});

test("a child of the lazy logger is the parent's child with both bindings, without creating the lazy one", () => {
  const { logger, parent, lines, children } = capture('info');
  const lazy = lazyLogger(parent, { component: 'UnifiedLog', topicPartition: 't-1' });
  lazy.child({ component: 'ProducerStateManager' }).info('hello');
  assert.equal(children(), 1);
  assert.deepEqual(lines().map((l) => [l.msg, l.topicPartition, l.component]), [['hello', 't-1', 'ProducerStateManager']]);
  logger.level = 'error';
  lazy.warn('now disabled');
  assert.deepEqual([lines().length, children()], [1, 1], "the parent's level applies");
});
