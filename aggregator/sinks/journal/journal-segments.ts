// The local journal's segment files, as written and as read back. A segment of frames
// (`journal-<seq>.frames`) holds each accepted batch as the request body it came as (version 2
// batch encoding, which takes version 1 lines as they are; compressed as sent), behind a 17-byte
// header: "SSJ1", the body's length, its records and its log records (big-endian u32 each), and a
// flags byte (0: not compressed, 1: gzip, 2: zstd; an aggregator from before zstd stops reading a
// segment at its first zstd frame, reporting unknown flags). Writing the body as received spares re-encoding the batch and writes far fewer
// bytes: at 2 KiB lines the version 1 lines' copy into the kernel was a quarter of the
// aggregator's CPU. Segments of version 1 lines (`journal-<seq>.ndjson`, journals written before
// frames) are still read. A frame cut short by a crash before its fsync (never acknowledged) ends
// the segment's reading and is reported. The segment being appended to is named `….frames.open`
// until it is complete (next segment, or the journal closed), so that a replay never takes it.
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { validateRecord, type WireRecord } from '../../../common/schema/index.ts';
import { decodeLinesV2 } from '../../../common/wire-v2.ts';
import { decompressBatch, type BatchCompression } from '../../../common/wire.ts';

/** A segment's name; `.open` while a running journal appends to it (replay leaves it, search reads it). */
export const SEGMENT = /^journal-(\d{12})\.(ndjson|frames)(\.open)?$/;
export const OPEN = '.open';
export const HEADER_BYTES = 17;
const MAGIC = Buffer.from('SSJ1');
/** Bytes read at once while walking a segment's frame headers. */
const HEADER_WINDOW = 256 * 1024;
/** Lines of a version 1 segment per chunk read. */
const LINES_PER_CHUNK = 2000;

export function segmentName(seq: number): string {
  return `journal-${String(seq).padStart(12, '0')}.frames`;
}

/** The flags byte of each compression (0: none). */
const FLAGS: Record<BatchCompression, number> = { gzip: 1, zstd: 2 };
const COMPRESSION_OF: readonly (BatchCompression | undefined)[] = [undefined, 'gzip', 'zstd'];

export function frameHeader(
  body: Buffer,
  records: number,
  logs: number,
  compression: BatchCompression | undefined,
): Buffer {
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeUInt32BE(body.length, 4);
  h.writeUInt32BE(records, 8);
  h.writeUInt32BE(logs, 12);
  h[16] = compression ? FLAGS[compression] : 0;
  return h;
}

type FrameFields = { length: number; records: number; logs: number; compression: BatchCompression | undefined };

/** A frame's header fields, or why the bytes are not one. */
export function parseHeader(h: Buffer): FrameFields | string {
  if (h.length < HEADER_BYTES) return 'header cut short';
  if (!h.subarray(0, 4).equals(MAGIC)) return 'no frame header (not a journal frame)';
  if (h[16]! >= COMPRESSION_OF.length) return `unknown flags ${h[16]}`;
  return {
    length: h.readUInt32BE(4),
    records: h.readUInt32BE(8),
    logs: h.readUInt32BE(12),
    compression: COMPRESSION_OF[h[16]!],
  };
}

/**
 * What reading a segment gives, chunk by chunk: records (valid ones), lines or frames that were
 * not (`invalid`, counted in records where a frame's header says how many), bytes read (decoded),
 * and at the end of a segment of frames cut short, why.
 */
export type SegmentChunk = { records: WireRecord[]; invalid: number; bytes: number; torn?: string };

/** Which frames to read, judged by their headers before a body is read. */
export type FramePick = {
  /** Frames holding log records only (the search: metrics-only frames are most of a cluster's). */
  logsOnly?: boolean;
  /** Frames whose decoded bytes hold this text (a container id, a service name: in the group lines). */
  needle?: string;
  /** Newest frame first (each frame's records still in order); a segment of version 1 lines is read in order. */
  newestFirst?: boolean;
};

