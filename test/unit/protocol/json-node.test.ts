import assert from 'node:assert/strict';
import { test } from 'node:test';
import { javaDoubleText, JsonDouble, jsonText } from '../../../src/protocol/json-node.ts';
import { clientQuotaRecordToJson } from '../../../src/protocol/generated/records/client-quota-record.ts';
import { partitionChangeRecordToJson } from '../../../src/protocol/generated/records/partition-change-record.ts';

test("doubles are written as Java's Double.toString writes them", () => {
  const cases: [number, string][] = [[0, '0.0'], [-0, '-0.0'], [1, '1.0'], [1024.5, '1024.5'], [0.001, '0.001'], [1e-4, '1.0E-4'], [1e7, '1.0E7'], [12345678.9, '1.23456789E7'], [-2.5e-10, '-2.5E-10'], [Number.NaN, 'NaN'], [Number.POSITIVE_INFINITY, 'Infinity']];
  for (const [d, text] of cases) assert.equal(javaDoubleText(d), text, String(d));
});

test('JSON text is compact, keeps key order and int64 exact, and escapes as Jackson', () => {
  assert.equal(jsonText({ b: 1, a: [true, null], big: 2n ** 63n - 1n, d: new JsonDouble(2), s: 'q"\\\n\u0001é' }), '{"b":1,"a":[true,null],"big":9223372036854775807,"d":2.0,"s":"q\\"\\\\\\n\\u0001é"}');
});

test('generated writers leave out tagged fields at their default and fields the version lacks', () => {
  const base = { partitionId: 3, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', isr: null, leader: -2, replicas: null, removingReplicas: null, addingReplicas: null, leaderRecoveryState: -1, directories: null, eligibleLeaderReplicas: [1], lastKnownElr: null };
  assert.equal(jsonText(partitionChangeRecordToJson({ ...base, leader: 2 }, 0)), '{"partitionId":3,"topicId":"AAAAAAAAAAAAAAAAAAAAAQ","leader":2}');
  assert.equal(jsonText(partitionChangeRecordToJson(base, 2)), '{"partitionId":3,"topicId":"AAAAAAAAAAAAAAAAAAAAAQ","eligibleLeaderReplicas":[1]}');
  const quota = clientQuotaRecordToJson({ entity: [{ entityType: 'user', entityName: null }], key: 'producer_byte_rate', value: 1024, remove: false }, 0);
  assert.equal(jsonText(quota), '{"entity":[{"entityType":"user","entityName":null}],"key":"producer_byte_rate","value":1024.0,"remove":false}');
});
