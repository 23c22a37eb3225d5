// The containers' health check, exit 0 when healthy, 1 otherwise:
// - with an http:// URL, the node's /readyz on its metrics listener (metrics.prometheus.listener) answers 200:
//   listeners serving, metadata caught up, broker unfenced (a 503 prints the node's reason);
//     node docker/healthcheck.ts http://localhost:9404/readyz
// - without an argument (the image's HEALTHCHECK), the /readyz of the metrics listener named by
//   KAFKA_METRICS_PROMETHEUS_LISTENER (its port on localhost), or ApiVersions on localhost:9092 when it is unset;
// - with host:port, the node answers ApiVersions there (a broker listener, or the controller listener of a
//   controller-only node), through the broker's own client: a process that accepts connections but cannot serve
//   requests is unhealthy.
//     node docker/healthcheck.ts localhost:19092
import { pino } from 'pino';
import { NetworkClient } from '../src/network/network-client.ts';
import { ApiKeys } from '../src/protocol/generated/api-keys.ts';
import { Errors } from '../src/protocol/generated/errors.ts';

/** The check of the image's HEALTHCHECK, which passes no argument. */
function defaultTarget(): string {
  const metrics = process.env.KAFKA_METRICS_PROMETHEUS_LISTENER ?? '';
  return metrics === '' ? 'localhost:9092' : `http://localhost:${metrics.slice(metrics.lastIndexOf(':') + 1)}/readyz`;
}

const target = process.argv[2] ?? defaultTarget();
if (target.startsWith('http://')) {
  try {
    const res = await fetch(target, { signal: AbortSignal.timeout(3000) });
    if (res.status !== 200) process.stderr.write(`not ready: ${res.status} ${await res.text()}\n`);
    process.exit(res.status === 200 ? 0 : 1);
  } catch (e) {
    process.stderr.write(`unhealthy: ${String(e)}\n`);
    process.exit(1);
  }
}
const colon = target.lastIndexOf(':');
const host = target.slice(0, colon);
const port = Number(target.slice(colon + 1));
const client = new NetworkClient({ clientId: 'healthcheck', requestTimeoutMs: 3000, logger: pino({ level: 'silent' }) });
try {
  const response = await client.send<{ errorCode: number }>({ nodeId: -1, host, port }, ApiKeys.ApiVersions, {}, { clientSoftwareName: 'kafka-broker-healthcheck', clientSoftwareVersion: '1' });
  process.exitCode = response.body.errorCode === Errors.NONE ? 0 : 1;
} catch (e) {
  process.stderr.write(`unhealthy: ${String(e)}\n`);
  process.exitCode = 1;
} finally {
  client.close();
}
