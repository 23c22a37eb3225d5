import type { ApiVersionsResponse } from '../protocol/generated/messages/api-versions-response.ts';
import { UnsupportedVersionError, type VersionBounds } from './network-client-errors.ts';

/**
 * The API versions one node advertised in its ApiVersions response, after Kafka's `NodeApiVersions`, and the
 * choice of a version for a request: the newest that the caller's range, and the node's range, both allow
 * ({@link latestUsableVersion}). The caller's range is already cut down to this client's codecs by the
 * NetworkClient. The full response stays available for its features (`finalizedFeatures` carries
 * metadata.version, `kraft.version`...).
 */
export class NodeApiVersions {
  readonly response: ApiVersionsResponse;
  readonly #ranges = new Map<number, VersionBounds>();

  constructor(response: ApiVersionsResponse) {
    this.response = response;
    for (const k of response.apiKeys) this.#ranges.set(k.apiKey, { min: k.minVersion, max: k.maxVersion });
  }

  /** The range the node advertised for `apiKey`, or undefined when it did not list the API. */
  apiVersion(apiKey: number): VersionBounds | undefined {
    return this.#ranges.get(apiKey);
  }

  /**
   * The newest version in [oldestAllowed, latestAllowed] that the node supports.
   * @throws UnsupportedVersionError when the node does not list the API or the ranges do not meet.
   */
  latestUsableVersion(apiKey: number, oldestAllowed: number, latestAllowed: number): number {
    const requested = { min: oldestAllowed, max: latestAllowed };
    const supported = this.#ranges.get(apiKey);
    if (supported === undefined) {
      throw new UnsupportedVersionError(apiKey, requested, null, `The node does not support API key ${apiKey}`);
    }
    const min = Math.max(oldestAllowed, supported.min);
    const max = Math.min(latestAllowed, supported.max);
    if (min > max) {
      throw new UnsupportedVersionError(
        apiKey,
        requested,
        supported,
        `The node does not support API key ${apiKey} with version in range [${oldestAllowed},${latestAllowed}]. ` +
          `The supported range is [${supported.min},${supported.max}].`,
      );
    }
    return max;
  }
}
