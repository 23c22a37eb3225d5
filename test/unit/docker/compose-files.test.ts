// The docker-compose topologies are checked without a Docker engine (none runs on these machines): every file
// parses, every service's environment (with the image's own ENV) is a configuration a node starts with, and the
// services agree with each other (one cluster id, distinct node ids, the quorum's voters are the controller
// services at their controller listener, advertised addresses resolve to the services or to published ports,
// health checks probe a listener the node has, data on named volumes).
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/cli/main.ts';
import { checkClusterId } from '../../../src/config/cluster-id.ts';
import type { KafkaConfig } from '../../../src/config/kafka-config.ts';
import { startRefusals } from '../../../src/server/start-refusals.ts';

const DOCKER = new URL('../../../docker/', import.meta.url).pathname;

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  hostname?: string;
  ports?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test: string[] };
  restart?: string;
  stop_grace_period?: string;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
}

interface ComposeFile {
  include?: string[];
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** ENV lines of the image's Dockerfile (the variables every container starts with). */
async function imageEnv(): Promise<Record<string, string>> {
  const text = await readFile(join(DOCKER, 'Dockerfile'), 'utf8');
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)) {
    for (const pair of m[1]!.replaceAll('\\\n', ' ').trim().split(/\s+/)) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

/** One compose file with the services and volumes of the files it `include`s merged in, as Compose does. */
async function readCompose(name: string): Promise<ComposeFile> {
  const compose = parse(await readFile(join(DOCKER, name), 'utf8'), { merge: true }) as ComposeFile;
  for (const included of compose.include ?? []) {
    const other = await readCompose(included);
    for (const serviceName of Object.keys(other.services)) assert.ok(!(serviceName in compose.services), `${name} redefines ${serviceName} of ${included}`);
    compose.services = { ...other.services, ...compose.services };
    compose.volumes = { ...other.volumes, ...compose.volumes };
  }
  return compose;
}

async function composeFiles(): Promise<{ name: string; compose: ComposeFile }[]> {
  const names = (await readdir(DOCKER)).filter((f) => /^compose(\..+)?\.ya?ml$/.test(f)).sort();
  return Promise.all(names.map(async (name) => ({ name, compose: await readCompose(name) })));
}

/** The services that run the project's image (the others are tools beside the cluster: Prometheus, Grafana). */
function nodeServices(compose: ComposeFile): Record<string, ComposeService> {
  return Object.fromEntries(Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('kafka-broker:') === true));
}

/** The node configuration of a service: the image's ENV, then the service's environment, as the CLI reads them. */
async function serviceConfig(service: ComposeService, baseEnv: Record<string, string>): Promise<KafkaConfig> {
  const env = { ...baseEnv, ...Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)])) };
  return (await loadConfig(undefined, {}, env)).config;
}

test('every compose file parses and every service is a node configuration that starts, with its data on a named volume', async () => {
  const files = await composeFiles();
  assert.ok(files.map((f) => f.name).includes('compose.yaml'), 'the three-node combined cluster');
  assert.ok(files.map((f) => f.name).includes('compose.split.yaml'), 'controllers and brokers apart');
  const baseEnv = await imageEnv();
  assert.equal(baseEnv.KAFKA_LOG_DIRS, '/var/lib/kafka/data');
  for (const { name, compose } of files) {
    for (const [serviceName, service] of Object.entries(compose.services)) {
      const where = `${name} ${serviceName}`;
      if (!(serviceName in nodeServices(compose))) {
        assert.match(service.image ?? '', /^[a-z0-9./-]+:v?\d+\.\d+\.\d+$/, `${where}: a tool's image is pinned to a release`);
        continue;
      }
      const config = await serviceConfig(service, baseEnv);
      assert.deepEqual(startRefusals(config), [], `${where} would be refused at start`);
      assert.deepEqual(config.inactiveSettings(), [], `${where} sets configs that have no effect`);
      const volume = (service.volumes ?? []).find((v) => v.endsWith(':/var/lib/kafka/data'));
      assert.ok(volume !== undefined, `${where} keeps its data on a volume`);
      const volumeName = volume.slice(0, volume.indexOf(':'));
      assert.ok(compose.volumes !== undefined && volumeName in compose.volumes, `${where}: ${volumeName} is a named volume of the file`);
      assert.ok(service.image !== undefined && service.build?.dockerfile === 'docker/Dockerfile', `${where} builds the project's image`);
      assert.match(service.restart ?? '', /^(always|unless-stopped|on-failure(:\d+)?)$/, `${where} restarts after a failure`);
      assert.ok(service.stop_grace_period !== undefined, `${where} gives docker stop time for a clean shutdown`);
      for (const dependency of Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {})) {
        assert.ok(dependency in compose.services, `${where} depends on an unknown service ${dependency}`);
      }
    }
  }
});

