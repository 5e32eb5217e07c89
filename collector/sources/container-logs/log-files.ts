// The files of one container's json-file log as generations, oldest first: `<id>-json.log.N`
// (plain, or `.N.gz` when the engine compresses rotations) down to `<id>-json.log`. Identity is
// dev:inode (stable across the engine's renames); a gzipped generation is recognised by the
// fingerprint of its first entry. Opening pins a file: an open fd keeps it readable after unlink.
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { constants as zlibConstants, gunzip, gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { fileKey, hasBirthTime } from './generation-scan.ts';

const gunzipAsync = promisify(gunzip);

/** Largest decompressed gzip generation read (the engine's max-size bounds it in practice). */
export const MAX_GZ_BYTES = 512 * 1024 * 1024;

/** `path` overrides where it is opened (a pinned file gone from the directory: /proc/self/fd/N). */
export type Generation = { name: string; n: number; gz: boolean; path?: string };

export type OpenedFile = {
  key: string;
  name: string;
  gz: boolean;
  /** Plain files: the handle, read with positional reads. */
  fh?: FileHandle;
  /** Gzipped generations: the whole decompressed content. */
  data?: Buffer;
  ino: number;
  /** Its key is dev:inode alone (no birth time): a file deleted before may have had it (see fileKey). */
  byInode: boolean;
  /** The last read reached the end: what follows was just written by the engine (in the page cache). */
  caughtUp?: boolean;
};

export function currentName(id: string): string {
  return `${id}-json.log`;
}

/** A file key of a gzip copy as opened here (its checkpoints are kept under it). */
export function isGzCopyKey(key: string): boolean {
  return key.startsWith('gz:');
}

/**
 * Opens a generation; undefined when it vanished in between (rotated away or removed), 'incomplete'
 * when a gzip generation is still being written (the engine compresses in the background).
 */
export async function openGeneration(
  dir: string,
  g: Generation,
  birthTimes = true,
): Promise<OpenedFile | undefined | 'incomplete'> {
  try {
    const fh = await open(g.path ?? join(dir, g.name), 'r');
    const st = await fh.stat({ bigint: true });
    const key = fileKey(st, birthTimes);
    const ino = Number(st.ino);
    const byInode = !hasBirthTime(st, birthTimes);
    if (!g.gz) return { key, name: g.name, gz: false, fh, ino, byInode };
    try {
      const data = await gunzipAsync(await fh.readFile(), { maxOutputLength: MAX_GZ_BYTES }).catch(() => undefined);
      return data ? { key: `gz:${key}`, name: g.name, gz: true, data, ino, byInode } : 'incomplete';
    } finally {
      await fh.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw err;
  }
}

/** SHA-256 of the first entry (its first line), or undefined while that line is incomplete. */
export function fingerprintOf(head: Buffer, len: number): string | undefined {
  const nl = head.indexOf(10);
  if (nl === -1 || nl >= len) return undefined;
  return createHash('sha256').update(head.subarray(0, nl)).digest('hex').slice(0, 32);
}

/**
 * Reads up to buf.length bytes at `position`; gzipped generations read from memory. A file caught up
 * with is read synchronously: what the engine just wrote is in the page cache, and a read through
 * the thread pool cost 40 µs of CPU against 1–3 µs (per read, tailing 10 containers at 5k lines/s:
 * a sixth of the main thread). A backlog (catching up after a restart) is read through the pool.
 */
export async function readAt(f: OpenedFile, buf: Buffer, position: number): Promise<number> {
  if (f.data) {
    if (position >= f.data.length) return 0;
    return f.data.copy(buf, 0, position, Math.min(f.data.length, position + buf.length));
  }
  const n = f.caughtUp
    ? readSync(f.fh!.fd, buf, 0, buf.length, position)
    : (await f.fh!.read(buf, 0, buf.length, position)).bytesRead;
  f.caughtUp = n < buf.length;
  return n;
}

export async function fingerprintFile(f: OpenedFile): Promise<string | undefined> {
  const head = Buffer.allocUnsafe(256 * 1024);
  const n = await readAt(f, head, 0);
  return fingerprintOf(head, n);
}

/**
 * The fingerprint of a file held by fd, read synchronously (a look is merged in one go): a gzip
 * copy's first entry is inflated from its first bytes, so an incomplete copy has one too.
 */
export function fingerprintFdSync(fd: number, gz: boolean): string | undefined {
  const head = Buffer.allocUnsafe(gz ? 64 * 1024 : 256 * 1024);
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } catch {
    return undefined;
  }
  if (!gz) return fingerprintOf(head, n);
  try {
    const data = gunzipSync(head.subarray(0, n), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    return fingerprintOf(data, data.length);
  } catch {
    return undefined;
  }
}

export async function closeFile(f: OpenedFile): Promise<void> {
  await f.fh?.close().catch(() => undefined);
  f.fh = undefined;
  f.data = undefined;
}

/**
 * How many generations the engine keeps for a configured max-file. With max-file=1 (the default with
 * max-size) Engine 20.10 (API 1.41) renames the live file over `.1`, so it keeps two; Engine 23 and
 * later unlink the live file instead (one). Newer or unknown engines get the config's number: the
 * reader then learns two once a look lists `.1`.
 */
export function generationsKept(maxFiles: number, engineApiVersion: string | undefined): number {
  return maxFiles === 1 && engineApiVersion === '1.41' ? 2 : maxFiles;
}

export type ContainerFiles = {
  name: string;
  image: string;
  labels: Record<string, string>;
  tty: boolean;
  exited: boolean;
  driver: string | undefined;
  /** json-file's max-file as configured (Infinity: no max-size); with 1, Engine 20.10 keeps `.1` all the same. */
  maxFiles: number;
  /** json-file's max-size in bytes (the engine rotates at its first write at or past it); undefined without. */
  maxSize?: number;
  /** json-file's compress: rotated generations are copied to `.gz` and their plain file deleted in the background. */
  compress: boolean;
};

/** The texts of a container's config.v2.json and hostconfig.json, as the engine wrote them. */
export type ContainerFileTexts = { config: string; hostconfig: string };

/** A container's metadata and log driver from its config files; undefined when either does not parse. */
export function parseContainerFiles(t: ContainerFileTexts): ContainerFiles | undefined {
  try {
    const c = JSON.parse(t.config) as {
      Name?: string;
      State?: { Running?: boolean; FinishedAt?: string };
      Config?: { Image?: string; Labels?: Record<string, string> | null; Tty?: boolean };
    };
    const h = JSON.parse(t.hostconfig) as { LogConfig?: { Type?: string; Config?: Record<string, string> | null } };
    const maxSize = parseByteSize(h.LogConfig?.Config?.['max-size']);
    // Not running is not exited: a container just created (not started yet) has no finish time.
    const exited = c.State?.Running === false && !(c.State.FinishedAt ?? '').startsWith('0001-');
    return {
      name: (c.Name ?? '').replace(/^\//, ''),
      image: c.Config?.Image ?? '',
      labels: c.Config?.Labels ?? {},
      tty: c.Config?.Tty ?? false,
      exited,
      driver: h.LogConfig?.Type,
      // Without max-size the engine never rotates: its one generation is never deleted.
      maxFiles: h.LogConfig?.Config?.['max-size']
        ? Math.max(1, Number(h.LogConfig.Config['max-file'] ?? 1) || 1)
        : Number.POSITIVE_INFINITY,
      ...(maxSize !== undefined && { maxSize }),
      compress: h.LogConfig?.Config?.compress === 'true',
    };
  } catch {
    return undefined;
  }
}

/** A size as the engine reads max-size (go-units RAMInBytes: "64k", "10m", "1.5g", "2MiB"; binary multiples). */
export function parseByteSize(v: string | undefined): number | undefined {
  const m = v === undefined ? null : /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(v.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * 1024 ** ' kmgtp'.indexOf((m[2] ?? ' ').toLowerCase()));
}

/** A container's metadata from its files on disk, read without the API (it may be gone from the API already). */
export async function readContainerFiles(dir: string): Promise<ContainerFiles | undefined> {
  try {
    return parseContainerFiles({
      config: await readFile(join(dir, 'config.v2.json'), 'utf8'),
      hostconfig: await readFile(join(dir, 'hostconfig.json'), 'utf8'),
    });
  } catch {
    return undefined;
  }
}

/** Whether the container directory is still there (false once the engine removed the container). */
export async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