/** Reads a segment: chunk by chunk, each a frame (or 2,000 version 1 lines), in order unless picked otherwise. */
export async function* readSegment(path: string, pick: FramePick = {}): AsyncGenerator<SegmentChunk> {
  if (path.endsWith('.ndjson')) yield* readLines(path);
  else yield* readFrames(path, pick);
}

type FrameAt = FrameFields & { at: number };

/**
 * The whole frames of a segment from `from` (a frame's start) up to `size`, by their headers; `end`
 * is where the next frame starts. `stop` says why the bytes after `end` are no whole frame:
 * `incomplete` for a frame not all there (being written, or cut by a crash), else not a frame at
 * all. Headers are read through a window, so that many small frames are not a read each.
 */
export async function frameIndex(
  fh: FileHandle,
  from: number,
  size: number,
): Promise<{ frames: FrameAt[]; end: number; stop?: { why: string; incomplete: boolean } }> {
  const frames: FrameAt[] = [];
  const win = Buffer.allocUnsafe(HEADER_WINDOW);
  let winAt = from;
  let winLen = 0;
  let at = from;
  while (at < size) {
    if (at + HEADER_BYTES > winAt + winLen) {
      winAt = at;
      winLen = (await fh.read(win, 0, HEADER_WINDOW, at)).bytesRead;
    }
    const head = win.subarray(at - winAt, Math.min(at - winAt + HEADER_BYTES, winLen));
    const h = parseHeader(head);
    if (typeof h === 'string')
      return {
        frames,
        end: at,
        stop: { why: `${h} at byte ${at} of ${size}`, incomplete: head.length < HEADER_BYTES },
      };
    if (at + HEADER_BYTES + h.length > size) {
      const why = `frame at byte ${at} cut short (${size - at - HEADER_BYTES} of ${h.length} bytes)`;
      return { frames, end: at, stop: { why, incomplete: true } };
    }
    frames.push({ at: at + HEADER_BYTES, ...h });
    at += HEADER_BYTES + h.length;
  }
  return { frames, end: at };
}

async function* readFrames(path: string, pick: FramePick): AsyncGenerator<SegmentChunk> {
  const fh = await open(path, 'r');
  try {
    // Headers first: the bodies then read are only those picked, in the order asked.
    const { frames, stop } = await frameIndex(fh, 0, (await fh.stat()).size);
    if (pick.newestFirst) frames.reverse();
    for (const f of frames) {
      if (pick.logsOnly && f.logs === 0) continue;
      const body = Buffer.allocUnsafe(f.length);
      await fh.read(body, 0, f.length, f.at);
      let batch: Buffer;
      try {
        batch = f.compression ? decompressBatch(body, f.compression) : body;
      } catch {
        // Whole, yet does not decompress: damaged on disk after its fsync; its records are counted as invalid.
        yield { records: [], invalid: f.records, bytes: body.length };
        continue;
      }
      if (pick.needle && batch.indexOf(pick.needle) === -1) {
        yield { records: [], invalid: 0, bytes: batch.length };
        continue;
      }
      const d = decodeLinesV2(batch);
      yield 'reason' in d
        ? { records: [], invalid: f.records, bytes: batch.length }
        : { records: d.records, invalid: 0, bytes: batch.length };
    }
    if (stop) yield { records: [], invalid: 0, bytes: 0, torn: stop.why };
  } finally {
    await fh.close();
  }
}

/** A segment of version 1 lines (journals from before frames): each line validated on its own. */
async function* readLines(path: string): AsyncGenerator<SegmentChunk> {
  let chunk: SegmentChunk = { records: [], invalid: 0, bytes: 0 };
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (!line) continue;
    chunk.bytes += line.length + 1;
    const v = validateRecord(safeParse(line));
    if (v.ok) chunk.records.push(v.record);
    else chunk.invalid++;
    if (chunk.records.length >= LINES_PER_CHUNK) {
      yield chunk;
      chunk = { records: [], invalid: 0, bytes: 0 };
    }
  }
  if (chunk.records.length || chunk.invalid) yield chunk;
}

function safeParse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
