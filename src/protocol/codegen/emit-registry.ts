import { CodeBuffer } from './code-buffer.ts';
import { BANNER, flexibleFrom } from './emit-message.ts';
import { tsString } from './field-type.ts';
import { kebabCase, type MessageSpec } from './schema.ts';

interface Api {
  readonly name: string;
  readonly request: MessageSpec;
  readonly response: MessageSpec;
}

/** Pairs each request with its response by API key, sorted by key. @throws Error when a pair is incomplete. */
export function collectApis(messages: readonly MessageSpec[]): Api[] {
  const requests = new Map<number, MessageSpec>();
  const responses = new Map<number, MessageSpec>();
  for (const m of messages) {
    if (m.type === 'request') requests.set(m.apiKey, m);
    if (m.type === 'response') responses.set(m.apiKey, m);
  }
  const apis: Api[] = [];
  for (const key of [...requests.keys()].sort((a, b) => a - b)) {
    const request = requests.get(key)!;
    const response = responses.get(key);
    if (response === undefined) throw new Error(`API key ${key} has no response definition`);
    if (!request.name.endsWith('Request')) throw new Error(`request ${request.name} is not named *Request`);
    if (
      request.validVersions.lo !== response.validVersions.lo ||
      request.validVersions.hi !== response.validVersions.hi ||
      flexibleFrom(request) !== flexibleFrom(response)
    ) {
      throw new Error(`API key ${key}: request and response versions differ`);
    }
    apis.push({ name: request.name.slice(0, -'Request'.length), request, response });
  }
  return apis;
}

