/** The SimpleDateFormat letters supported, with their field in local time. */
const FIELDS: Record<string, (d: Date) => number> = {
  y: (d) => d.getFullYear(),
  M: (d) => d.getMonth() + 1,
  d: (d) => d.getDate(),
  H: (d) => d.getHours(),
  m: (d) => d.getMinutes(),
  s: (d) => d.getSeconds(),
  S: (d) => d.getMilliseconds(),
};

/**
 * Formats `date` (local time) with a java.text.SimpleDateFormat pattern made of the numeric fields y, M, d, H, m, s
 * and S (a run of n letters pads to n digits; "yy" is the two-digit year), quoted 'literals' and other characters as
 * they are: what Kafka's perf tools print with --date-format (default "yyyy-MM-dd HH:mm:ss:SSS").
 * @throws Error "Illegal pattern character 'X'" for another letter, as SimpleDateFormat.
 */
export function formatJavaDate(pattern: string, date: Date): string {
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      out += end === i + 1 ? "'" : pattern.slice(i + 1, end < 0 ? pattern.length : end);
      i = end < 0 ? pattern.length : end + 1;
      continue;
    }
    let n = 1;
    while (pattern[i + n] === c) n++;
    if (/[a-zA-Z]/.test(c)) {
      const field = FIELDS[c];
      if (field === undefined) throw new Error(`Illegal pattern character '${c}'`);
      const value = c === 'y' && n === 2 ? field(date) % 100 : field(date);
      out += String(value).padStart(n, '0');
    } else {
      out += c.repeat(n);
    }
    i += n;
  }
  return out;
}
