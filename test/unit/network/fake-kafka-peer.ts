// A Kafka peer on a real TCP socket whose behaviour each test scripts: it decodes request frames with the project's
// codecs, answers ApiVersions with a chosen list (every API of our codecs by default), and hands every other
// request to the test, which answers it (correctly or not), stays silent, or writes arbitrary bytes.
import net from 'node:net';
import { FrameDecoder } from '../../../src/protocol/framing.ts';
import { Reader } from '../../../src/protocol/reader.ts';
import { Writer } from '../../../src/protocol/writer.ts';
import { decodeRequestHeader, peekRequestHeader, type RequestHeader } from '../../../src/protocol/request-header.ts';
import { encodeResponseHeader } from '../../../src/protocol/response-header.ts';
import { API_MESSAGES, requestHeaderVersion, responseHeaderVersion } from '../../../src/protocol/generated/api-messages.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import type { ApiVersion } from '../../../src/protocol/generated/messages/api-versions-response.ts';

/** One request the peer received, with ways to answer it. */
export interface PeerRequest {
  readonly header: RequestHeader;
  readonly body: Record<string, unknown>;
  /** Index of the connection it came on (0 for the first accepted). */
  readonly connection: number;
  readonly socket: net.Socket;
  /** Encodes `body` as the response at the request's version; `correlationId` overrides the header's. */
  respond(body: object, options?: { correlationId?: number; version?: number }): void;
  /** Writes `bytes` as they are. */
  raw(bytes: Buffer): void;
}

export interface FakeKafkaPeerOptions {
  /** Ranges answered to ApiVersions; default: every API of our codecs, full range. */
  readonly apiVersions?: ApiVersion[];
  /**
   * Answers an ApiVersions request itself instead (return true when handled). Default: answer with `apiVersions`
   * at the request's version.
   */
  readonly onApiVersions?: (request: PeerRequest) => boolean;
  /** Every other request; default: no answer. */
  readonly onRequest?: (request: PeerRequest) => void;
  /** Called for every accepted socket before anything is read; return false to destroy it at once. */
  readonly onConnection?: (socket: net.Socket, index: number) => boolean;
}

/** Every API of the generated codecs with its full version range. */
export function allApiVersions(): ApiVersion[] {
  return [...API_MESSAGES.values()].map((api) => ({ apiKey: api.apiKey, minVersion: api.minVersion, maxVersion: api.maxVersion }));
}

/** Encodes a response frame (size prefix, header, body) for `apiKey`/`version`. */
export function responseFrame(apiKey: number, version: number, correlationId: number, body: object): Buffer {
  const api = API_MESSAGES.get(apiKey)!;
  const w = new Writer();
  w.writeInt32(0);
  encodeResponseHeader(w, responseHeaderVersion(apiKey, version), { correlationId });
  api.encodeResponse(w, version, body);
  const buf = Buffer.from(w.toBuffer());
  buf.writeInt32BE(buf.length - 4, 0);
  return buf;
}

export class FakeKafkaPeer {
  readonly server: net.Server;
  readonly port: number;
  /** Every request received, ApiVersions included, in arrival order. */
  readonly requests: PeerRequest[] = [];
  readonly sockets: net.Socket[] = [];
  /** Indexes of the connections that were closed (by either side). */
  readonly closedConnections = new Set<number>();

  private constructor(server: net.Server, port: number) {
    this.server = server;
    this.port = port;
  }

  static async start(options: FakeKafkaPeerOptions = {}): Promise<FakeKafkaPeer> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const peer = new FakeKafkaPeer(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (socket) => peer.#accept(socket, options));
    return peer;
  }

  /** Requests other than ApiVersions. */
  get apiRequests(): PeerRequest[] {
    return this.requests.filter((r) => r.header.requestApiKey !== ApiKeys.ApiVersions);
  }

  #accept(socket: net.Socket, options: FakeKafkaPeerOptions): void {
    const index = this.sockets.length;
    this.sockets.push(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.closedConnections.add(index));
    if (options.onConnection !== undefined && !options.onConnection(socket, index)) {
      socket.destroy();
      return;
    }
    const decoder = new FrameDecoder(1 << 24);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) this.#onFrame(frame, socket, index, options);
    });
  }

  #onFrame(frame: Buffer, socket: net.Socket, index: number, options: FakeKafkaPeerOptions): void {
    const prefix = peekRequestHeader(frame);
    const r = new Reader(frame);
    const header = decodeRequestHeader(r, requestHeaderVersion(prefix.requestApiKey, prefix.requestApiVersion));
    const api = API_MESSAGES.get(header.requestApiKey)!;
    const body = api.decodeRequest(r, header.requestApiVersion) as Record<string, unknown>;
    const request: PeerRequest = {
      header,
      body,
      connection: index,
      socket,
      respond: (responseBody, o = {}) => {
        if (socket.destroyed) return;
        socket.write(responseFrame(header.requestApiKey, o.version ?? header.requestApiVersion, o.correlationId ?? header.correlationId, responseBody));
      },
      raw: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
    };
    this.requests.push(request);
    if (header.requestApiKey === ApiKeys.ApiVersions) {
      if (options.onApiVersions?.(request) === true) return;
      request.respond({ errorCode: 0, apiKeys: options.apiVersions ?? allApiVersions() });
      return;
    }
    options.onRequest?.(request);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
