import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogFileUtils } from '../../../src/storage/log-file-utils.ts';

test('segment file names are 20-digit base offsets plus suffixes', () => {
  assert.equal(LogFileUtils.filenamePrefixFromOffset(42), '00000000000000000042');
  assert.equal(LogFileUtils.segmentFile('/d', 7, '.log', '.swap'), '/d/00000000000000000007.log.swap');
  assert.equal(LogFileUtils.offsetFromFileName('00000000000000001234.timeindex'), 1234);
  assert.equal(LogFileUtils.offsetFromFileName('leader-epoch-checkpoint'), -1);
  assert.equal(LogFileUtils.offsetFromFileName('0000000000000000123.log'), -1);
});

test('partition directory names parse at the last dash', () => {
  assert.deepEqual(LogFileUtils.parseTopicPartitionName('my-topic-12'), { topic: 'my-topic', partition: 12 });
  assert.equal(LogFileUtils.parseTopicPartitionName('nodash'), null);
  assert.equal(LogFileUtils.parseTopicPartitionName('t-x'), null);
  assert.equal(LogFileUtils.parseTopicPartitionName('-1'), null);
  assert.equal(LogFileUtils.logDirName({ topic: 'a.b', partition: 3 }), 'a.b-3');
});
