import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../src/common/api-error.ts';
import {
  CorruptRecordError,
  InvalidRecordError,
  KafkaStorageError,
  OffsetOutOfRangeError,
  RecordBatchTooLargeError,
  RecordTooLargeError,
  UnexpectedAppendOffsetError,
} from '../../../src/storage/errors.ts';

test("storage errors are ApiErrors carrying Kafka's error codes", () => {
  const cases: [ApiError, number][] = [
    [new OffsetOutOfRangeError('x'), 1],
    [new CorruptRecordError('x'), 2],
    [new RecordTooLargeError('x'), 10],
    [new RecordBatchTooLargeError('x'), 18],
    [new KafkaStorageError('x'), 56],
    [new InvalidRecordError('x'), 87],
    [new UnexpectedAppendOffsetError('x', 1n, 2n), -1],
  ];
  for (const [e, code] of cases) {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, code, e.name);
  }
});
