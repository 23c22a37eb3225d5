// Shared by the coordinator integration tests: whether the broker serves the group APIs yet.
import type { TestContext } from 'node:test';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';

/**
 * Skips the test (with the reason) when the broker does not advertise JoinGroup, i.e. the GroupCoordinator is
 * not wired into BrokerServer yet. @returns whether the test may go on.
 */
export async function requireGroupApis(t: TestContext, port: number): Promise<boolean> {
  const client = await RawKafkaClient.connect(port);
  try {
    const r = await client.request<{ apiKeys: { apiKey: number }[] }>(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    if (r.apiKeys.some((k) => k.apiKey === ApiKeys.JoinGroup)) return true;
    t.skip('the broker does not serve the group APIs yet (GroupCoordinator not wired into BrokerServer)');
    return false;
  } finally {
    client.socket.destroy();
  }
}
