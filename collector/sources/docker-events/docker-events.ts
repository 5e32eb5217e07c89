// The Docker events source: one /events stream per node, resumed after a reconnect or a restart
// from the last event handed to the queue (persisted), plus a periodic container list, because the
// engine drops events for slow readers and replays only its last 256. Exec/health-probe events are
// counted, not shipped. Container events go to the shared inventory, which tells its subscribers
// (the log source); the periodic list is the inventory's. Events share the logs' non-droppable
// queue class: while the queue refuses them the stream is closed, and reopened from the cursor
// when the queue takes them again.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../durable-write.ts';
import { StringDecoder } from 'node:string_decoder';
import { backoffDelayMs, type BackoffPolicy } from '../../../common/backoff.ts';
import type { Logger } from '../../../common/logger.ts';
import { recordId } from '../../../common/record-id.ts';
import type { EventRecord, NodeRef, WireRecord } from '../../../common/schema/index.ts';
import type { DockerApi } from '../../docker-api.ts';
import type { DockerInventory } from '../../docker-inventory.ts';
import type { AckHandle } from '../source.ts';
import {
  baseAction,
  eventId,
  isExecNoise,
  sinceFromNanos,
  timeNanoOf,
  toEventRecord,
  type DockerEvent,
} from './event-record.ts';

type Cursor = { timeNano: string; ids: string[] };

export type DockerEventsOptions = {
  api: DockerApi;
  dataDir: string;
  node: () => NodeRef;
  /** Hands records on (with a handle told when they are queued); false = held: await ready(). */
  emit: (records: WireRecord[], ack?: AckHandle) => Promise<boolean>;
  /** Resolves once the queue takes events again (close() ends a pause without it). */
  ready: () => Promise<void>;
  /** Told every container event; lists the containers for reconcile. */
  inventory: DockerInventory;
  log: Logger;
  reconcileMs: number;
  backoff: BackoffPolicy;
};

export type DockerEventsStats = {
  events: number;
  execEvents: number;
  reconnects: number;
  reconciled: number;
  badLines: number;
  cursorWrites: number;
  pauses: number;
};

export class DockerEvents {
  private readonly opts: DockerEventsOptions;
  private readonly path: string;
  private cursor: Cursor | undefined;
  private abort: AbortController | undefined;
  /** The stream's own connection, so that it never blocks the list and inspect calls. */
  private readonly streamApi: DockerApi;
  private loop: Promise<void> | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  /** The list in flight, so close() waits for its records to reach the batcher. */
  private reconciling: Promise<void> | undefined;
  private closed = false;
  /** Resolves when close() begins: a pause at the queue's bound ends then, whatever ready() does. */
  private readonly closing: Promise<void>;
  private endPause: () => void = () => {};
  private writing: Promise<void> = Promise.resolve();
  /** Container states from the last list, and which containers had an event since. */
  private states = new Map<string, string>();
  private touched = new Set<string>();
  readonly stats: DockerEventsStats = {
    events: 0,
    execEvents: 0,
    reconnects: 0,
    reconciled: 0,
    badLines: 0,
    cursorWrites: 0,
    pauses: 0,
  };
  readonly execByAction = new Map<string, number>();

  constructor(opts: DockerEventsOptions) {
    this.opts = opts;
    this.path = join(opts.dataDir, 'checkpoints', 'docker-events.json');
    this.streamApi = opts.api.fork();
    this.closing = new Promise((r) => (this.endPause = r));
  }

  async start(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    try {
      this.cursor = JSON.parse(await readFile(this.path, 'utf8')) as Cursor;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.opts.log.warn({ err: (err as Error).message }, 'events cursor unreadable; starting from now');
    }
    await this.reconcileLogged();
    this.loop = this.run();
    this.reconcileTimer = setInterval(() => void this.reconcileLogged(), this.opts.reconcileMs);
  }

