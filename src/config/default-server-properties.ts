/**
 * The settings of the shipped config/server.properties, built in so that the broker runs with no file at all:
 * a single node that is both broker and KRaft controller (node.id 1), clients on PLAINTEXT :9092 (advertised as
 * localhost:9092), the controller on :9093, data under ./data/kraft-combined-logs (relative to the working
 * directory), and replication factor 1 for the internal topics. A test keeps it equal to the shipped file.
 */
export const DEFAULT_SERVER_PROPERTIES: Readonly<Record<string, string>> = Object.freeze({
  'process.roles': 'broker,controller',
  'node.id': '1',
  'controller.quorum.voters': '1@localhost:9093',
  listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
  'advertised.listeners': 'PLAINTEXT://localhost:9092',
  'controller.listener.names': 'CONTROLLER',
  'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
  'log.dirs': './data/kraft-combined-logs',
  'num.partitions': '1',
  'offsets.topic.replication.factor': '1',
  'transaction.state.log.replication.factor': '1',
  'transaction.state.log.min.isr': '1',
});