/** `api-keys.ts`: the ApiKeys constant object, the ApiKey type and API_KEY_NAMES. */
export function emitApiKeys(apis: readonly Api[]): string {
  const b = new CodeBuffer();
  b.line(BANNER);
  b.line('// The API keys of the Kafka protocol (the apiKey of every *Request.json).');
  b.line();
  b.line('/** API key by API name (Kafka\'s ApiKeys enum). */');
  b.block('export const ApiKeys =', () => {
    for (const a of apis) b.line(`${a.name}: ${a.request.apiKey},`);
  }, ' as const;');
  b.line();
  b.line('export type ApiKey = (typeof ApiKeys)[keyof typeof ApiKeys];');
  b.line();
  b.line('/** API name by API key. */');
  b.block('export const API_KEY_NAMES: Readonly<Record<number, string>> =', () => {
    for (const a of apis) b.line(`${a.request.apiKey}: ${tsString(a.name)},`);
  }, ';');
  return b.toString();
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * `api-messages.ts`: the API_MESSAGES registry and the request/response header version rules. The codecs are
 * wrappers that load their message module on first use (see the generated `lazy`).
 */
export function emitApiMessages(apis: readonly Api[]): string {
  const b = new CodeBuffer();
  b.line(BANNER);
  b.line('// Registry of every API: versions, listeners and the codecs of its request and response bodies.');
  b.line();
  b.line("import { createRequire } from 'node:module';");
  b.line("import type { Reader } from '../reader.ts';");
  b.line("import type { Writer } from '../writer.ts';");
  b.line("import type { Input } from '../message-input.ts';");
  for (const a of apis) {
    for (const m of [a.request, a.response]) {
      b.line(`import type { ${m.name} } from './messages/${kebabCase(m.fileName)}.ts';`);
    }
  }
  b.line();
  b.line('const require = createRequire(import.meta.url);');
  b.line();
  b.line('/**');
  b.line(' * A message module loaded on its first use, with a synchronous require() of the ES module (Node >= 22.12):');
  b.line(' * start-up does not compile the codecs of the APIs no client calls (tens of thousands of lines).');
  b.line(' */');
  b.block('function lazy<M>(path: string): () => M', () => {
    b.line('let loaded: M | undefined;');
    b.line('return () => (loaded ??= require(path) as M);');
  });
  b.line();
  for (const a of apis) {
    for (const m of [a.request, a.response]) {
      const path = `./messages/${kebabCase(m.fileName)}.ts`;
      b.line(`const ${lowerFirst(m.name)} = lazy<typeof import('${path}')>('${path}');`);
    }
  }
  b.line();
  b.line('/**');
  b.line(' * One API of the protocol (Kafka\'s ApiMessageType): its valid versions, first flexible version (-1 if');
  b.line(' * none), the listeners it is served on (`broker`, `controller`, `zkBroker`), whether its newest version is');
  b.line(' * unstable, and version-taking codecs of its request and response bodies (headers excluded).');
  b.line(' */');
  b.block('export interface ApiMessageType<Req extends object = object, Res extends object = object>', () => {
    b.line('readonly name: string;');
    b.line('readonly apiKey: number;');
    b.line('readonly minVersion: number;');
    b.line('readonly maxVersion: number;');
    b.line('readonly flexibleFrom: number;');
    b.line('readonly latestVersionUnstable: boolean;');
    b.line('readonly listeners: readonly string[];');
    b.line('decodeRequest(r: Reader, version: number): Req;');
    b.line('encodeRequest(w: Writer, version: number, value: Input<Req>): void;');
    b.line('sizeRequest(version: number, value: Input<Req>): number;');
    b.line('decodeResponse(r: Reader, version: number): Res;');
    b.line('encodeResponse(w: Writer, version: number, value: Input<Res>): void;');
    b.line('sizeResponse(version: number, value: Input<Res>): number;');
    b.line('/** Loads the request and response codec modules now (otherwise loaded on first use). */');
    b.line('load(): void;');
  });
  b.line();
  b.line('/** Every API by key. */');
  b.line('export const API_MESSAGES: ReadonlyMap<number, ApiMessageType> = new Map<number, ApiMessageType>([');
  b.indent();
  for (const a of apis) {
    const q = a.request.name;
    const s = a.response.name;
    b.line(`[${a.request.apiKey}, {`);
    b.indent();
    b.line(`name: ${tsString(a.name)},`);
    b.line(`apiKey: ${a.request.apiKey},`);
    b.line(`minVersion: ${a.request.validVersions.lo},`);
    b.line(`maxVersion: ${a.request.validVersions.hi},`);
    b.line(`flexibleFrom: ${flexibleFrom(a.request)},`);
    b.line(`latestVersionUnstable: ${a.request.latestVersionUnstable},`);
    b.line(`listeners: [${a.request.listeners.map(tsString).join(', ')}],`);
    for (const m of [q, s]) {
      const kind = m === q ? 'Request' : 'Response';
      const mod = lowerFirst(m);
      b.line(`decode${kind}: (r: Reader, version: number) => ${mod}().decode${m}(r, version),`);
      b.line(`encode${kind}: (w: Writer, version: number, value: Input<${m}>) => ${mod}().encode${m}(w, version, value),`);
      b.line(`size${kind}: (version: number, value: Input<${m}>) => ${mod}().size${m}(version, value),`);
    }
    b.line(`load: () => void (${lowerFirst(q)}(), ${lowerFirst(s)}()),`);
    b.dedent();
    b.line('}],');
  }
  b.dedent();
  b.line(']);');
  b.line();
  b.line('/**');
  b.line(' * Request header version for an API version: 2 when the version is flexible, else 1; 0 for');
  b.line(' * ControlledShutdown v0 (Kafka\'s ApiMessageType.requestHeaderVersion).');
  b.line(' * @throws RangeError for an unknown API key.');
  b.line(' */');
  b.block('export function requestHeaderVersion(apiKey: number, version: number): number', () => {
    b.line('const api = API_MESSAGES.get(apiKey);');
    b.line('if (api === undefined) throw new RangeError(`unknown API key ${apiKey}`);');
    b.line(`if (apiKey === ${apis.find((a) => a.name === 'ControlledShutdown')?.request.apiKey ?? 7} && version === 0) return 0;`);
    b.line('return api.flexibleFrom >= 0 && version >= api.flexibleFrom ? 2 : 1;');
  });
  b.line();
  b.line('/**');
  b.line(' * Response header version for an API version: 1 when the version is flexible, else 0. ApiVersions');
  b.line(' * responses always use header v0 so that any client can read them (KIP-511).');
  b.line(' * @throws RangeError for an unknown API key.');
  b.line(' */');
  b.block('export function responseHeaderVersion(apiKey: number, version: number): number', () => {
    b.line('const api = API_MESSAGES.get(apiKey);');
    b.line('if (api === undefined) throw new RangeError(`unknown API key ${apiKey}`);');
    b.line(`if (apiKey === ${apis.find((a) => a.name === 'ApiVersions')?.request.apiKey ?? 18}) return 0;`);
    b.line('return api.flexibleFrom >= 0 && version >= api.flexibleFrom ? 1 : 0;');
  });
  return b.toString();
}
