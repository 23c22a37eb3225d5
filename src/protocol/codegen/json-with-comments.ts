/**
 * Parses Kafka's message-definition JSON, which allows `//` line comments (see the README of
 * clients/src/main/resources/common/message). Comments are removed outside string literals, then the text
 * goes to JSON.parse.
 * @throws SyntaxError when the remaining text is not valid JSON.
 */
export function parseJsonWithComments(text: string): unknown {
  let out = '';
  let i = 0;
  let inString = false;
  while (i < text.length) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (c === '"') inString = false;
      i++;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    out += c;
    i++;
  }
  return JSON.parse(out);
}
