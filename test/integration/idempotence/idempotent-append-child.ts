// Child process of the idempotence crash test: a partition log behind a line protocol. It opens a LogManager on
// argv[2] (recovering whatever the last kill -9 left, producer state included), prints "ready <logEndOffset>",
// then for each stdin line "<id> <hex batch>" appends the batch as a client produce would and answers
// "<id> ok <firstOffset> <lastOffset> <recordCount>" (15 ms after the write) or "<id> err <errorCode>". Appends
// are started in arrival order and run concurrently (the log's queue orders them). It never exits on its own.
import { createInterface } from 'node:readline';
import { LogManager } from '../../../src/storage/log-manager.ts';
import { logConfig } from '../../../src/storage/log-config.ts';

const dir = process.argv[2]!;
const REPLY_DELAY_MS = 15;
const manager = await LogManager.create({
  logDirs: [dir],
  defaultConfig: logConfig({ segmentBytes: 8 * 1024, indexIntervalBytes: 512, fileDeleteDelayMs: 0 }),
  cleaner: false,
  flushCheckpointIntervalMs: 50,
});
await manager.startup();
const log = await manager.getOrCreateLog({ topic: 'idempotence', partition: 0 });
process.stdout.write(`ready ${log.logEndOffset}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  const space = line.indexOf(' ');
  const id = line.slice(0, space);
  const batch = Buffer.from(line.slice(space + 1), 'hex');
  log.appendAsLeader(batch, 0).then(
    (info) => {
      log.highWatermark = log.logEndOffset;
      // Replies lag the writes (like responses still on the wire), so a kill leaves written batches unacknowledged.
      setTimeout(() => process.stdout.write(`${id} ok ${info.firstOffset} ${info.lastOffset} ${info.recordCount}\n`), REPLY_DELAY_MS);
    },
    (e: { code?: number }) => process.stdout.write(`${id} err ${e.code ?? -1}\n`),
  );
});
