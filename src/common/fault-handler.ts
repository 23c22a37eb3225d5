/**
 * What a component calls when it meets a fault it must not carry past (Kafka's `org.apache.kafka.server.fault.
 * FaultHandler`): a committed metadata record that does not apply, a metadata publisher that throws, a state file
 * that cannot be read. The process handler logs and ends the process (fail-stop, Kafka's
 * `ProcessTerminatingFaultHandler`); tests and simulations use {@link RecordingFaultHandler} to observe faults.
 */
export interface FaultHandler {
  /**
   * Handles a fault. The process handler never returns (it exits); others return an Error for the caller to
   * throw, so the code after the call is not run with a broken invariant.
   * @param failureMessage what failed, in one line (logged at fatal).
   * @param cause the underlying exception, if any.
   */
  handleFault(failureMessage: string, cause?: unknown): Error;
}

/** The part of a pino logger a fault handler needs (common/ imports no other layer). */
export interface FaultLogger {
  fatal(obj: object, msg: string): void;
}

/** An Error that carries the fault's message and cause, thrown by callers of {@link FaultHandler.handleFault}. */
export class FaultHandlerException extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'FaultHandlerException';
  }
}

/**
 * Logs the fault at fatal level and ends the process with `exitCode` (default 1) at once: no clean shutdown, as
 * Kafka's `ProcessTerminatingFaultHandler` does with `Exit.halt`, because whatever state the fault left must not be
 * written anywhere (no checkpoints, no clean-shutdown marker: the next start recovers from the logs).
 */
export class ProcessTerminatingFaultHandler implements FaultHandler {
  readonly #logger: FaultLogger;
  readonly #exitCode: number;
  readonly #exit: (code: number) => never;

  /** @param exit defaults to `process.exit` (replaceable for a test of the handler itself). */
  constructor(logger: FaultLogger, options: { exitCode?: number; exit?: (code: number) => never } = {}) {
    this.#logger = logger;
    this.#exitCode = options.exitCode ?? 1;
    this.#exit = options.exit ?? ((code) => process.exit(code));
  }

  handleFault(failureMessage: string, cause?: unknown): Error {
    this.#logger.fatal({ err: cause }, `Fault: ${failureMessage}; halting the process`);
    return this.#exit(this.#exitCode);
  }
}

/** Records faults instead of ending the process (tests, simulations). */
export class RecordingFaultHandler implements FaultHandler {
  readonly faults: { message: string; cause: unknown }[] = [];

  handleFault(failureMessage: string, cause?: unknown): Error {
    this.faults.push({ message: failureMessage, cause });
    return new FaultHandlerException(failureMessage, cause);
  }

  /** The first recorded fault, or null. */
  get firstFault(): { message: string; cause: unknown } | null {
    return this.faults[0] ?? null;
  }
}
