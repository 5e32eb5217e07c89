// Reads one container's logs through the Engine API (for drivers other than json-file: local,
// journald, and any driver with dual logging): follow=1&timestamps=1&since=<cursor>. The cursor is
// (time, how many lines at that time), resumed from the last acknowledged one, so a line's id
// (container, time, index within that time) is the same when it is read again.
import type { DockerApi } from '../../docker-api.ts';
import { SwarmscopeError } from '../../../common/errors.ts';
import { MessageAssembler, type AssemblerOptions, type Message } from './message-assembler.ts';
import { MultiplexedDecoder, splitTimestamp, toSince, type StreamLine } from './multiplexed-stream.ts';

export type ApiCursorValue = { time: string; count: number };

/** Completed messages, and the cursor that is safe once they are acknowledged. */
export type ApiStep = { messages: Array<Message & { index: number }>; cursor: ApiCursorValue | undefined };

export class ApiLogReader {
  readonly id: string;
  private readonly api: DockerApi;
  private readonly tty: boolean;
  private readonly assembler: MessageAssembler;
  private readonly onStep: (step: ApiStep) => Promise<void>;
  private abort: AbortController | undefined;
  /** Cursor after each line read and not yet safely behind us, by line number. */
  private readonly cursorAfterLine = new Map<number, ApiCursorValue>();
  private lineNo = 0;
  private lastTime = '';
  private sameTime = 0;
  private resume: ApiCursorValue | undefined;
  /** 'unreadable' when the driver gives nothing back (the caller reports it once). */
  status: 'reading' | 'ended' | 'unreadable' = 'reading';
  /** What the engine answered when it was unreadable. */
  unreadableAnswer = '';
  bad = 0;

  constructor(opts: {
    id: string;
    api: DockerApi;
    tty: boolean;
    cursor: ApiCursorValue | undefined;
    assembler: AssemblerOptions;
    onStep: (step: ApiStep) => Promise<void>;
  }) {
    this.id = opts.id;
    this.api = opts.api;
    this.tty = opts.tty;
    this.resume = opts.cursor;
    this.assembler = new MessageAssembler(opts.assembler);
    this.onStep = opts.onStep;
  }

  /** Follows the log until the container stops (the Engine ends the stream) or close(). */
  async run(): Promise<void> {
    this.abort = new AbortController();
    this.status = 'reading';
    this.lineNo = 0;
    this.cursorAfterLine.clear();
    this.assembler.reset();
    this.lastTime = '';
    this.sameTime = 0;
    // Each follow holds its connection for as long as the container runs: a client of its own.
    const api = this.api.fork();
    try {
      await this.followThenCatchUp(api);
    } finally {
      await api.close();
    }
  }

  private async followThenCatchUp(api: DockerApi): Promise<void> {
    if (!(await this.readRequest(api, true))) return;
    // The engine can close a follow stream as the container stops before its last bytes reach the
    // stream: read once more without follow, from the last line read (lines up to it are skipped).
    this.resume = this.cursorAfterLine.get(this.lineNo - 1) ?? this.resume;
    this.lastTime = '';
    this.sameTime = 0;
    if (!(await this.readRequest(api, false))) return;
    await this.assembleAndHandOn([], true);
    // A restart of the container continues after what this run read.
    this.resume = this.cursorAfterLine.get(this.lineNo - 1) ?? this.resume;
    this.status = 'ended';
  }

  /** One logs request, read to its end; false when there is nothing more to do (aborted, gone, unreadable). */
  private async readRequest(api: DockerApi, follow: boolean): Promise<boolean> {
    const signal = this.abort!.signal;
    const since = this.resume ? toSince(this.resume.time) : '0';
    let body;
    try {
      body = await api.stream(
        `/containers/${this.id}/logs?follow=${follow ? 1 : 0}&stdout=1&stderr=1&timestamps=1&since=${since}`,
        signal,
      );
    } catch (err) {
      const status = err instanceof SwarmscopeError ? Number(err.context.status) : 0;
      if (status === 404) {
        // Seen on disk at create before the engine registered it (or removed since): its start follows again.
        this.status = 'ended';
        return false;
      }
      if (status === 400 || status === 501) {
        this.status = 'unreadable';
        this.unreadableAnswer = (err as Error).message;
        return false;
      }
      throw err;
    }
    const decoder = new MultiplexedDecoder({ tty: this.tty, timestamps: true });
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        const lines: StreamLine[] = [];
        decoder.push(chunk, lines);
        await this.assembleAndHandOn(lines, false);
      }
    } catch (err) {
      if (!signal.aborted) throw err;
      return false;
    }
    const rest: StreamLine[] = [];
    decoder.end(rest);
    await this.assembleAndHandOn(rest, false);
    return true;
  }

  private async assembleAndHandOn(lines: StreamLine[], end: boolean): Promise<void> {
    const messages: Message[] = [];
    for (const l of lines) {
      const ts = splitTimestamp(l.text);
      if (!ts) {
        this.bad++;
        continue;
      }
      if (ts.time === this.lastTime) this.sameTime++;
      else {
        this.lastTime = ts.time;
        this.sameTime = 0;
      }
      // Lines already read (by the previous run, or this run's follow before its catch-up read) come again (since is inclusive): skip them.
      if (
        this.resume &&
        (ts.time < this.resume.time || (ts.time === this.resume.time && this.sameTime < this.resume.count))
      )
        continue;
      const n = this.lineNo++;
      this.cursorAfterLine.set(n, { time: ts.time, count: this.sameTime + 1 });
      // A whole line's frame ends with its newline, which is not part of the message.
      const text = l.partial ? ts.text : ts.text.slice(0, -1);
      this.assembler.push(
        { stream: l.stream, text, time: ts.time, partial: l.partial, file: 'api', offset: n },
        messages,
      );
    }
    this.assembler.flush(messages, end);
    if (messages.length === 0 && !end) return;
    const pending = new Map<string, number>();
    this.assembler.earliestHeldOffsets(pending);
    const hold = pending.get('api');
    const safeLine = hold === undefined ? this.lineNo - 1 : hold - 1;
    const cursor = this.cursorAfterLine.get(safeLine);
    const indexed = messages.map((m) => ({ ...m, index: indexAt(this.cursorAfterLine, m.offset) }));
    for (const k of this.cursorAfterLine.keys()) if (k < safeLine) this.cursorAfterLine.delete(k);
    await this.onStep({ messages: indexed, cursor });
  }

  close(): void {
    this.abort?.abort();
  }
}

/** The message's index among lines at its timestamp (count after it, minus one). */
function indexAt(after: Map<number, ApiCursorValue>, n: number): number {
  return (after.get(n)?.count ?? 1) - 1;
}
