import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import type { Logger } from '../../observability/logger.ts';
import { AuthorizerNotReadyError } from '../../security/authorizer/standard-authorizer.ts';
import { ConsoleApi } from './console-api.ts';
import { ConsoleBadRequest, ConsoleRefusal, ConsoleRequest } from './console-request.ts';
import { ConsoleSampler } from './console-sampler.ts';
import type { ConsoleServices } from './console-services.ts';

/** Where `npm run build:web` (Vite) writes the console's assets. */
export const CONSOLE_ASSETS_DIR = join(import.meta.dirname, '..', '..', '..', 'web', 'dist');
/** Interval of the rate and lag samples behind the console's charts, in ms. */
export const CONSOLE_SAMPLE_INTERVAL_MS = 1000;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Shown at `/` when the assets were not built (the JSON API still answers). */
const NOT_BUILT = 'The web console\'s assets are not built (web/dist is missing): run `npm run build:web` (it needs the devDependencies). The JSON API under /api/ works without them.\n';

type Handler = (req: ConsoleRequest, params: string[]) => object | Promise<object>;
/** A path pattern, the query parameters it accepts (any other is a 400: never silently ignored) and its handler. */
type Route = [RegExp, readonly string[], Handler];

/** The query parameters of the messages call. */
const MESSAGES_PARAMS = ['offset', 'timestamp', 'limit', 'maxBytes', 'format'] as const;

/**
 * The web console (issue 19; an extension: Kafka has none) on `console.listener` ("host:port"): the assets built
 * from web/ by Vite, loaded into memory at start (a request can name only a file that exists: no path reaches
 * the file system), and the read-only JSON API of {@link ConsoleApi} under `/api/`:
 *
 * - `GET /api/cluster`, `GET /api/rates`
 * - `GET /api/topics`, `GET /api/topics/<topic>`, `GET /api/topics/<topic>/partitions/<p>/messages?...`
 * - `GET /api/groups`, `GET /api/groups/<group>`
 *
 * Answers: 200 JSON; 400 `{"error"}` for a malformed or unknown parameter; 403 when the console's principal
 * (`console.principal`) may not read it; 404 unknown; 405 for any method but GET/HEAD; 503 while the
 * authorizer has not loaded the ACLs. Every read is asynchronous; none blocks the event loop for long (reads are
 * paged: bounded records and bytes). A sampler keeps the rate and lag history behind the charts.
 */
export class ConsoleServer {
  readonly #server: Server;
  readonly #sampler: ConsoleSampler;

  private constructor(server: Server, sampler: ConsoleSampler) {
    this.#server = server;
    this.#sampler = sampler;
  }

  /** The bound port (for a listener configured with port 0). */
  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address !== null ? address.port : -1;
  }

  /**
   * Loads the assets (when built), binds `listener` and starts the sampler.
   * @throws Error when the listener is not host:port or cannot be bound.
   */
  static async start(listener: string, services: ConsoleServices, logger: Logger, assetsDir = CONSOLE_ASSETS_DIR): Promise<ConsoleServer> {
    const colon = listener.lastIndexOf(':');
    const host = listener.slice(0, colon);
    const port = Number(listener.slice(colon + 1));
    if (colon < 0 || !/^\d+$/.test(listener.slice(colon + 1)) || port > 65535) throw new Error(`console.listener must be host:port, got '${listener}'`);
    const assets = await loadAssets(assetsDir);
    if (assets.size === 0) logger.warn({ assetsDir }, NOT_BUILT.trim());
    const api = new ConsoleApi(services);
    const sampler = new ConsoleSampler({ totals: () => api.trafficTotals(), groupLags: () => api.groupLags(), now: () => Date.now() }, CONSOLE_SAMPLE_INTERVAL_MS);
    api.attachSampler(sampler);
    const routes: Route[] = [
      [/^\/api\/cluster$/, [], (req) => api.cluster(req)],
      [/^\/api\/rates$/, [], (req) => api.rates(req)],
      [/^\/api\/topics$/, [], (req) => api.topics(req)],
      [/^\/api\/topics\/([^/]+)$/, [], (req, [topic]) => api.topic(req, topic!)],
      [/^\/api\/topics\/([^/]+)\/partitions\/([^/]+)\/messages$/, MESSAGES_PARAMS, (req, [topic, p]) => api.messages(req, topic!, p!)],
      [/^\/api\/groups$/, [], (req) => api.groups(req)],
      [/^\/api\/groups\/([^/]+)$/, [], (req, [group]) => api.group(req, group!)],
    ];
    const server = createServer((req, res) => {
      handle(req, res, routes, assets, services).catch((err: unknown) => {
        logger.warn({ err, url: req.url }, 'Web console request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host === '' ? undefined : host, () => resolve());
    });
    sampler.start();
    const console = new ConsoleServer(server, sampler);
    logger.info({ listener: `http://${host === '' ? '0.0.0.0' : host}:${console.port}/`, assets: assets.size > 0 }, 'Web console listening');
    return console;
  }

  /** Stops the sampler and the listener (open connections are closed). */
  async close(): Promise<void> {
    await this.#sampler.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, routes: readonly Route[], assets: ReadonlyMap<string, Buffer>, services: ConsoleServices): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://console');
  } catch {
    sendJson(res, 400, { error: 'malformed URL' });
    return;
  }
  const path = url.pathname;
  if (path.startsWith('/api/')) {
    for (const [pattern, accepted, route] of routes) {
      const m = pattern.exec(path);
      if (m === null) continue;
      const unknown = [...url.searchParams.keys()].find((k) => !accepted.includes(k));
      if (unknown !== undefined) {
        sendJson(res, 400, { error: `unknown parameter '${unknown}'${accepted.length === 0 ? '' : ` (accepted: ${accepted.join(', ')})`}` });
        return;
      }
      let params: string[];
      try {
        params = m.slice(1).map((p) => decodeURIComponent(p));
      } catch {
        sendJson(res, 400, { error: 'malformed path' });
        return;
      }
      const request = new ConsoleRequest(services.principal, req.socket.remoteAddress ?? '', url.searchParams);
      try {
        sendJson(res, 200, await route(request, params));
      } catch (e) {
        if (e instanceof ConsoleBadRequest) sendJson(res, 400, { error: e.message });
        else if (e instanceof ConsoleRefusal) sendJson(res, e.status, { error: e.message });
        else if (e instanceof AuthorizerNotReadyError) sendJson(res, 503, { error: e.message });
        else throw e;
      }
      return;
    }
    sendJson(res, 404, { error: `no API ${path}` });
    return;
  }
  // The pages are routed by the front end (hash routes), so every other path is an asset or the index.
  const asset = assets.get(path === '/' ? '/index.html' : path);
  if (asset === undefined) {
    if (assets.size === 0 && path === '/') res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end(NOT_BUILT);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  const type = CONTENT_TYPES[extname(path === '/' ? '/index.html' : path)] ?? 'application/octet-stream';
  res.writeHead(200, { 'content-type': type, 'cache-control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache' }).end(asset);
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/** Every file under `dir` by its URL path ('/index.html', '/assets/x.js'); empty when `dir` does not exist. */
async function loadAssets(dir: string): Promise<Map<string, Buffer>> {
  const assets = new Map<string, Buffer>();
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return assets;
    throw e;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    assets.set(`/${relative(dir, file).split(sep).join('/')}`, await readFile(file));
  }
  return assets;
}
