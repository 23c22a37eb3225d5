import { CodeBuffer } from './code-buffer.ts';
import { BANNER } from './emit-message.ts';
import { tsString } from './field-type.ts';

/** One entry of errors.json: Kafka's Errors enum (name, code, whether its exception is retriable). */
export interface ErrorEntry {
  readonly name: string;
  readonly code: number;
  readonly retriable: boolean;
  readonly message: string;
}

/** Validates the entries (unique names and codes, -1 and 0 present). @throws Error on a bad table. */
export function checkErrors(entries: readonly ErrorEntry[]): void {
  const names = new Set<string>();
  const codes = new Set<number>();
  for (const e of entries) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(e.name)) throw new Error(`bad error name ${e.name}`);
    if (names.has(e.name) || codes.has(e.code)) throw new Error(`duplicate error ${e.name} ${e.code}`);
    names.add(e.name);
    codes.add(e.code);
  }
  if (!codes.has(-1) || !codes.has(0)) throw new Error('errors.json must hold UNKNOWN_SERVER_ERROR and NONE');
}

/** `errors.ts`: the Errors constant object, ErrorName/ErrorCode types and ERROR_INFO by code. */
export function emitErrors(entries: readonly ErrorEntry[]): string {
  checkErrors(entries);
  const sorted = [...entries].sort((a, b) => a.code - b.code);
  const b = new CodeBuffer();
  b.line(BANNER);
  b.line("// Kafka's protocol error codes (org.apache.kafka.common.protocol.Errors), from src/protocol/codegen/errors.json.");
  b.line();
  b.line('/** Error code by name. */');
  b.block('export const Errors =', () => {
    for (const e of sorted) b.line(`${e.name}: ${e.code},`);
  }, ' as const;');
  b.line();
  b.line('export type ErrorName = keyof typeof Errors;');
  b.line('export type ErrorCode = (typeof Errors)[ErrorName];');
  b.line();
  b.line('/** Facts about one error code; `retriable` is true when Kafka\'s exception extends RetriableException. */');
  b.block('export interface ErrorInfo', () => {
    b.line('readonly name: ErrorName;');
    b.line('readonly code: number;');
    b.line('readonly retriable: boolean;');
    b.line('readonly message: string;');
  });
  b.line();
  b.line('/** Every error by code. */');
  b.block('export const ERROR_INFO: Readonly<Record<number, ErrorInfo>> =', () => {
    for (const e of sorted) {
      const key = e.code < 0 ? `'${e.code}'` : `${e.code}`;
      b.line(`${key}: { name: '${e.name}', code: ${e.code}, retriable: ${e.retriable}, message: ${tsString(e.message)} },`);
    }
  }, ';');
  return b.toString();
}
