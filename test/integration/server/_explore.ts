import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, readFileSync, lstatSync } from 'node:fs';
import { startBroker } from '/work/main/test/helpers/broker.ts';
const run = promisify(execFile);
const dir = '/usr/share/common-licenses';
const lines: string[] = [];
for (const f of readdirSync(dir).sort()) { if (!lstatSync(`${dir}/${f}`).isFile()) continue; lines.push(...readFileSync(`${dir}/${f}`, 'utf8').split('\n')); }
const N = 100000;
let input = '';
for (let i = 0; i < N; i++) input += `k${i}\x1f${lines[i % lines.length]}\n`;
const broker = await startBroker();
try {
  for (const codec of process.argv.slice(2)) {
    const t0 = Date.now();
    await new Promise<void>((res, rej) => {
      const p = spawn('kcat', ['-P', '-b', broker.bootstrap, '-t', 'c-' + codec, '-K', '\\x1f', '-z', codec, '-H', 'h1=v1', '-X', 'topic.request.required.acks=all'], { stdio: ['pipe', 'inherit', 'inherit'] });
      p.on('exit', (c) => c === 0 ? res() : rej(new Error('exit ' + c)));
      p.stdin.end(input);
    });
    const t1 = Date.now();
    const { stdout } = await run('kcat', ['-C', '-b', broker.bootstrap, '-t', 'c-' + codec, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o|%T|%K|%S|%h|%k%s\n'], { maxBuffer: 1 << 28, encoding: 'buffer' });
    const t2 = Date.now();
    const outLines = stdout.toString().split('\n');
    console.log(codec, 'produce', t1 - t0, 'consume', t2 - t1, 'lines', outLines.length, outLines.slice(0, 3), outLines.filter(l => l.includes('|0|')).slice(0,2));
  }
} finally { await broker.cleanup(); }
