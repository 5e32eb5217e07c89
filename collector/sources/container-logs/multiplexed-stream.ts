// Decodes the Engine's log stream: without a TTY, frames of an 8-byte header ([stream, 0, 0, 0,
// size uint32 BE]) and a payload; with a TTY, raw bytes (all stdout). Yields complete lines with
// their stream; a frame that ends without a newline is a partial piece of a longer line. The
// engine cuts long lines into 16 KiB pieces wherever the byte count falls, so a frame's text is
// decoded per stream with what the previous frame left of a character cut in two.
import { StringDecoder } from 'node:string_decoder';
import type { Stream } from './message-assembler.ts';

export type StreamLine = { stream: Stream; text: string; partial: boolean };

const HEADER = 8;

export class MultiplexedDecoder {
  private readonly tty: boolean;
  private readonly timestamps: boolean;
  private readonly text = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private carry: Buffer = Buffer.alloc(0);
  /** Frames of an unknown stream type (stdin echo): counted, skipped. */
  skipped = 0;

  /** timestamps: every frame starts with the engine's "<RFC 3339 time> " (logs?timestamps=1). */
  constructor(opts: { tty: boolean; timestamps?: boolean }) {
    this.tty = opts.tty;
    this.timestamps = opts.timestamps ?? false;
  }

  push(chunk: Buffer, out: StreamLine[]): void {
    let buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    if (this.tty) {
      let pos = 0;
      for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, pos)) {
        out.push({ stream: 'stdout', text: buf.toString('utf8', pos, nl + 1), partial: false });
        pos = nl + 1;
      }
      this.carry = Buffer.from(buf.subarray(pos));
      return;
    }
    let pos = 0;
    while (buf.length - pos >= HEADER) {
      const type = buf[pos]!;
      const size = buf.readUInt32BE(pos + 4);
      if (buf.length - pos - HEADER < size) break;
      const start = pos + HEADER;
      const end = start + size;
      pos = end;
      if (type !== 1 && type !== 2) {
        this.skipped++;
        continue;
      }
      const stream = type === 2 ? 'stderr' : 'stdout';
      // Each frame has its own timestamp, so only the text after it continues the previous frame's.
      const sp = this.timestamps ? buf.indexOf(32, start) : -1;
      const textStart = sp !== -1 && sp < end && sp - start <= 40 ? sp + 1 : start;
      const text = buf.toString('latin1', start, textStart) + this.text[stream].write(buf.subarray(textStart, end));
      out.push({ stream, text, partial: size === 0 || buf[end - 1] !== 10 });
    }
    buf = buf.subarray(pos);
    this.carry = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }

  /** What is left at the end of the stream (a TTY line without newline). */
  end(out: StreamLine[]): void {
    if (this.tty && this.carry.length) out.push({ stream: 'stdout', text: this.carry.toString('utf8'), partial: true });
    this.carry = Buffer.alloc(0);
  }
}

/** Splits "2024-05-01T10:00:00.123456789Z message" (timestamps=1) into its time and text. */
export function splitTimestamp(text: string): { time: string; text: string } | undefined {
  const sp = text.indexOf(' ');
  if (sp < 20 || sp > 40) return undefined;
  return { time: text.slice(0, sp), text: text.slice(sp + 1) };
}

/** RFC 3339 (nanosecond) time → the `since` form the Engine takes: seconds.nanoseconds. */
export function toSince(time: string): string {
  const m = /^(.*?:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return String(Math.floor(Date.parse(time) / 1000));
  const seconds = Math.floor(Date.parse(`${m[1]}${m[3]}`) / 1000);
  return `${seconds}.${(m[2] ?? '').padEnd(9, '0')}`;
}
