// Writing a file so that a crash leaves the old content or the new, never a torn file: temp file,
// fsync, rename (and, for power-loss durability of the rename itself, fsync of the directory).
// Opening, closing and renaming are done at once (metadata: microseconds); the write and the fsyncs
// go to the thread pool. Each step on the pool waits for the event loop to take its answer, and the
// collector's log reader holds the loop for milliseconds at a time: the batch queue's eight pool
// steps per batch outlasted the filling of the next batch at 100 B lines (README "Performance").
import { closeSync, fsync, openSync, renameSync, write } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);

export async function writeFileAtomic(
  path: string,
  body: string | Buffer,
  opts: { syncDir?: boolean } = {},
): Promise<void> {
  const tmp = `${path}.tmp`;
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  await syncAfter(openSync(tmp, 'w'), async (fd) => {
    for (let at = 0; at < bytes.length;) at += (await writeAsync(fd, bytes, at, bytes.length - at)).bytesWritten;
  });
  renameSync(tmp, path);
  if (opts.syncDir) await syncAfter(openSync(dirname(path), 'r'), async () => {});
}

async function syncAfter(fd: number, write: (fd: number) => Promise<void>): Promise<void> {
  try {
    await write(fd);
    await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
}