test('the services of a file form one cluster: one valid cluster id, distinct node ids, the voters are the controller services', async () => {
  const baseEnv = await imageEnv();
  for (const { name, compose } of await composeFiles()) {
    const services = await Promise.all(Object.entries(nodeServices(compose)).map(async ([serviceName, service]) => ({ serviceName, service, config: await serviceConfig(service, baseEnv) })));
    const clusterIds = new Set(services.map((s) => String(s.service.environment?.CLUSTER_ID)));
    assert.equal(clusterIds.size, 1, `${name}: one CLUSTER_ID for every node`);
    assert.equal(checkClusterId([...clusterIds][0]!), null, `${name}: CLUSTER_ID is a valid Kafka cluster id`);
    assert.equal(new Set(services.map((s) => s.config.nodeId)).size, services.length, `${name}: distinct node ids`);
    const controllers = services.filter((s) => s.config.isController);
    // A quorum survives the loss of a controller from three on: every multi-node file has at least three.
    assert.ok(controllers.length >= (services.length > 1 ? 3 : 1), `${name}: a quorum of ${controllers.length} controllers`);
    for (const { serviceName, config } of services) {
      const voters = config.quorumVoters;
      assert.equal(voters.length, controllers.length, `${name} ${serviceName}: every controller votes`);
      for (const voter of voters) {
        const owner = controllers.find((c) => c.config.nodeId === voter.id);
        assert.ok(owner !== undefined, `${name} ${serviceName}: voter ${voter.id} is a controller service`);
        assert.equal(voter.host, owner.service.hostname ?? owner.serviceName, `${name}: voter ${voter.id} at its service's host name`);
        assert.ok(owner.config.controllerListeners.some((l) => l.port === voter.port), `${name}: voter ${voter.id} at its controller listener's port`);
      }
    }
  }
});

test('advertised listeners reach the node: inside the network by host name, from the host through a published port; health checks probe /readyz on the metrics listener', async () => {
  const baseEnv = await imageEnv();
  for (const { name, compose } of await composeFiles()) {
    for (const [serviceName, service] of Object.entries(nodeServices(compose))) {
      const where = `${name} ${serviceName}`;
      const config = await serviceConfig(service, baseEnv);
      const listenerPort = new Map(config.listeners.map((l) => [l.listenerName, l.port]));
      const published = new Map((service.ports ?? []).map((p) => {
        const [hostPort, containerPort] = p.split(':').map(Number) as [number, number];
        return [hostPort, containerPort];
      }));
      if (config.isBroker) {
        assert.ok(listenerPort.has(config.interBrokerListenerName), `${where}: the inter-broker listener is one of its listeners`);
        // The apache/kafka image's two-listener pattern: one advertised address for the other containers (the
        // service's host name), one for clients on the Docker host (localhost and a published port).
        assert.ok(config.advertisedListeners.some((l) => l.host === (service.hostname ?? serviceName)), `${where} advertises a listener other containers reach`);
        assert.ok(config.advertisedListeners.some((l) => l.host === 'localhost'), `${where} advertises a listener for the host`);
        for (const l of config.advertisedListeners) {
          if (l.host === 'localhost') {
            assert.equal(published.get(l.port), listenerPort.get(l.listenerName), `${where}: localhost:${l.port} is published to the ${l.listenerName} listener`);
          } else {
            assert.equal(l.host, service.hostname ?? serviceName, `${where}: ${l.listenerName} advertises the service's host name`);
            assert.equal(l.port, listenerPort.get(l.listenerName), `${where}: ${l.listenerName} advertises the port it listens on`);
          }
        }
      } else {
        assert.deepEqual(config.advertisedListeners, [], `${where}: a controller-only node advertises no broker listener`);
      }
      const probe = service.healthcheck?.test ?? [];
      assert.deepEqual(probe.slice(0, 3), ['CMD', 'node', 'docker/healthcheck.ts'], `${where} has the health check`);
      const metricsListener = config.getString('metrics.prometheus.listener') ?? '';
      if (metricsListener !== '') {
        const metricsPort = Number(metricsListener.slice(metricsListener.lastIndexOf(':') + 1));
        assert.equal(probe[3], `http://localhost:${metricsPort}/readyz`, `${where}: the health check asks /readyz of the metrics listener`);
      } else {
        const port = Number(probe[3]!.slice(probe[3]!.lastIndexOf(':') + 1));
        assert.ok([...listenerPort.values()].includes(port), `${where}: the health check probes one of its listeners (${port})`);
      }
    }
  }
});

