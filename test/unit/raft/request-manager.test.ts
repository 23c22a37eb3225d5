import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../../src/common/random.ts';
import { RequestManager } from '../../../src/raft/request-manager.ts';

const n1 = { id: 1, host: 'h1', port: 1 };
const n2 = { id: 2, host: 'h2', port: 2 };

test('one request per destination until its response, its timeout, or the backoff after a failure', () => {
  const rm = new RequestManager([n1, n2], 20, 2000, new SeededRandom(1));
  assert.equal(rm.isReady(n1, 0), true);
  rm.onRequestSent(n1, 7, 0);
  assert.equal(rm.isReady(n1, 100), false);
  assert.equal(rm.remainingRequestTimeMs(n1, 100), 1900);
  assert.equal(rm.isResponseExpected(n1, 6), false);
  assert.equal(rm.isResponseExpected(n1, 7), true);
  rm.onResponseResult(n1, 7, false, 150);
  assert.equal(rm.isBackingOff(n1, 160), true);
  assert.equal(rm.remainingBackoffMs(n1, 160), 10);
  assert.equal(rm.isReady(n1, 170), true);
  rm.onRequestSent(n1, 8, 200);
  assert.equal(rm.hasRequestTimedOut(n1, 2199), false);
  assert.equal(rm.hasRequestTimedOut(n1, 2200), true);
  assert.equal(rm.isReady(n1, 2200), true);
});

test('no bootstrap server is picked while a request is in flight', () => {
  const rm = new RequestManager([n1, n2], 20, 2000, new SeededRandom(1));
  const first = rm.findReadyBootstrapServer(0)!;
  rm.onRequestSent(first, 1, 0);
  assert.equal(rm.findReadyBootstrapServer(10), undefined);
  assert.equal(rm.backoffBeforeAvailableBootstrapServer(10), 1990);
  rm.onResponseResult(first, 1, true, 20);
  assert.notEqual(rm.findReadyBootstrapServer(20), undefined);
});
