/**
 * The states of a transactional id, Kafka's `TransactionState` (ids are the `TransactionStatus` int8 of
 * TransactionLogValue; names are what DescribeTransactions / ListTransactions report):
 *
 * | state             | id | entered from                         | entered when                                     |
 * |-------------------|----|--------------------------------------|--------------------------------------------------|
 * | Empty             | 0  | Empty, CompleteCommit, CompleteAbort | InitProducerId (new id, or epoch bump)           |
 * | Ongoing           | 1  | Ongoing, Empty, Complete*            | AddPartitionsToTxn / AddOffsetsToTxn             |
 * | PrepareCommit     | 2  | Ongoing                              | EndTxn(commit) was written                       |
 * | PrepareAbort      | 3  | Ongoing, PrepareEpochFence           | EndTxn(abort), a fencing InitProducerId, timeout |
 * | CompleteCommit    | 4  | PrepareCommit                        | COMMIT markers written to every partition        |
 * | CompleteAbort     | 5  | PrepareAbort                         | ABORT markers written to every partition         |
 * | Dead              | 6  | Empty, CompleteCommit, CompleteAbort | the id expired (transactional.id.expiration.ms)  |
 * | PrepareEpochFence | 7  | Ongoing                              | transient: a producer is being fenced            |
 */
export const TransactionState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;

export type TransactionStateName = keyof typeof TransactionState;
export type TransactionStateId = (typeof TransactionState)[TransactionStateName];

const NAMES: readonly TransactionStateName[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

const VALID_PREVIOUS_STATES: Record<TransactionStateName, readonly TransactionStateName[]> = {
  Empty: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  Ongoing: ['Ongoing', 'Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareCommit: ['Ongoing'],
  PrepareAbort: ['Ongoing', 'PrepareEpochFence'],
  CompleteCommit: ['PrepareCommit'],
  CompleteAbort: ['PrepareAbort'],
  Dead: ['Empty', 'CompleteAbort', 'CompleteCommit'],
  PrepareEpochFence: ['Ongoing'],
};

/** The state with TransactionStatus id `id`. @throws Error for an unknown id (a corrupt or newer log). */
export function transactionStateFromId(id: number): TransactionStateName {
  const name = NAMES[id];
  if (name === undefined) throw new Error(`Unknown transaction state id ${id} in a transaction log value`);
  return name;
}

/** The state named `name` (DescribeTransactions / ListTransactions filters), or undefined. */
export function transactionStateFromName(name: string): TransactionStateName | undefined {
  return (NAMES as readonly string[]).includes(name) ? (name as TransactionStateName) : undefined;
}

/** Whether `to` may follow `from` (Kafka's `validPreviousStates`). */
export function isValidTransition(from: TransactionStateName, to: TransactionStateName): boolean {
  return VALID_PREVIOUS_STATES[to].includes(from);
}

/** Whether a transactional id in this state may expire (no transaction in flight). */
export function isExpirationAllowed(state: TransactionStateName): boolean {
  return state === 'Empty' || state === 'CompleteCommit' || state === 'CompleteAbort';
}
