// ClientQuotaControlManager: Kafka's AlterClientQuotas validation (entity, key, value) and the ClientQuotaRecords a
// valid alteration becomes, replayed into an image to check that only real changes are written.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientQuotaControlManager, type ClientQuotaAlteration } from '../../../src/controller/client-quota-control-manager.ts';
import { EMPTY_IMAGE, clientQuotaEntityKey, type MetadataImage } from '../../../src/metadata/metadata-image.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { replayBatches } from '../metadata/metadata-test-kit.ts';

const manager = new ClientQuotaControlManager();
const APP = [{ entityType: 'client-id', entityName: 'app' }];
const ALICE_DEFAULT_CLIENT = [{ entityType: 'user', entityName: 'alice' }, { entityType: 'client-id', entityName: null }];

function alter(image: MetadataImage, alterations: ClientQuotaAlteration[]) {
  const { records, results } = manager.alterClientQuotas(image, alterations);
  return { image: records.length === 0 ? image : replayBatches(image, [records]), results, records };
}

describe('ClientQuotaControlManager.alterClientQuotas', () => {
  const invalid: [string, ClientQuotaAlteration, RegExp][] = [
    ['an empty entity', { entity: [], ops: [{ key: 'producer_byte_rate', value: 1 }] }, /^Invalid empty client quota entity$/],
    ['a type given twice', { entity: [...APP, { entityType: 'client-id', entityName: 'x' }], ops: [] }, /duplicate entity entry client-id/],
    ['an unknown type', { entity: [{ entityType: 'group', entityName: 'g' }], ops: [] }, /^Unhandled client quota entity type: group$/],
    ['an empty name', { entity: [{ entityType: 'user', entityName: '' }], ops: [] }, /^Empty user not supported$/],
    ['an ip entity (not enforced here)', { entity: [{ entityType: 'ip', entityName: '10.0.0.1' }], ops: [] }, /IP quotas .* not enforced/],
    ['an unknown key', { entity: APP, ops: [{ key: 'connection_creation_rate', value: 1 }] }, /^Invalid configuration key connection_creation_rate$/],
    ['a key given twice', { entity: APP, ops: [{ key: 'producer_byte_rate', value: 1 }, { key: 'producer_byte_rate', value: null }] }, /Duplicate quota key producer_byte_rate/],
    ['zero', { entity: APP, ops: [{ key: 'consumer_byte_rate', value: 0 }] }, /^Quota consumer_byte_rate must be greater than 0$/],
    ['NaN', { entity: APP, ops: [{ key: 'request_percentage', value: Number.NaN }] }, /^Quota request_percentage must be a finite number$/],
    ['a fractional byte rate', { entity: APP, ops: [{ key: 'producer_byte_rate', value: 1.5 }] }, /^producer_byte_rate cannot be a fractional value\.$/],
    ['a byte rate beyond a LONG', { entity: APP, ops: [{ key: 'producer_byte_rate', value: 1e19 }] }, /too large for a LONG/],
    ['a negative controller_mutation_rate', { entity: APP, ops: [{ key: 'controller_mutation_rate', value: -5 }] }, /^Quota controller_mutation_rate must be greater than 0$/],
  ];
  for (const [what, alteration, message] of invalid) {
    test(`INVALID_REQUEST for ${what}, nothing written`, () => {
      const { results, records } = alter(EMPTY_IMAGE, [alteration]);
      assert.equal(results[0]!.errorCode, Errors.INVALID_REQUEST);
      assert.match(results[0]!.errorMessage!, message);
      assert.deepEqual(records, []);
    });
  }

  test('valid entities are written even when another entry of the request fails; results stay in request order', () => {
    const { image, results } = alter(EMPTY_IMAGE, [
      { entity: APP, ops: [{ key: 'producer_byte_rate', value: 1_048_576 }, { key: 'request_percentage', value: 12.5 }] },
      { entity: [], ops: [] },
      { entity: ALICE_DEFAULT_CLIENT, ops: [{ key: 'consumer_byte_rate', value: 2048 }] },
    ]);
    assert.deepEqual(results.map((r) => r.errorCode), [Errors.NONE, Errors.INVALID_REQUEST, Errors.NONE]);
    assert.deepEqual(Object.fromEntries(image.clientQuotas.get(clientQuotaEntityKey(APP))!), { producer_byte_rate: 1_048_576, request_percentage: 12.5 });
    assert.deepEqual(Object.fromEntries(image.clientQuotas.get(clientQuotaEntityKey(ALICE_DEFAULT_CLIENT))!), { consumer_byte_rate: 2048 });
  });

  test('an entity given twice in one request fails both times', () => {
    const { results, records } = alter(EMPTY_IMAGE, [
      { entity: APP, ops: [{ key: 'producer_byte_rate', value: 1 }] },
      { entity: APP, ops: [{ key: 'consumer_byte_rate', value: 1 }] },
    ]);
    assert.deepEqual(results.map((r) => r.errorCode), [Errors.INVALID_REQUEST, Errors.INVALID_REQUEST]);
    assert.deepEqual(records, []);
  });

  test('only changes are written: an unchanged value or the removal of an unset key writes nothing', () => {
    const first = alter(EMPTY_IMAGE, [{ entity: APP, ops: [{ key: 'producer_byte_rate', value: 100 }] }]);
    const again = alter(first.image, [{ entity: APP, ops: [{ key: 'producer_byte_rate', value: 100 }, { key: 'consumer_byte_rate', value: null }] }]);
    assert.equal(again.results[0]!.errorCode, Errors.NONE);
    assert.deepEqual(again.records, []);
    const removed = alter(first.image, [{ entity: APP, ops: [{ key: 'producer_byte_rate', value: null }] }]);
    assert.deepEqual(removed.records.map((r) => r.data), [{ entity: APP, key: 'producer_byte_rate', value: 0, remove: true }]);
    assert.equal(removed.image.clientQuotas.get(clientQuotaEntityKey(APP))?.size ?? 0, 0);
  });
});
