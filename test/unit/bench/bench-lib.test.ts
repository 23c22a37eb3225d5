// Unit tests of the bench suite's pure helpers (no broker, no load): run with
//   node --test bench/test/*.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, percentileSorted, ratio } from '../../../bench/lib/stats.ts';
import { renderTable } from '../../../bench/lib/report.ts';
import { writeMessageFile } from '../../../bench/lib/message-file.ts';
import { measureRawAppend } from '../../../bench/lib/raw-append.ts';
import { summariseCpuProfile } from '../../../bench/lib/cpu-profile.ts';
import { cpuSecondsFromStat, dirtyPageCacheFromMeminfo } from '../../../bench/lib/proc-stat.ts';

test('median and nearest-rank percentiles', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  const sorted = Array.from({ length: 1000 }, (_, i) => i + 1);
  assert.equal(percentileSorted(sorted, 50), 500);
  assert.equal(percentileSorted(sorted, 99), 990);
  assert.equal(percentileSorted(sorted, 99.9), 999);
  assert.equal(ratio(3, 2), '1.50x');
  assert.equal(ratio(undefined, 2), 'n/a');
});

test('the table shows baseline, ratio and whether a target is met', () => {
  const md = renderTable([
    { section: 'Produce', figure: 'acks=1', value: 300, unit: 'MB/s', baseline: { label: 'raw append', value: 1200 }, target: { op: '>=', value: 250 } },
    { section: 'Produce', figure: 'vs Redis', value: 100, unit: 'MB/s', baseline: { label: 'Redis', value: 80 }, target: { op: '>=', value: 2, on: 'ratio' } },
    { section: 'Peers', figure: 'NATS', unit: '', text: 'skipped: not installed' },
  ]);
  const lines = md.split('\n');
  assert.match(lines[2]!, /\| \*\*Produce\*\* \| acks=1 \| 300 MB\/s \| raw append: 1,200 MB\/s \| 0.25x \| ≥ 250 MB\/s \(met\) \|/);
  assert.match(lines[3]!, /^\|  \| vs Redis .*\| 1.25x \| ≥ 2x \(missed\) \|/);
  assert.match(lines[4]!, /\| \*\*Peers\*\* \| NATS \| skipped: not installed \|/);
});

test('message files have exact-size lines, are deterministic, and are reused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  try {
    const a = join(dir, 'a.txt');
    assert.equal(writeMessageFile(a, 10_000, 1024), 10_000 * 1024);
    const lines = readFileSync(a, 'latin1').split('\n');
    assert.equal(lines.length, 10_001); // trailing newline
    assert.ok(lines.slice(0, -1).every((l) => l.length === 1024 && l.startsWith('{"id":')));
    const b = join(dir, 'b.txt');
    writeMessageFile(b, 10_000, 1024);
    assert.deepEqual(readFileSync(a), readFileSync(b));
    const mtime = statSync(a).mtimeMs;
    writeMessageFile(a, 10_000, 1024);
    assert.equal(statSync(a).mtimeMs, mtime);
    assert.ok(readFileSync(join(dir, 'a.txt'), 'latin1').slice(0, 1024).endsWith('"}'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A minimal v2 batch: 61-byte header + `recordBytes` of (fake) records, `records` counted by lastOffsetDelta. */
function fakeBatch(records: number, recordBytes: number, codec = 0): Buffer {
  const b = Buffer.alloc(61 + recordBytes);
  b.writeInt32BE(b.length - 12, 8); // batchLength
  b.writeInt8(2, 16); // magic
  b.writeInt16BE(codec, 21); // attributes
  b.writeInt32BE(records - 1, 23); // lastOffsetDelta
  return b;
}

test('raw append counts the records and bytes of every batch, across segments and zero fill', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  try {
    const part = join(dir, 'topic-0');
    mkdirSync(part);
    writeFileSync(join(part, '00000000000000000000.log'), Buffer.concat([fakeBatch(10, 100, 3), fakeBatch(5, 50)]));
    writeFileSync(join(part, '00000000000000000015.log'), Buffer.concat([fakeBatch(7, 10), Buffer.alloc(100)]));
    const r = measureRawAppend(part, dir);
    assert.equal(r.records, 22);
    assert.equal(r.batches, 3);
    assert.equal(r.bytes, 161 + 111 + 71);
    assert.equal(r.firstCodec, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the CPU profile summary counts self time inside the window only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  try {
    const path = join(dir, 'p.cpuprofile');
    const frame = (id: number, functionName: string, url = ''): object => ({ id, callFrame: { functionName, url, lineNumber: 9, columnNumber: 0 } });
    writeFileSync(path, JSON.stringify({
      nodes: [frame(1, '(root)'), frame(2, '(idle)'), frame(3, 'append', 'file:///repo/src/storage/log-segment.ts'), frame(4, 'load', 'node:internal/modules')],
      startTime: 1000,
      // samples at t = 1100 (load), 1200 (append), 1300 (append), 1400 (idle), 1500 (append)
      samples: [4, 3, 3, 2, 3],
      timeDeltas: [100, 100, 100, 100, 100],
    }));
    const all = summariseCpuProfile(path, '/repo');
    assert.equal(all.busyMs, 0.4);
    assert.equal(all.topFrames[0]!.frame, 'append (src/storage/log-segment.ts:10)');
    assert.equal(all.topFrames[0]!.share, 0.75);
    assert.equal(all.topFrames[1]!.frame, 'load (node:internal/modules:10)');
    const windowed = summariseCpuProfile(path, '/repo', 12, { fromUs: 1150, toUs: 1450 });
    assert.equal(windowed.busyMs, 0.2);
    assert.equal(windowed.idleMs, 0.1);
    assert.deepEqual(windowed.topFiles.map((f) => [f.frame, f.share]), [['src/storage/log-segment.ts', 1]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CPU seconds from a stat line include children only when asked', () => {
  // pid (comm with spaces) state ppid ... utime=14 stime=15 cutime=16 cstime=17 (1-based fields)
  const fields = ['S', ...Array.from({ length: 10 }, () => '0'), '250', '50', '100', '30', '20', '0'];
  const stat = `123 (my (odd) name) ${fields.join(' ')}`;
  assert.equal(cpuSecondsFromStat(stat, false), 3);
  assert.equal(cpuSecondsFromStat(stat, true), 4.3);
});

test('dirty and writeback page cache from /proc/meminfo, in MB', () => {
  const text = 'MemTotal:       24684292 kB\nDirty:            468720 kB\nWriteback:            8 kB\nWritebackTmp:          0 kB\n';
  assert.deepEqual(dirtyPageCacheFromMeminfo(text), { dirtyMB: (468720 * 1024) / 1e6, writebackMB: (8 * 1024) / 1e6 });
  assert.ok(Number.isNaN(dirtyPageCacheFromMeminfo('MemTotal: 1 kB\n').dirtyMB));
});
