// Kafka's JAAS configuration syntax (`sasl.jaas.config`), as org.apache.kafka.common.security.JaasConfig parses it:
//   <LoginModuleClass> <required|requisite|sufficient|optional> [<name>=<value>]* ;
// values are bare tokens or double-quoted strings (backslash escapes the next character); several entries may
// follow one another.

/** One login module entry of a JAAS configuration. */
export interface JaasLoginModule {
  readonly loginModule: string;
  readonly controlFlag: 'required' | 'requisite' | 'sufficient' | 'optional';
  readonly options: ReadonlyMap<string, string>;
}

const CONTROL_FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

/** Splits JAAS text into tokens: words, quoted strings (unquoted), '=' and ';'. */
function tokenize(text: string): { value: string; quoted: boolean }[] {
  const out: { value: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '=' || c === ';') {
      out.push({ value: c, quoted: false });
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      if (i >= text.length) throw new Error('unterminated quoted string');
      i++;
      out.push({ value, quoted: true });
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 2;
    } else {
      let value = '';
      while (i < text.length && !/[\s=;"]/.test(text[i]!)) value += text[i++];
      out.push({ value, quoted: false });
    }
  }
  return out;
}

/**
 * Parses a `sasl.jaas.config` value into its login modules.
 * @throws Error naming what is wrong (Kafka: "Invalid JAAS config") for text that does not follow the syntax:
 *   a missing control flag, an option without '=' or value, or an entry not ended by ';'. The message never
 *   includes option values (they hold passwords).
 */
export function parseJaasConfig(text: string): JaasLoginModule[] {
  let tokens;
  try {
    tokens = tokenize(text);
  } catch (err) {
    throw new Error(`Invalid JAAS config: ${(err as Error).message}`);
  }
  const modules: JaasLoginModule[] = [];
  let i = 0;
  while (i < tokens.length) {
    const loginModule = tokens[i++]!;
    if (loginModule.quoted || loginModule.value === '=' || loginModule.value === ';') throw new Error('Invalid JAAS config: expected a login module class name');
    const flag = tokens[i++];
    if (flag === undefined || !CONTROL_FLAGS.has(flag.value.toLowerCase())) {
      throw new Error(`Invalid JAAS config: login module ${loginModule.value} needs a control flag (required, requisite, sufficient or optional)`);
    }
    const options = new Map<string, string>();
    for (;;) {
      const key = tokens[i++];
      if (key === undefined) throw new Error(`Invalid JAAS config: login module ${loginModule.value} is not terminated by ';'`);
      if (key.value === ';' && !key.quoted) break;
      if (tokens[i]?.value !== '=' || tokens[i]?.quoted === true) throw new Error(`Invalid JAAS config: option ${key.value} has no '=' and value`);
      const value = tokens[i + 1];
      if (value === undefined || (!value.quoted && (value.value === ';' || value.value === '='))) {
        throw new Error(`Invalid JAAS config: option ${key.value} has no value`);
      }
      options.set(key.value, value.value);
      i += 2;
    }
    modules.push({ loginModule: loginModule.value, controlFlag: flag.value.toLowerCase() as JaasLoginModule['controlFlag'], options });
  }
  if (modules.length === 0) throw new Error('Invalid JAAS config: no login module');
  return modules;
}
