import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emitErrors, type ErrorEntry } from './emit-errors.ts';
import { emitMessageModule } from './emit-message.ts';
import { collectApis, emitApiKeys, emitApiMessages } from './emit-registry.ts';
import { kebabCase, loadMessages, type MessageSpec } from './schema.ts';

/** Path (relative to src/protocol/generated) of the module of one definition. */
export function modulePath(msg: MessageSpec): string {
  return `${msg.dir === 'clients' ? 'messages' : 'records'}/${kebabCase(msg.fileName)}.ts`;
}

/**
 * Generates every file of src/protocol/generated from the definitions in `schemaDir` and errors.json.
 * @returns file contents by path relative to the output directory, sorted by path.
 * @throws Error on a definition the generator cannot handle.
 */
export function generateAll(schemaDir: string): Map<string, string> {
  const messages = loadMessages(schemaDir);
  const files = new Map<string, string>();
  for (const msg of messages) {
    const path = modulePath(msg);
    if (files.has(path)) throw new Error(`two definitions map to ${path}`);
    files.set(path, emitMessageModule(msg, '../../'));
  }
  const apis = collectApis(messages);
  files.set('api-keys.ts', emitApiKeys(apis));
  files.set('api-messages.ts', emitApiMessages(apis));
  const errors = JSON.parse(readFileSync(join(import.meta.dirname, 'errors.json'), 'utf8')) as {
    errors: ErrorEntry[];
  };
  files.set('errors.ts', emitErrors(errors.errors));
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
