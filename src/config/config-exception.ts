/**
 * A configuration error: an unknown name, a value of the wrong type, a value outside its valid range, or two
 * settings that contradict each other. Follows Kafka's `org.apache.kafka.common.config.ConfigException`, whose
 * message for a bad value reads `Invalid value <value> for configuration <name>: <reason>`.
 *
 * `errors` holds every problem found (the message joins them), so a bad file is reported in one pass.
 * Request handlers (CreateTopics, AlterConfigs, IncrementalAlterConfigs) map it to INVALID_CONFIG (40).
 */
export class ConfigException extends Error {
  readonly errors: readonly string[];

  constructor(errors: string | readonly string[]) {
    const list = typeof errors === 'string' ? [errors] : errors;
    super(list.length === 1 ? list[0] : `${list.length} configuration errors:\n  ${list.join('\n  ')}`);
    this.name = 'ConfigException';
    this.errors = list;
  }

  /** Kafka's wording for a value that fails to parse or validate. */
  static invalidValue(name: string, value: string | null, reason?: string): string {
    return `Invalid value ${value} for configuration ${name}${reason === undefined ? '' : `: ${reason}`}`;
  }
}
