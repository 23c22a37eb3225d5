// bench/native/raw-fsync.c, the raw group-commit baseline of the fsync-before-ack latency rows: compiled with cc
// and run briefly against a real file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SOURCE = new URL('../../../bench/native/raw-fsync.c', import.meta.url).pathname;

test('raw-fsync acknowledges every record of the open-loop rate after an fdatasync that covers it, and removes its file', { skip: existsSync('/usr/bin/cc') ? false : 'no C compiler (cc)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'raw-fsync-'));
  try {
    const binary = join(dir, 'raw-fsync');
    execFileSync('cc', ['-O2', '-Wall', '-Werror', '-o', binary, SOURCE, '-lpthread']);
    const rate = 2000;
    const out = execFileSync(binary, [join(dir, 'data.log'), String(rate), '1024', '1', '0.5', '1'], { encoding: 'utf8', timeout: 60_000 });
    const r = JSON.parse(out) as Record<string, number>;
    assert.equal(r.records, rate * 1.5);
    // Records due in the warm-up (the first 0.5 s) are not measured.
    assert.ok(Math.abs(r.measured! - rate) <= 1, `measured ${r.measured}`);
    assert.ok(r.fdatasyncs! > 0 && r.fdatasyncs! <= r.records!, `fdatasyncs ${r.fdatasyncs}`);
    assert.ok(r.achievedRate! > rate * 0.5, `achieved ${r.achievedRate}`);
    assert.ok(r.syncP50Us! > 0 && r.syncP50Us! <= r.syncP99Us! && r.syncP99Us! <= r.syncMaxUs!);
    assert.ok(r.ackP50Us! > 0 && r.ackP50Us! <= r.ackP99Us! && r.ackP99Us! <= r.ackP999Us! && r.ackP999Us! <= r.ackMaxUs!);
    assert.deepEqual(readdirSync(dir).sort(), ['raw-fsync'], 'the data file is removed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
