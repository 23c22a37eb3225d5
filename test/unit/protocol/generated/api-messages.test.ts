import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Reader } from '../../../../src/protocol/reader.ts';
import { Writer } from '../../../../src/protocol/writer.ts';
import { API_KEY_NAMES, ApiKeys } from '../../../../src/protocol/generated/api-keys.ts';
import {
  API_MESSAGES,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../../../src/protocol/generated/api-messages.ts';
import { ProduceRequestMeta } from '../../../../src/protocol/generated/messages/produce-request.ts';

describe('API registry', () => {
  it('lists every API key of the definitions with its name', () => {
    assert.equal(API_MESSAGES.size, 88);
    assert.equal(ApiKeys.Produce, 0);
    assert.equal(ApiKeys.Fetch, 1);
    assert.equal(ApiKeys.ApiVersions, 18);
    assert.equal(ApiKeys.DescribeTopicPartitions, 75);
    assert.equal(API_KEY_NAMES[18], 'ApiVersions');
    for (const [key, api] of API_MESSAGES) {
      assert.equal(api.apiKey, key);
      assert.equal(API_KEY_NAMES[key], api.name);
      assert.equal(ApiKeys[api.name as keyof typeof ApiKeys], key);
    }
  });

  it('carries versions, flexibility and listeners from the definitions', () => {
    const produce = API_MESSAGES.get(ApiKeys.Produce)!;
    assert.equal(produce.minVersion, ProduceRequestMeta.minVersion);
    assert.equal(produce.maxVersion, 11);
    assert.equal(produce.flexibleFrom, 9);
    assert.deepEqual(produce.listeners, ['zkBroker', 'broker']);
    assert.equal(API_MESSAGES.get(ApiKeys.SaslHandshake)!.flexibleFrom, -1);
    assert.deepEqual(API_MESSAGES.get(ApiKeys.Vote)!.listeners, ['controller']);
    assert.equal(API_MESSAGES.get(ApiKeys.ShareFetch)!.latestVersionUnstable, true);
  });

  it('exposes working request and response codecs', () => {
    const api = API_MESSAGES.get(ApiKeys.ApiVersions)!;
    const w = new Writer();
    api.encodeResponse(w, 3, { apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 11 }] });
    const bytes = w.toBuffer();
    assert.equal(api.sizeResponse(3, { apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 11 }] }), bytes.length);
    assert.deepEqual((api.decodeResponse(new Reader(bytes), 3) as { apiKeys: unknown }).apiKeys, [
      { apiKey: 0, minVersion: 3, maxVersion: 11 },
    ]);
  });

  it('request header version: 2 if flexible, else 1; 0 only for ControlledShutdown v0', () => {
    assert.equal(requestHeaderVersion(ApiKeys.Produce, 8), 1);
    assert.equal(requestHeaderVersion(ApiKeys.Produce, 9), 2);
    assert.equal(requestHeaderVersion(ApiKeys.ApiVersions, 3), 2);
    assert.equal(requestHeaderVersion(ApiKeys.ApiVersions, 99), 2, 'versions above the max follow "3+"');
    assert.equal(requestHeaderVersion(ApiKeys.SaslHandshake, 1), 1);
    assert.equal(requestHeaderVersion(ApiKeys.ControlledShutdown, 0), 0);
    assert.equal(requestHeaderVersion(ApiKeys.ControlledShutdown, 1), 1);
    assert.throws(() => requestHeaderVersion(1000, 0), RangeError);
  });

  it('response header version: 1 if flexible, else 0; ApiVersions always 0 (KIP-511)', () => {
    assert.equal(responseHeaderVersion(ApiKeys.Metadata, 8), 0);
    assert.equal(responseHeaderVersion(ApiKeys.Metadata, 9), 1);
    assert.equal(responseHeaderVersion(ApiKeys.ApiVersions, 3), 0);
    assert.equal(responseHeaderVersion(ApiKeys.ApiVersions, 4), 0);
    assert.equal(responseHeaderVersion(ApiKeys.Fetch, 12), 1);
    assert.throws(() => responseHeaderVersion(-1, 0), RangeError);
  });
});
