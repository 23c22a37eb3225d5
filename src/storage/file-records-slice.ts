import type { ExternalRecords, FileRegion } from '../protocol/writer.ts';

/** What a slice needs from the file it points into (implemented by FileRecords). */
export interface SliceSource {
  readonly fd: number;
  /** Reads `length` bytes at `position` into `target` or a new Buffer (fewer only if the file shrank). */
  readAt(position: number, length: number, target?: Buffer): Promise<Buffer>;
  /** Drops one reference taken for this slice; the file may close once none remain. */
  release(): void;
}

/**
 * A byte range of a segment file holding whole record batches (possibly a partial last one, as Kafka's
 * FileRecords.slice): what a log read returns. It implements {@link ExternalRecords}, so the network layer can
 * sendfile(2) the region straight from the page cache; `readInto()` is the copying fallback (TLS, tests,
 * in-process readers).
 *
 * The slice holds a reference on its file: a segment deleted by retention or compaction is not closed while a
 * slice is outstanding, so its fd cannot be reused under an in-flight sendfile. Whoever consumes the slice calls
 * `release()` exactly once (idempotent here); `readInto()` releases it itself.
 */
export class FileRecordsSlice implements ExternalRecords {
  readonly sizeInBytes: number;
  readonly regions: readonly FileRegion[];
  /** Byte position of the slice in its segment file. */
  readonly position: number;
  #source: SliceSource | null;

  /** @param source the file (already retained for this slice), or null for the empty slice. */
  constructor(source: SliceSource | null, position: number, length: number) {
    this.#source = source;
    this.position = position;
    this.sizeInBytes = length;
    this.regions = source === null || length === 0 ? [] : [{ fd: source.fd, position, length }];
  }

  /** The file descriptor of the segment file (-1 for the empty slice). */
  get fd(): number {
    return this.#source?.fd ?? -1;
  }

  /** True once released (the fd must no longer be used). */
  get released(): boolean {
    return this.#source === null;
  }

  /** Gives the file reference back. Safe to call more than once. */
  release(): void {
    const s = this.#source;
    if (s === null) return;
    this.#source = null;
    s.release();
  }

  /**
   * Copies the slice's bytes into `target` (when given and large enough; a view of it is returned) or a new
   * Buffer, then releases the slice.
   * @throws Error if the slice was already released (and is not empty).
   */
  async readInto(target?: Buffer): Promise<Buffer> {
    if (this.sizeInBytes === 0) {
      this.release();
      return target?.subarray(0, 0) ?? Buffer.alloc(0);
    }
    const s = this.#source;
    if (s === null) throw new Error('FileRecordsSlice already released');
    try {
      return await s.readAt(this.position, this.sizeInBytes, target);
    } finally {
      this.release();
    }
  }
}

/** The empty read result (no file, no bytes). */
export const EMPTY_RECORDS: FileRecordsSlice = new FileRecordsSlice(null, 0, 0);
