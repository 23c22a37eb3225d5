import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { AclPublisher } from '../../../src/server/acl-publisher.ts';
import { StandardAuthorizer } from '../../../src/security/authorizer/standard-authorizer.ts';
import { MetadataDelta } from '../../../src/metadata/metadata-delta.ts';
import { EMPTY_IMAGE, type MetadataImage } from '../../../src/metadata/metadata-image.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as Res } from '../../../src/security/authorizer/acl-codes.ts';
import type { AclBinding } from '../../../src/security/authorizer/acl-binding-filter.ts';
import { replayBatches } from '../metadata/metadata-test-kit.ts';

const READ: AclBinding = { resourceType: Res.TOPIC, resourceName: 'orders', patternType: Pat.LITERAL, principal: 'User:alice', host: '*', operation: Op.READ, permissionType: Perm.ALLOW };

function imageAt(level: number): MetadataImage {
  return replayBatches(EMPTY_IMAGE, [[{ type: 'FeatureLevelRecord', version: 0, data: { name: 'metadata.version', featureLevel: level } }]]);
}

describe('AclPublisher', () => {
  test('follows deltas and reloads everything from a snapshot image', () => {
    const authorizer = new StandardAuthorizer({ superUsers: [], allowEveryoneIfNoAclFound: false }, pino({ level: 'silent' }));
    const publisher = new AclPublisher(authorizer);
    const ctx = { principal: { principalType: 'User', name: 'alice', tokenAuthenticated: false }, clientAddress: '1.2.3.4', requestApiKey: ApiKeys.Fetch };
    const action = { operation: Op.READ, resourceType: Res.TOPIC, resourceName: 'orders' };
    const delta = new MetadataDelta(imageAt(21));
    delta.replay({ type: 'AccessControlEntryRecord', version: 0, data: { id: 'AAAAAAAAAAAAAAAAAAAAAQ', ...READ } }, 10n, 1);
    const first = delta.apply();
    publisher.onMetadataUpdate(first.image, first.changes);
    assert.equal(authorizer.loadingComplete, true);
    assert.equal(authorizer.authorize(ctx, action), 'ALLOWED');
    const removal = new MetadataDelta(first.image);
    removal.replay({ type: 'RemoveAccessControlEntryRecord', version: 0, data: { id: 'AAAAAAAAAAAAAAAAAAAAAQ' } }, 11n, 1);
    const second = removal.apply();
    publisher.onMetadataUpdate(second.image, second.changes);
    assert.equal(authorizer.aclCount, 0);
    // A snapshot holding a different ACL replaces the cache.
    const snap = new MetadataDelta(second.image);
    snap.beginSnapshot();
    snap.replay({ type: 'FeatureLevelRecord', version: 0, data: { name: 'metadata.version', featureLevel: 21 } }, 0n, 0);
    snap.replay({ type: 'AccessControlEntryRecord', version: 0, data: { id: 'AAAAAAAAAAAAAAAAAAAAAg', ...READ, principal: 'User:bob' } }, 0n, 0);
    snap.finishSnapshot(20n, 1);
    const third = snap.apply();
    assert.equal(third.changes.fromSnapshot, true);
    publisher.onMetadataUpdate(third.image, third.changes);
    assert.equal(authorizer.aclCount, 1);
    assert.equal(authorizer.authorize(ctx, action), 'DENIED');
  });
});
