import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_INFO, Errors, type ErrorName } from '../../../../src/protocol/generated/errors.ts';

describe('error table', () => {
  it('holds every code from UNKNOWN_SERVER_ERROR (-1) to INVALID_REGULAR_EXPRESSION (128)', () => {
    for (let code = -1; code <= 128; code++) {
      const info = ERROR_INFO[code];
      assert.ok(info !== undefined, `code ${code}`);
      assert.equal(info.code, code);
      assert.equal(Errors[info.name], code);
      assert.ok(info.message.length > 0);
    }
    assert.equal(Object.keys(Errors).length, 130);
    assert.equal(Errors.INVALID_REGULAR_EXPRESSION, 128);
  });

  it('names and codes match Kafka', () => {
    const expected: [ErrorName, number][] = [
      ['UNKNOWN_SERVER_ERROR', -1],
      ['NONE', 0],
      ['OFFSET_OUT_OF_RANGE', 1],
      ['UNKNOWN_TOPIC_OR_PARTITION', 3],
      ['NOT_LEADER_OR_FOLLOWER', 6],
      ['COORDINATOR_NOT_AVAILABLE', 15],
      ['NOT_COORDINATOR', 16],
      ['ILLEGAL_GENERATION', 22],
      ['UNKNOWN_MEMBER_ID', 25],
      ['REBALANCE_IN_PROGRESS', 27],
      ['UNSUPPORTED_VERSION', 35],
      ['TOPIC_ALREADY_EXISTS', 36],
      ['INVALID_REQUEST', 42],
      ['OUT_OF_ORDER_SEQUENCE_NUMBER', 45],
      ['KAFKA_STORAGE_ERROR', 56],
      ['MEMBER_ID_REQUIRED', 79],
      ['UNKNOWN_TOPIC_ID', 100],
      ['TRANSACTION_ABORTABLE', 120],
    ];
    for (const [name, code] of expected) assert.equal(Errors[name], code, name);
  });

  it('retriable is set exactly where Kafka\'s exception is a RetriableException', () => {
    const retriable = Object.values(ERROR_INFO)
      .filter((e) => e.retriable)
      .map((e) => e.name)
      .sort();
    assert.deepEqual(retriable, [
      'CONCURRENT_TRANSACTIONS',
      'COORDINATOR_LOAD_IN_PROGRESS',
      'COORDINATOR_NOT_AVAILABLE',
      'CORRUPT_MESSAGE',
      'ELECTION_NOT_NEEDED',
      'ELIGIBLE_LEADERS_NOT_AVAILABLE',
      'FENCED_LEADER_EPOCH',
      'FETCH_SESSION_ID_NOT_FOUND',
      'FETCH_SESSION_TOPIC_ID_ERROR',
      'INCONSISTENT_TOPIC_ID',
      'INVALID_FETCH_SESSION_EPOCH',
      'INVALID_SHARE_SESSION_EPOCH',
      'KAFKA_STORAGE_ERROR',
      'LEADER_NOT_AVAILABLE',
      'LISTENER_NOT_FOUND',
      'NETWORK_EXCEPTION',
      'NOT_CONTROLLER',
      'NOT_COORDINATOR',
      'NOT_ENOUGH_REPLICAS',
      'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
      'NOT_LEADER_OR_FOLLOWER',
      'OFFSET_NOT_AVAILABLE',
      'PREFERRED_LEADER_NOT_AVAILABLE',
      'REPLICA_NOT_AVAILABLE',
      'REQUEST_TIMED_OUT',
      'SHARE_SESSION_NOT_FOUND',
      'THROTTLING_QUOTA_EXCEEDED',
      'UNKNOWN_LEADER_EPOCH',
      'UNKNOWN_TOPIC_ID',
      'UNKNOWN_TOPIC_OR_PARTITION',
      'UNSTABLE_OFFSET_COMMIT',
    ]);
  });
});
