import type { OffsetAndEpoch } from './offset-and-epoch.ts';

/**
 * What a leader finds when it checks a follower's fetch position `(fetchOffset, lastFetchedEpoch)` against its
 * own log (Kafka's `ValidOffsetAndEpoch`):
 * - `VALID`: the follower's log matches ours up to fetchOffset; read from there.
 * - `DIVERGING`: the follower's last epoch ends elsewhere in our log; `offsetAndEpoch` is the largest epoch <= its
 *   last fetched epoch and where that epoch ends with us. The follower truncates and fetches again (KIP-595).
 * - `SNAPSHOT`: fetchOffset is below our log start; `offsetAndEpoch` is the snapshot id to fetch (KIP-630).
 */
export interface ValidOffsetAndEpoch {
  readonly kind: 'VALID' | 'DIVERGING' | 'SNAPSHOT';
  readonly offsetAndEpoch: OffsetAndEpoch;
}
