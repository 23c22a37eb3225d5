import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessTerminatingFaultHandler, RecordingFaultHandler, FaultHandlerException } from '../../../src/common/fault-handler.ts';

test('the process handler logs at fatal and exits with its code', () => {
  const logged: { obj: object; msg: string }[] = [];
  let exitedWith: number | null = null;
  const handler = new ProcessTerminatingFaultHandler(
    { fatal: (obj, msg) => logged.push({ obj, msg }) },
    { exitCode: 3, exit: (code) => { exitedWith = code; throw new Error('exited'); } },
  );
  const cause = new Error('boom');
  assert.throws(() => handler.handleFault('metadata record at offset 7 does not apply', cause), /exited/);
  assert.equal(exitedWith, 3);
  assert.equal(logged.length, 1);
  assert.match(logged[0]!.msg, /metadata record at offset 7 does not apply/);
  assert.equal((logged[0]!.obj as { err: unknown }).err, cause);
});

test('the recording handler keeps every fault and returns an exception to throw', () => {
  const handler = new RecordingFaultHandler();
  const e = handler.handleFault('first', 1);
  handler.handleFault('second');
  assert.ok(e instanceof FaultHandlerException);
  assert.equal(e.message, 'first');
  assert.deepEqual(handler.faults.map((f) => f.message), ['first', 'second']);
  assert.equal(handler.firstFault?.cause, 1);
});
