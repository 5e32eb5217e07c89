// Writing a file so that a crash leaves the old content or the new, never a torn file: temp file,
// fsync, rename (and, for power-loss durability of the rename itself, fsync of the directory).
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeFileAtomic(
  path: string,
  body: string | Buffer,
  opts: { syncDir?: boolean } = {},
): Promise<void> {
  const tmp = `${path}.tmp`;
  await syncAfter(await open(tmp, 'w'), (fh) => fh.writeFile(body));
  await rename(tmp, path);
  if (opts.syncDir) await syncAfter(await open(dirname(path), 'r'), async () => {});
}

async function syncAfter(
  fh: Awaited<ReturnType<typeof open>>,
  write: (fh: Awaited<ReturnType<typeof open>>) => Promise<void>,
): Promise<void> {
  try {
    await write(fh);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
