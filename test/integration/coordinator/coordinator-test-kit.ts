// Shared by the coordinator integration tests: whether the broker serves the group APIs yet.
import type { TestContext } from 'node:test';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';

/**
 * Skips the test (with the reason) when the broker does not advertise `apiKey` (default JoinGroup: the
 * GroupCoordinator is not wired into BrokerServer yet; ConsumerGroupHeartbeat: KIP-848 is not enabled).
 * @returns whether the test may go on.
 */
export async function requireGroupApis(t: TestContext, port: number, apiKey: number = ApiKeys.JoinGroup): Promise<boolean> {
  const client = await RawKafkaClient.connect(port);
  try {
    const r = await client.request<{ apiKeys: { apiKey: number }[] }>(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    if (r.apiKeys.some((k) => k.apiKey === apiKey)) return true;
    t.skip(apiKey === ApiKeys.JoinGroup
      ? 'the broker does not serve the group APIs yet (GroupCoordinator not wired into BrokerServer)'
      : `the broker does not advertise api key ${apiKey} (enable group.coordinator.rebalance.protocols=classic,consumer)`);
    return false;
  } finally {
    client.socket.destroy();
  }
}
