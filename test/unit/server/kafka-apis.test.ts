// KafkaApis's answer to a failing handler (Kafka's KafkaApis.handleError): the API's error response, an error log
// line naming the API and the correlation id, the connection left open (acks=0 Produce: closed); requests that do
// not decode still throw, so that the network layer closes their connection.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { KafkaApis } from '../../../src/server/kafka-apis.ts';
import { ALL_HANDLERS } from '../../../src/server/apis/index.ts';
import type { BrokerServices } from '../../../src/server/broker-services.ts';
import type { RequestContext } from '../../../src/network/request-handler.ts';
import { ANONYMOUS_PRINCIPAL } from '../../../src/security/kafka-principal.ts';
import { Reader } from '../../../src/protocol/reader.ts';
import { Writer, type OutputChunk } from '../../../src/protocol/writer.ts';
import { encodeRequestHeader } from '../../../src/protocol/request-header.ts';
import { decodeResponseHeader } from '../../../src/protocol/response-header.ts';
import { API_MESSAGES, requestHeaderVersion, responseHeaderVersion } from '../../../src/protocol/generated/api-messages.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { ApiError } from '../../../src/common/api-error.ts';

type Any = any;

function frame(apiKey: number, version: number, correlationId: number, body: object): Buffer {
  const w = new Writer(128);
  encodeRequestHeader(w, requestHeaderVersion(apiKey, version), { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: 'unit' });
  API_MESSAGES.get(apiKey)!.encodeRequest(w, version, body as never);
  return w.toBuffer();
}

function decodeResponse(apiKey: number, version: number, chunks: OutputChunk[] | null): { correlationId: number; body: Any } {
  assert.ok(chunks !== null);
  const r = new Reader(Buffer.concat(chunks as Buffer[]));
  const { correlationId } = decodeResponseHeader(r, responseHeaderVersion(apiKey, version));
  return { correlationId, body: API_MESSAGES.get(apiKey)!.decodeResponse(r, version) };
}

/** KafkaApis over services whose group coordinator and replica manager fail as `failures` say; log lines captured. */
function setUp(failures: { heartbeat?: () => unknown; appendRecords?: () => unknown }) {
  const lines: Any[] = [];
  const logger = pino({ level: 'debug' }, new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)));
      callback();
    },
  }));
  const services = {
    groupCoordinator: { heartbeat: failures.heartbeat },
    replicaManager: { appendRecords: failures.appendRecords },
    authorizer: null,
  } as unknown as BrokerServices;
  const apis = new KafkaApis(services, ALL_HANDLERS, logger);
  let closes = 0;
  const ctx: RequestContext = {
    connectionId: 'c-1', listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', clientAddress: '127.0.0.1', clientPort: 1,
    principal: ANONYMOUS_PRINCIPAL, closeConnection: () => void closes++,
  };
  return { apis, ctx, lines, closes: () => closes };
}

const HEARTBEAT = { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null };
const PRODUCE = (acks: number) => ({ transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: null }, { index: 2, records: null }] }] });

describe('KafkaApis answers a failing handler with its error response', () => {
  test('a rejected promise: UNKNOWN_SERVER_ERROR, logged at error level with the API name and correlation id', async () => {
    const { apis, ctx, lines, closes } = setUp({ heartbeat: () => Promise.reject(new Error('injected failure')) });
    const { correlationId, body } = decodeResponse(ApiKeys.Heartbeat, 4, await apis.handleRequest(frame(ApiKeys.Heartbeat, 4, 77, HEARTBEAT), ctx));
    assert.equal(correlationId, 77);
    assert.equal(body.errorCode, Errors.UNKNOWN_SERVER_ERROR);
    assert.equal(closes(), 0);
    const errors = lines.filter((l) => l.level === 50);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].api, 'Heartbeat');
    assert.equal(errors[0].correlationId, 77);
    assert.equal(errors[0].err.message, 'injected failure');
  });

  test('a synchronous throw of an ApiError answers with its code', async () => {
    const { apis, ctx } = setUp({ heartbeat: () => { throw new ApiError(Errors.NOT_COORDINATOR, 'moved'); } });
    const { body } = decodeResponse(ApiKeys.Heartbeat, 0, await apis.handleRequest(frame(ApiKeys.Heartbeat, 0, 5, HEARTBEAT), ctx));
    assert.equal(body.errorCode, Errors.NOT_COORDINATOR);
  });

  test('Produce: every partition carries the error; with acks=0 there is no response and the connection is closed', async () => {
    const { apis, ctx, closes } = setUp({ appendRecords: () => { throw new Error('injected'); } });
    const { body } = decodeResponse(ApiKeys.Produce, 9, await apis.handleRequest(frame(ApiKeys.Produce, 9, 1, PRODUCE(1)), ctx));
    assert.deepEqual(body.responses[0].partitionResponses.map((p: Any) => [p.index, p.errorCode]), [[0, -1], [2, -1]]);
    assert.equal(closes(), 0);
    assert.equal(await apis.handleRequest(frame(ApiKeys.Produce, 9, 2, PRODUCE(0)), ctx), null);
    assert.equal(closes(), 1);
  });

  test('a body that does not decode still throws (the network layer closes the connection)', () => {
    const { apis, ctx } = setUp({});
    const truncated = frame(ApiKeys.Heartbeat, 4, 9, HEARTBEAT).subarray(0, 20);
    assert.throws(() => apis.handleRequest(truncated, ctx));
  });
});
