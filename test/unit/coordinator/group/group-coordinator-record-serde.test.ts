import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCoordinatorRecordSerde } from '../../../../src/coordinator/group/group-coordinator-record-serde.ts';
import type { CoordinatorRecord } from '../../../../src/coordinator/group/coordinator-record.ts';

const serde = new GroupCoordinatorRecordSerde();

test('OffsetCommit records use key version 1 and the value version they carry, and round-trip', () => {
  const r: CoordinatorRecord = {
    type: 'OffsetCommit', key: { group: 'g', topic: 't', partition: 3 }, valueVersion: 3,
    value: { offset: 42n, leaderEpoch: 5, metadata: 'meta', commitTimestamp: 1700000000000n, expireTimestamp: -1n },
  };
  const { key, value } = serde.serialize(r);
  // int16 version, string group, string topic, int32 partition
  assert.deepEqual(key, Buffer.from([0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 3]));
  assert.equal(value!.readInt16BE(0), 3);
  assert.deepEqual(serde.deserialize(key, value), r);
});

test('tombstones have a null value; GroupMetadata round-trips with members', () => {
  const tomb: CoordinatorRecord = { type: 'GroupMetadata', key: { group: 'g' }, valueVersion: -1, value: null };
  const b = serde.serialize(tomb);
  assert.equal(b.value, null);
  assert.equal(b.key.readInt16BE(0), 2);
  assert.deepEqual(serde.deserialize(b.key, null), tomb);
  const gm: CoordinatorRecord = {
    type: 'GroupMetadata', key: { group: 'g' }, valueVersion: 3,
    value: {
      protocolType: 'consumer', generation: 4, protocol: 'range', leader: 'm1', currentStateTimestamp: 123n,
      members: [{ memberId: 'm1', groupInstanceId: 'i1', clientId: 'c', clientHost: '/1.2.3.4', rebalanceTimeout: 300000, sessionTimeout: 10000, subscription: Buffer.from([1, 2]), assignment: Buffer.from([3]) }],
    },
  };
  const b2 = serde.serialize(gm);
  assert.deepEqual(serde.deserialize(b2.key, b2.value), gm);
});

test('unknown record types (share group records) deserialize to null and are skipped', () => {
  assert.equal(serde.deserialize(Buffer.from([0, 11, 0, 1, 0x67]), null), null);
});

test('a truncated key throws a DecodeError', () => {
  assert.throws(() => serde.deserialize(Buffer.from([0, 1, 0, 5, 0x67]), null), { name: 'DecodeError' });
});
