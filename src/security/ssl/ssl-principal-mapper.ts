// ssl.principal.mapping.rules, after Kafka's SslPrincipalMapper (KIP-371): a comma-separated list of rules, each
// `DEFAULT` (the distinguished name unchanged) or `RULE:<pattern>/<replacement>/[L|U]`, tried in order; the first
// rule whose pattern matches the whole RFC 2253 distinguished name gives the principal name.

/** One parsed rule: DEFAULT, or a regular expression with its replacement and case folding. */
interface Rule {
  readonly text: string;
  apply(distinguishedName: string): string | null;
}

/**
 * Kafka's splitter: a rule is `DEFAULT`, `RULE:pattern/replacement/` (with `\x` escapes inside pattern and
 * replacement) and an optional L or U, or anything else (then refused by the parser), separated by commas.
 */
const RULE_SPLITTER = /\s*((DEFAULT)|RULE:((\\.|[^\\/])*)\/((\\.|[^\\/])*)\/([LU]?).*?|(.*?))\s*(,\s*|$)/gy;
const RULE_PARSER = /^(?:(DEFAULT)|RULE:((?:\\.|[^\\/])*)\/((?:\\.|[^\\/])*)\/([LU]?))/;

/**
 * A Java `Matcher.replaceAll` replacement string in JavaScript's `String.replace` syntax: `\x` is the literal x,
 * `$n` a group (Java's rule: the longest group number that exists; with fewer groups, the digits after the first
 * stay literal, which JavaScript also does), a literal `$` becomes `$$`.
 */
function javaReplacement(replacement: string, groupCount: number): string {
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c === '\\') {
      const next = replacement[++i];
      if (next === undefined) throw new Error(`character to be escaped is missing in replacement ${replacement}`);
      out += next === '$' ? '$$' : next;
    } else if (c === '$') {
      let digits = '';
      while (i + 1 < replacement.length && /[0-9]/.test(replacement[i + 1]!)) digits += replacement[++i];
      if (digits === '') throw new Error(`illegal group reference in replacement ${replacement}`);
      // Kafka leaves the replacement alone for a pattern without groups; Java's replaceAll then fails on `$n`.
      if (groupCount === 0 && digits !== '0') throw new Error(`no group ${digits} in a pattern without groups (replacement ${replacement})`);
      // Kafka escapes back references to groups that do not exist (they stay literal text).
      let n = Number(digits.slice(0, 1));
      let used = 1;
      while (used < digits.length && Number(digits.slice(0, used + 1)) <= groupCount) n = Number(digits.slice(0, ++used));
      // JavaScript's two-digit `$nn` ends the group number where Java's longest-existing-group rule ends it.
      out += n > groupCount ? `$$${digits}` : `${n === 0 ? '$&' : `$${String(n).padStart(2, '0')}`}${digits.slice(used)}`;
    } else {
      out += c;
    }
  }
  return out;
}

function regexRule(text: string, pattern: string, replacement: string, fold: string): Rule {
  let whole: RegExp;
  let global: RegExp;
  try {
    whole = new RegExp(`^(?:${pattern})$`);
    global = new RegExp(pattern, 'g');
  } catch (err) {
    throw new Error(`Invalid rule: ${text}: ${(err as Error).message}`, { cause: err });
  }
  const groupCount = new RegExp(`${pattern}|`).exec('')!.length - 1;
  let js: string;
  try {
    js = javaReplacement(replacement, groupCount);
  } catch (err) {
    throw new Error(`Invalid rule: ${text}: ${(err as Error).message}`, { cause: err });
  }
  return {
    text,
    apply(dn) {
      if (!whole.test(dn)) return null;
      global.lastIndex = 0;
      const result = dn.replace(global, js);
      if (fold === 'L') return result.toLowerCase();
      if (fold === 'U') return result.toUpperCase();
      return result;
    },
  };
}

/**
 * Maps the RFC 2253 distinguished name of a TLS client certificate's subject to a principal name, as Kafka's
 * `SslPrincipalMapper` does for `ssl.principal.mapping.rules`. Patterns are Java regular expressions; they are
 * compiled as JavaScript ones (the common syntax agrees; Java-only constructs such as possessive quantifiers are
 * refused at construction).
 *
 * @throws Error at construction ("Invalid rule: ...") for a rule that does not parse or compile: the broker
 *   refuses to start, as Kafka's channel builder does.
 */
export class SslPrincipalMapper {
  readonly #rules: readonly Rule[];

  constructor(rules: string | null) {
    this.#rules = SslPrincipalMapper.#parse(SslPrincipalMapper.#split(rules ?? 'DEFAULT'));
  }

  static #split(text: string): string[] {
    const out: string[] = [];
    const trimmed = text.trim();
    RULE_SPLITTER.lastIndex = 0;
    while (RULE_SPLITTER.lastIndex < trimmed.length) {
      const m = RULE_SPLITTER.exec(trimmed);
      if (m === null || m[0] === '') break;
      out.push(m[1]!);
    }
    return out;
  }

  static #parse(texts: readonly string[]): Rule[] {
    const rules: Rule[] = [];
    for (const text of texts) {
      const m = RULE_PARSER.exec(text);
      if (m === null) {
        // Kafka's parser matches anything as an empty rule: an empty text adds no rule, anything else is refused.
        if (text === '') continue;
        throw new Error(`Invalid rule: \`${text}\`, unmatched substring: \`${text}\``);
      }
      if (m[0].length !== text.length) throw new Error(`Invalid rule: \`${text}\`, unmatched substring: \`${text.slice(m[0].length)}\``);
      if (m[1] !== undefined) rules.push({ text, apply: (dn) => dn });
      else rules.push(regexRule(text, m[2]!, m[3]!, m[4]!));
    }
    return rules;
  }

  /**
   * The principal name of `distinguishedName` (RFC 2253, e.g. `CN=alice,OU=eng,O=Acme`).
   * @throws Error "No rules apply to ..." when no rule matches (Kafka's NoMatchingRule: the connection fails).
   */
  getName(distinguishedName: string): string {
    for (const rule of this.#rules) {
      const name = rule.apply(distinguishedName);
      if (name !== null) return name;
    }
    throw new Error(`No rules apply to ${distinguishedName}, rules [${this.#rules.map((r) => r.text).join(', ')}]`);
  }
}
