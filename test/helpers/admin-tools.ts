import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Runs an admin command two ways, as an operator would: `kafka-broker <command>` as a real process, and Apache
// Kafka's own tool class (kafka-tools 4.4.0 from the local Maven repository on Java 17) when it is installed, so that
// a test can compare our output with Kafka's against the same broker.

const BIN = fileURLToPath(new URL('../../bin/kafka-broker.js', import.meta.url));
const M2 = join(homedir(), '.m2', 'repository');
const KAFKA_TOOL_JARS = [
  'org/apache/kafka/kafka-tools/4.4.0/kafka-tools-4.4.0.jar',
  'org/apache/kafka/kafka-tools-api/4.4.0/kafka-tools-api-4.4.0.jar',
  'org/apache/kafka/kafka-clients/4.4.0/kafka-clients-4.4.0.jar',
  'org/apache/kafka/kafka-server-common/4.4.0/kafka-server-common-4.4.0.jar',
  'org/apache/kafka/kafka-storage/4.4.0/kafka-storage-4.4.0.jar',
  'net/sf/jopt-simple/jopt-simple/5.0.4/jopt-simple-5.0.4.jar',
  'org/slf4j/slf4j-api/1.7.36/slf4j-api-1.7.36.jar',
  // ConsumerGroupCommand's own dependencies (--validate-regex, --export).
  'com/google/re2j/re2j/1.8/re2j-1.8.jar',
  'com/fasterxml/jackson/core/jackson-annotations/2.21/jackson-annotations-2.21.jar',
  'com/fasterxml/jackson/core/jackson-core/2.21.7/jackson-core-2.21.7.jar',
  'com/fasterxml/jackson/core/jackson-databind/2.21.7/jackson-databind-2.21.7.jar',
  // --reset-offsets --from-file reads its CSV plan with Jackson's CSV reader.
  'com/fasterxml/jackson/dataformat/jackson-dataformat-csv/2.21.7/jackson-dataformat-csv-2.21.7.jar',
  // ConfigCommand's (the broker config definitions it lists in its help).
  'org/apache/kafka/kafka-server/4.4.0/kafka-server-4.4.0.jar',
  'org/apache/kafka/kafka-raft/4.4.0/kafka-raft-4.4.0.jar',
  'org/apache/kafka/kafka-metadata/4.4.0/kafka-metadata-4.4.0.jar',
  'org/apache/kafka/kafka-storage-api/4.4.0/kafka-storage-api-4.4.0.jar',
  'org/apache/kafka/kafka-group-coordinator/4.4.0/kafka-group-coordinator-4.4.0.jar',
  'org/apache/kafka/kafka-group-coordinator-api/4.4.0/kafka-group-coordinator-api-4.4.0.jar',
  'org/apache/kafka/kafka-coordinator-common/4.4.0/kafka-coordinator-common-4.4.0.jar',
  'org/apache/kafka/kafka-transaction-coordinator/4.4.0/kafka-transaction-coordinator-4.4.0.jar',
  'org/apache/kafka/kafka-share-coordinator/4.4.0/kafka-share-coordinator-4.4.0.jar',
  'commons-validator/commons-validator/1.10.1/commons-validator-1.10.1.jar',
  'commons-beanutils/commons-beanutils/1.11.0/commons-beanutils-1.11.0.jar',
  'commons-digester/commons-digester/2.1/commons-digester-2.1.jar',
  'commons-logging/commons-logging/1.3.5/commons-logging-1.3.5.jar',
  'commons-collections/commons-collections/3.2.2/commons-collections-3.2.2.jar',
  // ProducerPerformance's argument parser.
  'net/sourceforge/argparse4j/argparse4j/0.7.0/argparse4j-0.7.0.jar',
].map((jar) => join(M2, jar));

/** A finished process: its exit code, stdout and stderr. */
export interface ToolRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: string[], input?: string): Promise<ToolRun> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
    child.stdin!.end(input ?? '');
  });
}

/** Runs `kafka-broker <args>` with this test's Node, `input` on its standard input. */
export function kafkaBroker(args: string[], input?: string): Promise<ToolRun> {
  return run(process.execPath, [BIN, ...args], input);
}

/** The Java class path of Kafka's tools (bench/sections/perf-tools.ts runs the perf tools with it). */
export const KAFKA_TOOLS_CLASSPATH = KAFKA_TOOL_JARS.join(':');

/** Whether Kafka's tools (the jars above and `java`) can run here. */
export const KAFKA_TOOLS_AVAILABLE = KAFKA_TOOL_JARS.every((jar) => existsSync(jar));

/**
 * Runs Kafka's tool class (e.g. "org.apache.kafka.tools.TopicCommand") with `args` and `input` on its standard
 * input; stderr loses SLF4J's no-binding notice. Only call when {@link KAFKA_TOOLS_AVAILABLE}.
 */
export async function kafkaTool(mainClass: string, args: string[], input?: string): Promise<ToolRun> {
  const r = await run('java', ['-cp', KAFKA_TOOL_JARS.join(':'), mainClass, ...args], input);
  return { ...r, stderr: r.stderr.split('\n').filter((l) => !l.startsWith('SLF4J:')).join('\n') };
}

/**
 * Writes an input file of a tool run (a reassignment plan, an offsets file...) into `dir`: `content` as it is when a
 * string, else as JSON. @returns its path.
 */
export async function writeToolInput(dir: string, name: string, content: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
