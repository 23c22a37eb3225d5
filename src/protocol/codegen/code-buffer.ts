/** An indented line buffer for emitting TypeScript source (2-space indentation, `\n` line ends). */
export class CodeBuffer {
  readonly #lines: string[] = [];
  #indent = 0;

  line(text = ''): this {
    this.#lines.push(text === '' ? '' : '  '.repeat(this.#indent) + text);
    return this;
  }

  /** Emits `header {`, the body one level deeper, then `}` + `trailer`. */
  block(header: string, body: () => void, trailer = ''): this {
    this.line(`${header} {`);
    this.#indent++;
    body();
    this.#indent--;
    return this.line(`}${trailer}`);
  }

  indent(): this {
    this.#indent++;
    return this;
  }

  dedent(): this {
    this.#indent--;
    return this;
  }

  toString(): string {
    return this.#lines.join('\n') + '\n';
  }
}
