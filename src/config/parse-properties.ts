// Java `.properties` text -> key/value pairs, following `java.util.Properties.load(Reader)`:
// - lines end at \n, \r or \r\n; leading whitespace (space, \t, \f) of every line is skipped;
// - a line whose first non-whitespace character is # or ! is a comment; blank lines are skipped;
// - a line ending in an odd number of backslashes continues on the next line (whose leading whitespace is
//   dropped); comment lines never continue;
// - the key ends at the first unescaped '=', ':' or whitespace; whitespace, then one '=' or ':', then whitespace
//   are skipped before the value; the value keeps trailing whitespace;
// - escapes in keys and values: \t \n \r \f, \uXXXX, and \<any other char> stands for that char (so \\ is '\',
//   '\=' is '=', '\ ' is ' '); a malformed \u escape is an error;
// - a repeated key keeps its last value.

import { ConfigException } from './config-exception.ts';

const WHITESPACE = new Set([' ', '\t', '\f']);

/** Splits text into logical lines (continuations joined, escapes still in place). */
function logicalLines(text: string): string[] {
  const physical = text.split(/\r\n|\r|\n/);
  const result: string[] = [];
  let pending: string | null = null;
  for (const raw of physical) {
    let i = 0;
    while (i < raw.length && WHITESPACE.has(raw[i])) i++;
    const line = raw.slice(i);
    if (pending === null) {
      if (line === '' || line[0] === '#' || line[0] === '!') continue;
    }
    let backslashes = 0;
    for (let j = line.length - 1; j >= 0 && line[j] === '\\'; j--) backslashes++;
    const continues = backslashes % 2 === 1;
    const content = continues ? line.slice(0, -1) : line;
    pending = pending === null ? content : pending + content;
    if (!continues) {
      result.push(pending);
      pending = null;
    }
  }
  // A continuation on the last line ends the logical line at end of input, as Java does.
  if (pending !== null) result.push(pending);
  return result;
}

/** Replaces escape sequences; `lineForErrors` is quoted in the error for a malformed \uXXXX. */
function unescape(s: string, lineForErrors: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    i++;
    if (i >= s.length) break;
    const e = s[i];
    switch (e) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        const hex = s.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          throw new ConfigException(`Malformed \\uxxxx encoding in properties line: ${lineForErrors}`);
        }
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
        break;
      }
      default:
        out += e;
    }
  }
  return out;
}

/** Splits one logical line into raw (still escaped) key and value. */
function splitKeyValue(line: string): [string, string] {
  let keyEnd = 0;
  while (keyEnd < line.length) {
    const c = line[keyEnd];
    if (c === '\\') {
      keyEnd += 2;
      continue;
    }
    if (c === '=' || c === ':' || WHITESPACE.has(c)) break;
    keyEnd++;
  }
  keyEnd = Math.min(keyEnd, line.length);
  let v = keyEnd;
  while (v < line.length && WHITESPACE.has(line[v])) v++;
  if (v < line.length && (line[v] === '=' || line[v] === ':')) {
    v++;
    while (v < line.length && WHITESPACE.has(line[v])) v++;
  }
  return [line.slice(0, keyEnd), line.slice(v)];
}

/**
 * Parses Java .properties text into a plain object (insertion order kept; a repeated key keeps its last value).
 * Throws {@link ConfigException} on a malformed \uXXXX escape. Values are returned untrimmed, as Java does;
 * config parsing trims them.
 */
export function parseProperties(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of logicalLines(text)) {
    const [rawKey, rawValue] = splitKeyValue(line);
    const key = unescape(rawKey, line);
    const value = unescape(rawValue, line);
    // defineProperty so that a key such as "__proto__" is stored as data, not as the prototype.
    if (key in result) delete result[key];
    Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

/**
 * Formats key/value pairs as .properties text that {@link parseProperties} (and Java) read back unchanged:
 * one `key=value` line per entry, escaping backslashes, separators, leading spaces, comment markers and
 * control characters.
 */
export function formatProperties(props: Readonly<Record<string, string>>): string {
  const escape = (s: string, isKey: boolean): string => {
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      const code = c.charCodeAt(0);
      if (c === '\\') out += '\\\\';
      else if (c === '\t') out += '\\t';
      else if (c === '\n') out += '\\n';
      else if (c === '\r') out += '\\r';
      else if (c === '\f') out += '\\f';
      else if (c === ' ' && (isKey || i === 0)) out += '\\ ';
      else if ((c === '=' || c === ':') && isKey) out += `\\${c}`;
      else if ((c === '#' || c === '!') && i === 0) out += `\\${c}`;
      else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
      else out += c;
    }
    return out;
  };
  return Object.entries(props)
    .map(([k, v]) => `${escape(k, true)}=${escape(v, false)}\n`)
    .join('');
}
