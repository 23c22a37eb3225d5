// docker/compose.monitoring.yaml is checked without a Docker engine: the files it mounts exist and parse, Prometheus
// scrapes every node of the included cluster at its metrics listener, Grafana is provisioned with that Prometheus
// and the dashboard. (That the dashboard's metric names are the ones a broker exports is checked against a real
// broker's scrape in test/integration/observability/prometheus-metrics.test.ts.)
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const DOCKER = new URL('../../../docker/', import.meta.url).pathname;

interface Service {
  image?: string;
  hostname?: string;
  environment?: Record<string, string | number>;
  volumes?: string[];
  depends_on?: string[];
}

async function yamlOf<T>(file: string): Promise<T> {
  return parse(await readFile(join(DOCKER, file), 'utf8'), { merge: true }) as T;
}

test('compose.monitoring.yaml: Prometheus scrapes every node of the included cluster on its metrics listener; Grafana gets the datasource and the dashboard', async () => {
  const monitoring = await yamlOf<{ include: string[]; services: Record<string, Service>; volumes: Record<string, unknown> }>('compose.monitoring.yaml');
  assert.deepEqual(monitoring.include, ['compose.yaml']);
  const cluster = await yamlOf<{ services: Record<string, Service> }>('compose.yaml');
  const expectedTargets = Object.entries(cluster.services).map(([name, s]) => {
    const listener = String(s.environment?.KAFKA_METRICS_PROMETHEUS_LISTENER ?? '');
    assert.notEqual(listener, '', `${name} serves metrics`);
    return `${s.hostname ?? name}:${listener.slice(listener.lastIndexOf(':') + 1)}`;
  });

  const { prometheus, grafana } = monitoring.services;
  assert.ok(prometheus !== undefined && grafana !== undefined);
  assert.deepEqual([...prometheus.depends_on!].sort(), Object.keys(cluster.services).sort());
  for (const service of [prometheus, grafana]) {
    for (const volume of service.volumes ?? []) {
      const source = volume.slice(0, volume.indexOf(':'));
      if (source.startsWith('./')) await access(join(DOCKER, source));
      else assert.ok(source in monitoring.volumes, `${source} is a named volume`);
    }
  }
  const config = await yamlOf<{ scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[] }>('prometheus/prometheus.yml');
  const job = config.scrape_configs.find((j) => j.job_name === 'kafka');
  assert.ok(job !== undefined);
  assert.equal(job.metrics_path, '/metrics');
  assert.deepEqual(job.static_configs.flatMap((c) => c.targets).sort(), expectedTargets.sort());

  const datasources = await yamlOf<{ datasources: { uid: string; url: string }[] }>('grafana/provisioning/datasources/prometheus.yaml');
  assert.deepEqual(datasources.datasources.map((d) => [d.uid, d.url]), [['prometheus', 'http://prometheus:9090']]);
  const dashboard = JSON.parse(await readFile(join(DOCKER, 'grafana/dashboards/kafka-broker.json'), 'utf8')) as { uid: string; panels: { targets?: { expr: string; datasource: { uid: string } }[] }[] };
  const targets = dashboard.panels.flatMap((p) => p.targets ?? []);
  assert.ok(targets.length > 20);
  for (const t of targets) assert.equal(t.datasource.uid, 'prometheus');
});
