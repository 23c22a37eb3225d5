import { ApiError } from '../../../common/api-error.ts';
import type { Result } from '../group-manager-context.ts';
import type { ConsumerGroupHeartbeatResponse } from '../../../protocol/generated/messages/consumer-group-heartbeat-response.ts';
import type { DescribedGroup as ConsumerDescribedGroup } from '../../../protocol/generated/messages/consumer-group-describe-response.ts';
import { Errors } from '../../../protocol/generated/errors.ts';
import type { Input } from '../../../protocol/message-input.ts';
import type { DescribedGroup } from '../../../protocol/generated/messages/describe-groups-response.ts';
import type { GroupManagerContext } from '../group-manager-context.ts';
import type { ConsumerGroup } from './consumer-group.ts';
import type { CoordinatorRecord } from '../coordinator-record.ts';

/** Placeholder: the KIP-848 consumer group protocol (being written). */
export class ConsumerGroupManager {
  readonly #ctx: GroupManagerContext;

  constructor(ctx: GroupManagerContext) {
    this.#ctx = ctx;
  }

  forgetGroup(_group: ConsumerGroup): void {
    void this.#ctx;
  }

  onLoaded(_group: ConsumerGroup): void {}

  replay(_record: CoordinatorRecord): void {}

  onNewMetadataImage(_image: unknown): void {}

  heartbeat(_context: unknown, _request: unknown): Result<Input<ConsumerGroupHeartbeatResponse>> {
    throw new ApiError(Errors.UNSUPPORTED_VERSION, 'not implemented');
  }

  describe(ids: string[]): Input<ConsumerDescribedGroup>[] {
    return ids.map((groupId) => ({ groupId, errorCode: Errors.GROUP_ID_NOT_FOUND }));
  }

  describeAsClassic(group: ConsumerGroup): Input<DescribedGroup> {
    return { groupId: group.groupId, errorCode: Errors.GROUP_ID_NOT_FOUND };
  }
}
