// Input files for `kcat -P -l` (one message per line): JSON-like records of a fixed size, about three quarters
// words and a quarter random characters, so lz4 gets a realistic ratio (about 1.8x) instead of the 100x+ of a
// repeated byte. Deterministic (seeded), so every run and every system sees the same bytes.
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo',
  'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango', 'uniform', 'victor', 'whiskey',
  'xray', 'yankee', 'zulu', 'order', 'payment', 'shipped', 'created', 'updated', 'deleted'];
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Distinct records per file; lines repeat after this (8 MiB at 1 KiB: far beyond lz4's 64 KiB window). */
const DISTINCT = 8192;

/** xorshift32: a tiny seeded PRNG (no crypto needed, only reproducibility). */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** One record of exactly `size` bytes (ASCII, no newline). */
function record(i: number, size: number, next: () => number): string {
  let s = `{"id":${i},"ts":${1_700_000_000_000 + i},"user":"user-${next() % 10000}","event":"${WORDS[next() % WORDS.length]}","payload":"`;
  while (s.length < size - 2) {
    if ((next() & 3) !== 0) s += WORDS[next() % WORDS.length] + ' ';
    else for (let k = 0; k < 6; k++) s += ALPHABET[next() & 63];
  }
  return (s.slice(0, size - 2) + '"}').slice(0, size);
}

/**
 * Writes `count` lines of `size`-byte records (+ '\n' each) to `path`, unless a file of that exact length is
 * already there (reused between runs). Returns the payload bytes (count * size).
 */
export function writeMessageFile(path: string, count: number, size: number): number {
  const total = count * (size + 1);
  if (existsSync(path) && statSync(path).size === total) return count * size;
  const next = prng(0x5eed + size);
  const lines = Array.from({ length: Math.min(DISTINCT, count) }, (_, i) => record(i, size, next) + '\n');
  const block = Buffer.from(lines.join(''), 'latin1');
  const fd = openSync(path, 'w');
  try {
    let left = count;
    while (left > 0) {
      const n = Math.min(left, lines.length);
      writeSync(fd, block, 0, n * (size + 1));
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
  return count * size;
}
