import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeApiVersions } from '../../../src/network/node-api-versions.ts';
import { UnsupportedVersionError } from '../../../src/network/network-client-errors.ts';
import type { ApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions-response.ts';

const response: ApiVersionsResponse = {
  errorCode: 0,
  apiKeys: [
    { apiKey: 3, minVersion: 0, maxVersion: 9 },
    { apiKey: 52, minVersion: 1, maxVersion: 2 },
  ],
  throttleTimeMs: 0,
  supportedFeatures: [],
  finalizedFeaturesEpoch: -1n,
  finalizedFeatures: [],
  zkMigrationReady: false,
};

test('the newest version in both ranges is chosen', () => {
  const v = new NodeApiVersions(response);
  assert.equal(v.latestUsableVersion(3, 0, 12), 9);
  assert.equal(v.latestUsableVersion(3, 4, 6), 6);
  assert.equal(v.latestUsableVersion(52, 0, 2), 2);
  assert.deepEqual(v.apiVersion(52), { min: 1, max: 2 });
  assert.equal(v.apiVersion(1), undefined);
});

test('disjoint ranges and unlisted APIs are UnsupportedVersionError with both ranges', () => {
  const v = new NodeApiVersions(response);
  assert.throws(() => v.latestUsableVersion(3, 10, 12), (e: unknown) => {
    assert.ok(e instanceof UnsupportedVersionError);
    assert.deepEqual(e.requested, { min: 10, max: 12 });
    assert.deepEqual(e.supported, { min: 0, max: 9 });
    assert.match(e.message, /range \[10,12\]\. The supported range is \[0,9\]/);
    return true;
  });
  assert.throws(() => v.latestUsableVersion(52, 0, 0), UnsupportedVersionError);
  assert.throws(() => v.latestUsableVersion(1, 0, 17), (e: unknown) => e instanceof UnsupportedVersionError && e.supported === null);
});
