import type { ApiHandler } from '../api-handler.ts';
import { apiVersionsHandler } from './api-versions.ts';
import { metadataHandler } from './metadata.ts';
import { produceHandler } from './produce.ts';
import { fetchHandler } from './fetch.ts';
import { listOffsetsHandler } from './list-offsets.ts';
import { createTopicsHandler } from './create-topics.ts';
import { deleteTopicsHandler } from './delete-topics.ts';
import { createPartitionsHandler } from './create-partitions.ts';
import { deleteRecordsHandler } from './delete-records.ts';
import { describeConfigsHandler } from './describe-configs.ts';
import { alterConfigsHandler } from './alter-configs.ts';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.ts';
import { describeClusterHandler } from './describe-cluster.ts';
import { describeLogDirsHandler } from './describe-log-dirs.ts';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.ts';

/** Every API this broker serves; ApiVersions advertises exactly these, with their version ranges. */
export const ALL_HANDLERS: readonly ApiHandler<any, any>[] = [
  apiVersionsHandler,
  metadataHandler,
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  createPartitionsHandler,
  deleteRecordsHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  incrementalAlterConfigsHandler,
  describeClusterHandler,
  describeLogDirsHandler,
  offsetForLeaderEpochHandler,
];