/** The Dockerfile's stages in order: name (or the index) and the instructions of each, continuation lines joined. */
async function dockerStages(): Promise<{ name: string; lines: string[] }[]> {
  const text = (await readFile(join(DOCKER, 'Dockerfile'), 'utf8')).replaceAll('\\\n', ' ');
  const stages: { name: string; lines: string[] }[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))) {
    const from = /^FROM \S+(?: AS (\S+))?$/i.exec(line);
    if (from !== null) stages.push({ name: from[1] ?? String(stages.length), lines: [] });
    else stages.at(-1)!.lines.push(line);
  }
  return stages;
}

test('the image carries the web console: a stage with the devDependencies builds web/dist, which reaches the final image where the broker serves it from', async () => {
  const stages = await dockerStages();
  const web = stages.find((s) => s.lines.some((l) => /^RUN npm run build:web$/.test(l)));
  assert.ok(web !== undefined, 'a stage runs npm run build:web');
  const install = web.lines.findIndex((l) => /^RUN npm ci\b/.test(l));
  assert.ok(install >= 0 && !web.lines[install]!.includes('--omit=dev'), 'the web stage installs the devDependencies (Vite)');
  assert.ok(web.lines.findIndex((l) => /^COPY web \.\/web$/.test(l)) < web.lines.indexOf('RUN npm run build:web'), 'web/ is copied before the build');
  // The assets go into the directory the broker reads them from (src/server/console CONSOLE_ASSETS_DIR: <root>/web/dist).
  const build = stages.find((s) => s.lines.includes(`COPY --from=${web.name} /opt/kafka-broker/web/dist ./web/dist`));
  assert.ok(build !== undefined, 'web/dist is copied out of the web stage');
  assert.ok(build.lines.includes('WORKDIR /opt/kafka-broker'));
  // npm ci runs the package's `prepare` (node web/build.ts): the script must be there before it runs.
  const ci = build.lines.findIndex((l) => /^RUN npm ci --omit=dev\b/.test(l));
  const buildScript = build.lines.findIndex((l) => /^COPY web\/build\.ts \.\/web\/$/.test(l));
  assert.ok(ci >= 0 && buildScript >= 0 && buildScript < ci, 'web/build.ts is copied before npm ci runs prepare');
  const final = stages.at(-1)!;
  assert.ok(final.lines.includes(`COPY --from=${build.name} /opt/kafka-broker /opt/kafka-broker`), 'the final image takes the build stage whole');
  const ignored = (await readFile(join(DOCKER, '..', '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim());
  assert.ok(!ignored.includes('web') && !ignored.includes('web/dist'), '.dockerignore keeps web/ in the build context');
});
