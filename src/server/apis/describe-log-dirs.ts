// DescribeLogDirs (key 35): v0-4
// Behaviour: for each log directory (log.dirs), the hosted partitions of the requested topics (all when null)
// with their size in bytes and offset lag (log end offset minus high watermark), plus the directory's total and
// usable bytes (v4, statfs).
// Version notes: v1 same as v0; v2 flexible; v3 top-level errorCode; v4 totalBytes/usableBytes.
// Authorization (Kafka's KafkaApis): DESCRIBE on the cluster, else CLUSTER_AUTHORIZATION_FAILED (31) top-level (v3+)
// and no log dirs.
import { statfs } from 'node:fs/promises';
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizeCluster } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { DescribeLogDirsRequest } from '../../protocol/generated/messages/describe-log-dirs-request.ts';
import type { DescribeLogDirsResponse, DescribeLogDirsPartition } from '../../protocol/generated/messages/describe-log-dirs-response.ts';
import type { Input } from '../../protocol/message-input.ts';

export const describeLogDirsHandler = defineHandler<DescribeLogDirsRequest, Input<DescribeLogDirsResponse>>({
  apiKey: ApiKeys.DescribeLogDirs,
  minVersion: 0,
  maxVersion: 4,
  async handle(services, request, info) {
    if (!authorizeCluster(services.authorizer, info, AclOperation.DESCRIBE)) return { throttleTimeMs: 0, errorCode: Errors.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    const wanted = request.topics === null ? null : new Map(request.topics.map((t) => [t.topic, new Set(t.partitions)]));
    const results = await Promise.all(services.logManager.logDirs.map(async (dir) => {
      const byTopic = new Map<string, { name: string; partitions: Input<DescribeLogDirsPartition>[] }>();
      for (const p of services.replicaManager.allPartitions()) {
        const { topic, partition } = p.topicPartition;
        if (p.log.dir !== undefined && !p.log.dir.startsWith(dir)) continue;
        if (wanted !== null && !(wanted.get(topic)?.has(partition) ?? false)) continue;
        let t = byTopic.get(topic);
        if (t === undefined) byTopic.set(topic, (t = { name: topic, partitions: [] }));
        t.partitions.push({ partitionIndex: partition, partitionSize: BigInt(p.log.size), offsetLag: p.log.logEndOffset - p.highWatermark, isFutureKey: false });
      }
      let totalBytes = -1n;
      let usableBytes = -1n;
      try {
        const s = await statfs(dir, { bigint: true });
        totalBytes = s.blocks * s.bsize;
        usableBytes = s.bavail * s.bsize;
      } catch {
        // Leave -1 (unknown), as Kafka does when the file store cannot be read.
      }
      return { errorCode: Errors.NONE, logDir: dir, topics: [...byTopic.values()], totalBytes, usableBytes };
    }));
    return { throttleTimeMs: 0, errorCode: Errors.NONE, results };
  },
  // Kafka's DescribeLogDirsRequest.getErrorResponse: the top-level error (v3+; older versions have no field for it).
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, results: [] };
  },
});
