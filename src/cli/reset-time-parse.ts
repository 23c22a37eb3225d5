// The two time arguments of `consumer-groups --reset-offsets`: --to-datetime (Kafka's Utils.getDateTime) and
// --by-duration (java.time.Duration.parse, ISO-8601 PnDTnHnMn.nS).

/**
 * Parses `yyyy-MM-ddTHH:mm:ss.SSS` with an optional zone (Z, +hh:mm, +hhmm); without one, local time, as Kafka.
 * @returns ms since the epoch. @throws Error with Kafka's message for another format.
 */
export function parseDateTime(value: string): number {
  if (!value.includes('T')) throw new Error("Error parsing timestamp. It does not contain a 'T' according to ISO8601 format");
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (m === null) throw new Error(`Error parsing timestamp with format yyyy-MM-dd'T'HH:mm:ss.SSS: ${value}`);
  const zone = m[2] === undefined ? '' : m[2] === 'Z' ? 'Z' : `${m[2].slice(0, 3)}:${m[2].slice(-2)}`;
  const ms = Date.parse(`${m[1]}${zone}`);
  if (Number.isNaN(ms)) throw new Error(`Error parsing timestamp with format yyyy-MM-dd'T'HH:mm:ss.SSS: ${value}`);
  return ms;
}

/**
 * Parses an ISO-8601 duration as java.time.Duration.parse: `[-]PnDTnHnMn.nS` (days are 24 h).
 * @returns the duration in ms. @throws Error "Text cannot be parsed to a Duration" otherwise.
 */
export function parseDuration(value: string): number {
  const m = /^([-+]?)P(?:([-+]?\d+)D)?(?:T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{0,9}))?S)?)?$/i.exec(value);
  if (m === null || (m[2] ?? m[3] ?? m[4] ?? m[5]) === undefined || /T$/i.test(value)) throw new Error(`Text cannot be parsed to a Duration: ${value}`);
  const n = (s: string | undefined): number => (s === undefined ? 0 : Number(s));
  const seconds = n(m[5]);
  const fraction = m[6] === undefined || m[6] === '' ? 0 : Number(`0.${m[6]}`) * 1000 * (m[5]?.startsWith('-') ? -1 : 1);
  const ms = ((n(m[2]) * 24 + n(m[3])) * 60 + n(m[4])) * 60_000 + seconds * 1000 + fraction;
  return m[1] === '-' ? -ms : ms;
}