  /** One list at a time (timer and reconnect share it); failures are logged, the next one retries. */
  private reconcileLogged(): Promise<void> {
    this.reconciling ??= this.reconcile()
      .catch((err: Error) => this.opts.log.warn({ err: err.message }, 'container list failed'))
      .finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.closed) {
      try {
        const paused = await this.follow();
        attempt = 0;
        if (paused) continue;
      } catch (err) {
        if (this.closed) break;
        this.opts.log.warn({ err: (err as Error).message }, 'events stream failed; reconnecting');
      }
      if (this.closed) break;
      this.stats.reconnects++;
      await new Promise((r) => setTimeout(r, backoffDelayMs(attempt++, this.opts.backoff)));
      // Whatever happened while the stream was down that the engine no longer replays, the list finds.
      if (!this.closed) await this.reconcileLogged();
    }
  }

  /** Reads the stream until it ends; true when it stopped because the queue refused (then resumed). */
  private async follow(): Promise<boolean> {
    this.abort = new AbortController();
    const since = this.cursor ? `?since=${sinceFromNanos(BigInt(this.cursor.timeNano))}` : '';
    const body = await this.streamApi.stream(`/events${since}`, this.abort.signal);
    // A character cut between two chunks must not turn into U+FFFD.
    const utf8 = new StringDecoder('utf8');
    let carry = '';
    let refused = false;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        const lines = (carry + utf8.write(chunk)).split('\n');
        carry = lines.pop()!;
        const records: EventRecord[] = [];
        for (const line of lines) if (line.trim()) this.handle(line, records);
        // Left unread, the stream would fill and the engine drop events for a slow reader unseen;
        // closed, it replays them (its last 256) from the cursor when reading resumes.
        if (records.length && !(await this.opts.emit(records, this.persistOnQueued()))) {
          refused = true;
          break;
        }
      }
    } catch (err) {
      if (!this.abort.signal.aborted) throw err;
    }
    if (refused) await this.paused();
    return refused;
  }

  /**
   * Waits while the queue refuses (the held batch is offered again each batcher tick), or until
   * close(): nothing may drain the queue then, and the batcher's tick does not hold the process
   * open, so close() would otherwise wait forever (the held records stay in the batcher).
   */
  private async paused(): Promise<void> {
    this.stats.pauses++;
    await Promise.race([this.opts.ready(), this.closing]);
  }

  private handle(line: string, out: EventRecord[]): void {
    let e: DockerEvent;
    try {
      e = JSON.parse(line) as DockerEvent;
      if (typeof e.Type !== 'string' || typeof e.Action !== 'string') throw new Error('not an event');
    } catch {
      this.stats.badLines++;
      return;
    }
    const node = this.opts.node();
    const nanos = timeNanoOf(e);
    const id = eventId(node, e);
    // `since` is inclusive: the events at the cursor's instant that were already queued come again.
    if (this.cursor) {
      const at = BigInt(this.cursor.timeNano);
      if (nanos < at || (nanos === at && this.cursor.ids.includes(id))) return;
    }
    this.cursor =
      this.cursor && BigInt(this.cursor.timeNano) === nanos
        ? { timeNano: this.cursor.timeNano, ids: [...this.cursor.ids, id] }
        : { timeNano: nanos.toString(), ids: [id] };
    const actor = e.Actor?.ID ?? '';
    if (e.Type === 'container' && actor) {
      this.touched.add(actor);
      this.opts.inventory.containerEvent(actor, baseAction(e.Action));
    }
    if (isExecNoise(e)) {
      this.stats.execEvents++;
      const a = baseAction(e.Action);
      this.execByAction.set(a, (this.execByAction.get(a) ?? 0) + 1);
      return;
    }
    this.stats.events++;
    out.push(toEventRecord(node, e));
  }

  /** The cursor after the events just handled, persisted once they are durably queued: a restart resumes after them. */
  private persistOnQueued(): AckHandle {
    const c = this.cursor;
    return { queued: () => c && this.persist(c) };
  }

  private persist(c: Cursor): void {
    this.writing = this.writing
      .then(async () => {
        await writeFileAtomic(this.path, JSON.stringify(c));
        this.stats.cursorWrites++;
      })
      .catch((err: Error) => this.opts.log.warn({ err: err.message }, 'events cursor not saved'));
  }

  /**
   * Lists the containers: the log source follows every one of them, and a container whose state
   * changed with no event seen (the engine dropped it) gets a synthesised event, scope "reconcile".
   */
  async reconcile(): Promise<void> {
    // Events that arrive while the list is in flight may describe changes before or after its
    // snapshot: they excuse a change in this comparison and stay for the next one.
    const before = this.touched;
    this.touched = new Set();
    const list = await this.opts.inventory.refresh({ tell: true }).catch((err: unknown) => {
      for (const id of before) this.touched.add(id);
      throw err;
    });
    const touched = new Set([...before, ...this.touched]);
    const node = this.opts.node();
    const records: EventRecord[] = [];
    const next = new Map<string, string>();
    const now = Date.now();
    for (const c of list) {
      next.set(c.Id, c.State);
      const was = this.states.get(c.Id);
      if (was !== undefined && was !== c.State && !touched.has(c.Id)) {
        const exit = /Exited \((-?\d+)\)/.exec(c.Status);
        const action = c.State === 'running' ? 'start' : c.State === 'exited' ? 'die' : c.State;
        records.push({
          kind: 'event',
          id: recordId(
            node.id || node.hostname,
            'event-reconcile',
            c.Id,
            was,
            c.State,
            Math.floor(now / this.opts.reconcileMs),
          ),
          time: new Date(now).toISOString(),
          node,
          type: 'container',
          action,
          scope: 'reconcile',
          actor: { id: c.Id, attributes: { from: was, to: c.State } },
          container: {
            id: c.Id,
            name: (c.Names?.[0] ?? '').replace(/^\//, ''),
            image: c.Image,
            labels: c.Labels ?? {},
          },
          ...(action === 'die' && exit ? { exitCode: Number(exit[1]) } : {}),
        });
      }
    }
    this.states = next;
    this.stats.reconciled += records.length;
    if (records.length) await this.opts.emit(records);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.endPause();
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.abort?.abort();
    await this.loop;
    await this.reconciling;
    await this.streamApi.close();
  }

  /** Waits for the cursor of the last queued events to be on disk (after the batcher's final flush). */
  async settle(): Promise<void> {
    await this.writing;
  }
}
