import { ApiError } from '../../../common/api-error.ts';
import { Errors } from '../../../protocol/generated/errors.ts';
import type { Input } from '../../../protocol/message-input.ts';
import type { ListedGroup } from '../../../protocol/generated/messages/list-groups-response.ts';
import type { CoordinatorRecord } from '../coordinator-record.ts';
import type { Group, OffsetExpirationBase } from '../group.ts';

/** Placeholder: a KIP-848 consumer group (being written). */
export class ConsumerGroup implements Group {
  readonly type = 'consumer' as const;
  readonly groupId: string;

  constructor(groupId: string) {
    this.groupId = groupId;
  }

  stateAsString(): string {
    return 'Empty';
  }

  isEmpty(): boolean {
    return true;
  }

  isInStates(states: ReadonlySet<string>): boolean {
    return states.has('empty');
  }

  validateOffsetCommit(): void {
    throw new ApiError(Errors.UNKNOWN_MEMBER_ID, 'not implemented');
  }

  validateOffsetFetch(): void {}

  validateOffsetDelete(): void {}

  validateDeleteGroup(): void {}

  isSubscribedToTopic(): boolean {
    return false;
  }

  offsetExpirationCondition(): OffsetExpirationBase | null {
    return (o) => o.commitTimestampMs;
  }

  createGroupTombstoneRecords(_records: CoordinatorRecord[]): void {}

  asListedGroup(): Input<ListedGroup> {
    return { groupId: this.groupId, protocolType: 'consumer', groupState: 'Empty', groupType: 'consumer' };
  }
}
