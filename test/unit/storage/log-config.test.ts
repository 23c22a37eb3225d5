import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LOG_CONFIG, LONG_MAX, isCompacted, isDeleteRetention, logConfig } from '../../../src/storage/log-config.ts';

test("defaults are Kafka's", () => {
  assert.equal(DEFAULT_LOG_CONFIG.segmentBytes, 1073741824);
  assert.equal(DEFAULT_LOG_CONFIG.segmentMs, 604800000);
  assert.equal(DEFAULT_LOG_CONFIG.segmentIndexBytes, 10485760);
  assert.equal(DEFAULT_LOG_CONFIG.indexIntervalBytes, 4096);
  assert.equal(DEFAULT_LOG_CONFIG.retentionMs, 604800000);
  assert.equal(DEFAULT_LOG_CONFIG.retentionBytes, -1);
  assert.equal(DEFAULT_LOG_CONFIG.deleteRetentionMs, 86400000);
  assert.equal(DEFAULT_LOG_CONFIG.minCleanableDirtyRatio, 0.5);
  assert.equal(DEFAULT_LOG_CONFIG.flushMessages, LONG_MAX);
  assert.equal(DEFAULT_LOG_CONFIG.fileDeleteDelayMs, 60000);
  assert.equal(DEFAULT_LOG_CONFIG.maxMessageBytes, 1048588);
  assert.equal(logConfig({ retentionMs: 5 }).retentionMs, 5);
});

test('cleanup.policy as a string or a list', () => {
  assert.deepEqual([isCompacted(logConfig()), isDeleteRetention(logConfig())], [false, true]);
  assert.deepEqual([isCompacted(logConfig({ cleanupPolicy: 'compact' })), isDeleteRetention(logConfig({ cleanupPolicy: 'compact' }))], [true, false]);
  assert.deepEqual([isCompacted(logConfig({ cleanupPolicy: ['compact', 'delete'] })), isDeleteRetention(logConfig({ cleanupPolicy: 'delete,compact' }))], [true, true]);
});
