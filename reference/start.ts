// `npm run reference-kafka`: starts Apache Kafka 4.4.0 (single-node combined KRaft, the jars of reference/pom.xml)
// by hand, on a free port or `--port <n>`, with Kafka's default heap unless KAFKA_HEAP_OPTS says otherwise; prints
// the bootstrap address and Kafka's log, and on Ctrl-C stops it and removes its data dir.
import { parseArgs } from 'node:util';
import { REFERENCE_KAFKA_AVAILABLE, resolveReferenceClasspath, startReferenceKafka } from '../test/helpers/reference-kafka.ts';

const { values } = parseArgs({ options: { port: { type: 'string' } } });
if (!REFERENCE_KAFKA_AVAILABLE) {
  process.stderr.write('resolving Apache Kafka 4.4.0 (mvn -f reference/pom.xml dependency:build-classpath)...\n');
  await resolveReferenceClasspath();
}
const started = Date.now();
const kafka = await startReferenceKafka({
  ...(values.port === undefined ? {} : { port: Number(values.port) }),
  onLine: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`Apache Kafka 4.4.0 serving on ${kafka.bootstrap} (pid ${kafka.pid}, cluster id ${kafka.clusterId}, data dir ${kafka.dataDir}, started in ${Date.now() - started} ms); Ctrl-C stops it\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void kafka.stop().then(() => process.exit(0)));
}
