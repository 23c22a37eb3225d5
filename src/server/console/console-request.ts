// What one web-console API call carries: its query parameters, read strictly (a malformed one is a 400), and the
// identity it is authorized with.
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { KafkaPrincipal } from '../../security/kafka-principal.ts';

/** A malformed or missing parameter of a console API call: the server answers 400 with this message. */
export class ConsoleBadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConsoleBadRequest';
  }
}

/** The caller may not read what it asked for (403), or it does not exist here (404). */
export class ConsoleRefusal extends Error {
  readonly status: 403 | 404;
  constructor(status: 403 | 404, message: string) {
    super(message);
    this.name = 'ConsoleRefusal';
    this.status = status;
  }
}

/** The API keys whose authorization a console read mirrors (the audit log names them). */
export const CONSOLE_API_KEYS = {
  describeCluster: ApiKeys.DescribeCluster,
  metadata: ApiKeys.Metadata,
  describeConfigs: ApiKeys.DescribeConfigs,
  fetch: ApiKeys.Fetch,
  listGroups: ApiKeys.ListGroups,
  describeGroups: ApiKeys.DescribeGroups,
  offsetFetch: ApiKeys.OffsetFetch,
} as const;

/**
 * One console API call: the principal it acts as (`console.principal`), the HTTP client's address (the host the
 * authorizer matches ACLs against) and the query parameters, with typed, bounded readers.
 */
export class ConsoleRequest {
  readonly principal: KafkaPrincipal;
  readonly clientAddress: string;
  readonly #params: URLSearchParams;

  constructor(principal: KafkaPrincipal, clientAddress: string, params: URLSearchParams) {
    this.principal = principal;
    this.clientAddress = clientAddress;
    this.#params = params;
  }

  /** The only value of `name`, or null. @throws ConsoleBadRequest when it is given more than once. */
  #get(name: string): string | null {
    const values = this.#params.getAll(name);
    if (values.length > 1) throw new ConsoleBadRequest(`${name} is given ${values.length} times`);
    return values[0] ?? null;
  }

  /**
   * The integer parameter `name` in [min, max], or `fallback` when absent.
   * @throws ConsoleBadRequest when it is not a decimal integer or out of range.
   */
  int(name: string, fallback: number, min: number, max: number): number {
    const text = this.#get(name);
    if (text === null) return fallback;
    if (!/^-?\d{1,15}$/.test(text)) throw new ConsoleBadRequest(`${name} must be an integer, got '${text}'`);
    const n = Number(text);
    if (n < min || n > max) throw new ConsoleBadRequest(`${name} must be in [${min}, ${max}], got ${n}`);
    return n;
  }

  /**
   * The int64 parameter `name` (>= 0), or null when absent.
   * @throws ConsoleBadRequest when it is not a non-negative decimal int64.
   */
  long(name: string): bigint | null {
    const text = this.#get(name);
    if (text === null) return null;
    if (!/^\d{1,19}$/.test(text) || BigInt(text) > 0x7fffffffffffffffn) throw new ConsoleBadRequest(`${name} must be a non-negative int64, got '${text}'`);
    return BigInt(text);
  }

  /**
   * The parameter `name`, one of `allowed`, or `allowed[0]` when absent.
   * @throws ConsoleBadRequest for any other value.
   */
  oneOf<const T extends string>(name: string, allowed: readonly [T, ...T[]]): T {
    const text = this.#get(name);
    if (text === null) return allowed[0];
    if (!(allowed as readonly string[]).includes(text)) throw new ConsoleBadRequest(`${name} must be one of ${allowed.join(', ')}, got '${text}'`);
    return text as T;
  }
}
