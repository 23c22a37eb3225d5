/**
 * This node is not (or no longer) the leader of the epoch an operation needs (Kafka's `NotLeaderException`):
 * thrown by scheduleAppend, and the reason a commit wait fails when leadership is lost first. The controller
 * answers NOT_CONTROLLER.
 */
export class NotLeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotLeaderError';
  }
}
