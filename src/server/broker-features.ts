import { METADATA_VERSION_LEVEL } from '../controller/quorum-controller.ts';

/** One supported feature range, as ApiVersions advertises it and BrokerRegistration sends it. */
export interface SupportedFeature {
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * The feature levels this node can run, after Kafka's `BrokerFeatures.supportedFeatures`: metadata.version (the
 * levels our metadata image reads and writes) and kraft.version (KIP-853: 0 static voters, 1 voters in the log;
 * a leader adding a voter checks the new voter's range here) and eligible.leader.replicas.version (KIP-966: 1
 * turns ELR on). ApiVersions advertises them and a broker sends them
 * in its BrokerRegistration, where the controller refuses a broker that cannot run the finalized levels.
 */
export const BrokerFeatures = {
  supportedFeatures(): readonly SupportedFeature[] {
    return SUPPORTED_FEATURES;
  },
} as const;

const SUPPORTED_FEATURES: readonly SupportedFeature[] = [
  { name: 'metadata.version', minVersion: 1, maxVersion: METADATA_VERSION_LEVEL },
  { name: 'kraft.version', minVersion: 0, maxVersion: 1 },
  { name: 'eligible.leader.replicas.version', minVersion: 0, maxVersion: 1 },
];
