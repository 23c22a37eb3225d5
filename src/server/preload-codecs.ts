import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { API_MESSAGES } from '../protocol/generated/api-messages.ts';
import type { Logger } from '../observability/logger.ts';

/**
 * The APIs every client calls in its first seconds (bootstrap, produce, consume, groups, idempotence). Their
 * codec modules are compiled ahead of the first request so that no client request pays for it on the event loop.
 */
export const HOT_API_KEYS: readonly number[] = [
  ApiKeys.ApiVersions,
  ApiKeys.Metadata,
  ApiKeys.Produce,
  ApiKeys.Fetch,
  ApiKeys.ListOffsets,
  ApiKeys.FindCoordinator,
  ApiKeys.InitProducerId,
  ApiKeys.JoinGroup,
  ApiKeys.SyncGroup,
  ApiKeys.Heartbeat,
  ApiKeys.OffsetCommit,
  ApiKeys.OffsetFetch,
  ApiKeys.LeaveGroup,
];

/**
 * Loads the request/response codec modules of `apiKeys` in the background, one API per event-loop turn
 * (`setImmediate`), so start-up does not wait for them and requests arriving meanwhile are served between two
 * loads. Each load is a synchronous module compile of 2-10 ms (from Node's compile cache); loading them lazily on
 * the first request of each API put those pauses on the request path instead. Resolves when all are loaded;
 * never rejects (a failed load is logged and left to load lazily on first use, where it fails the request).
 */
export function preloadCodecs(apiKeys: readonly number[], logger: Logger): Promise<void> {
  const pending = [...apiKeys];
  return new Promise<void>((resolve) => {
    const next = (): void => {
      const key = pending.shift();
      if (key === undefined) {
        resolve();
        return;
      }
      try {
        API_MESSAGES.get(key)?.load();
      } catch (err) {
        logger.warn({ err, apiKey: key }, 'Could not preload the codecs of an API');
      }
      setImmediate(next);
    };
    setImmediate(next);
  });
}
