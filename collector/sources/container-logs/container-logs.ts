// The container log source: finds every container (the containers directory as it changes,
// Docker events and the periodic container list, both from the shared inventory), follows json-file logs from disk and other drivers
// through the API, turns messages into log records and hands them to the batcher. Positions
// advance on acknowledgement (each step's records carry their ack handle); when the queue refuses
// logs, reading pauses until ready() resolves.
import { watch, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import type { Logger } from '../../../common/logger.ts';
import { recordId } from '../../../common/record-id.ts';
import type { ContainerRef, LogRecord, NodeRef, WireRecord } from '../../../common/schema/index.ts';
import type { DockerApi } from '../../docker-api.ts';
import type { AckHandle } from '../source.ts';
import { AckTracker } from './ack-tracker.ts';
import { ApiLogReader, type ApiStep } from './api-log-reader.ts';
import { CheckpointStore } from './checkpoint-store.ts';
import { JsonFileTailer, type FileProgress, type LossCounts } from './json-file-tailer.ts';
import { currentName, isDirectory, parseContainerFiles, readContainerFiles } from './log-files.ts';
import { LogPinner } from './log-pinner.ts';
import type { AssemblerOptions, Message } from './message-assembler.ts';

export type ContainerLogsOptions = {
  api: DockerApi;
  /** The engine's data root as this process sees it (json-file logs live under containers/). */
  dockerRoot: string;
  dataDir: string;
  node: () => NodeRef;
  /** Hands records to the pipeline with their ack handle; false = the queue refuses logs now (records held: pause reading). */
  emit: (records: WireRecord[], ack: AckHandle) => Promise<boolean>;
  /** Resolves once the queue takes log batches again (at once when it does). */
  ready: () => Promise<void>;
  log: Logger;
  maxMessageBytes: number;
  pollIntervalMs: number;
  /** How often the pinning worker looks at the containers directory and every log directory besides inotify (its safety net). */
  rescanIntervalMs: number;
  multilineMaxLines: number;
  multilineFlushMs: number;
  /** Only containers with this label (`key` or `key=value`); undefined = every container. */
  selector: string | undefined;
};

export type ContainerLogsStats = {
  records: number;
  bytesRead: number;
  badLines: number;
  truncated: number;
  jsonErrors: number;
  unwatched: number;
  pauses: number;
  tailers: number;
  apiReaders: number;
  openFiles: number;
  checkpointWrites: number;
  readErrors: number;
  /** Lines shipped flagged partial_lost (see LossCounts in json-file-tailer.ts). */
  partialLostLines: number;
  unprovenBoundaries: number;
  lostGenerations: number;
  lostBytes: number;
};

type Meta = { ref: ContainerRef; tty: boolean; assembler: AssemblerOptions; json: boolean };

export const LABELS = {
  optOut: 'swarmscope.logs',
  multiline: 'swarmscope.multiline.pattern',
  multilineMaxLines: 'swarmscope.multiline.max_lines',
  json: 'swarmscope.json',
} as const;

export class ContainerLogs {
  private readonly opts: ContainerLogsOptions;
  private readonly store: CheckpointStore;
  readonly acks = new AckTracker();
  private readonly tailers = new Map<string, { tailer: JsonFileTailer; meta: Meta; watcher?: FSWatcher }>();
  private readonly readers = new Map<
    string,
    { reader: ApiLogReader; meta: Meta; running?: Promise<void>; again?: boolean }
  >();
  private readonly unwatched = new Set<string>();
  private readonly ensuring = new Map<string, Promise<void>>();
  /** Asked to follow while a look at it was under way: look again once that one is done. */
  private readonly again = new Set<string>();
  private readonly due = new Set<string>();
  /**
   * Opens log generations from a worker thread the moment they appear (see log-pinner-worker.ts).
   * The worker also finds every new container first (it watches and lists the containers directory
   * whatever this thread is doing) and says so once its config files are there.
   */
  private readonly pinner = new LogPinner(
    (dir, err) => {
      this.stats.readErrors++;
      this.opts.log.warn(
        { dir, err },
        'cannot watch a log directory: generations rotated away before the next poll are missed; raise fs.inotify.max_user_instances / max_user_watches',
      );
    },
    (dir) => void this.ensure(basename(dir)),
  );
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private closed = false;
  private readonly buf = { b: Buffer.allocUnsafe(1024 * 1024) };
  private readonly reportedLosses = new WeakMap<JsonFileTailer, LossCounts>();
  readonly stats: ContainerLogsStats = {
    records: 0,
    bytesRead: 0,
    badLines: 0,
    truncated: 0,
    jsonErrors: 0,
    unwatched: 0,
    pauses: 0,
    tailers: 0,
    apiReaders: 0,
    openFiles: 0,
    checkpointWrites: 0,
    readErrors: 0,
    partialLostLines: 0,
    unprovenBoundaries: 0,
    lostGenerations: 0,
    lostBytes: 0,
  };

  constructor(opts: ContainerLogsOptions) {
    this.opts = opts;
    this.store = new CheckpointStore(join(opts.dataDir, 'checkpoints', 'container-logs.json'));
  }

  private get containersDir(): string {
    return join(this.opts.dockerRoot, 'containers');
  }

  async start(): Promise<void> {
    await this.store.load();
    // Before the first listing: a container created from here on is pinned by the worker alone.
    await this.pinner.watchContainersDir(this.containersDir, currentName(''), this.opts.rescanIntervalMs);
    this.timer = setInterval(() => {
      for (const id of this.tailers.keys()) this.due.add(id);
      this.kick();
    }, this.opts.pollIntervalMs);
    this.loop = this.run();
  }

  /** Containers the engine lists now: follow the new, release the gone (after draining). */
  async reconcile(ids: readonly string[]): Promise<void> {
    const live = new Set(ids);
    for (const id of ids) await this.ensure(id);
    for (const [id, t] of this.tailers) if (!live.has(id)) this.removed(id, t.tailer);
    for (const id of this.unwatched) if (!live.has(id)) this.unwatched.delete(id);
  }

  /** A Docker event about a container (from the events source). */
  onContainerEvent(id: string, action: string): void {
    if (action === 'create' || action === 'start' || action === 'restart') {
      void this.ensure(id).then(() => {
        this.tailers.get(id)?.tailer.markStarted();
        this.restartReader(id);
      });
    } else if (action === 'die') {
      // After a start's continuation (same order), also when the tailer is still being set up.
      void this.ensure(id).then(() => this.tailers.get(id)?.tailer.markStopped());
    } else if (action === 'destroy') {
      const t = this.tailers.get(id);
      if (t) this.removed(id, t.tailer);
      const r = this.readers.get(id);
      if (r) {
        r.reader.close();
        this.readers.delete(id);
        this.store.forgetApiCursor(id);
      }
    }
    this.due.add(id);
    this.kick();
  }

  private removed(id: string, tailer: JsonFileTailer): void {
    tailer.markRemoved();
    this.due.add(id);
    this.kick();
  }

  /** Starts following a container if it is not followed yet (idempotent, safe to call often). */
  ensure(id: string): Promise<void> {
    if (this.tailers.has(id) || this.readers.has(id) || this.unwatched.has(id) || this.closed) return Promise.resolve();
    let p = this.ensuring.get(id);
    if (p) {
      // That look may have found the container half-created: what made this call may be news.
      this.again.add(id);
      return p;
    }
    p = this.follow(id)
      .catch((err: Error) => {
        this.stats.readErrors++;
        this.opts.log.warn(
          { container: id, err: err.message },
          'cannot follow container logs; will retry at the next reconcile',
        );
      })
      .finally(() => {
        this.ensuring.delete(id);
        if (this.again.delete(id)) return this.ensure(id);
      });
    this.ensuring.set(id, p);
    return p;
  }

  private async follow(id: string): Promise<void> {
    const dir = join(this.containersDir, id);
    // From creation on, before its log file exists: a fast writer rotates generations away in ms.
    this.pinner.pinGenerationsOf(dir, currentName(id), () => {
      if (!this.tailers.has(id)) return;
      this.due.add(id);
      this.kick();
    });
    let cfg = await readContainerFiles(dir);
    let gone = false;
    if (!cfg && !(await isDirectory(dir))) {
      // Removed already (a `--rm` container that lived less than this thread took to get to it): the
      // worker read its config files and pinned its log when they appeared; read what it kept.
      gone = true;
      await this.pinner.lookAndWait(dir);
      const kept = this.pinner.configTexts(dir);
      cfg = kept && parseContainerFiles(kept);
      if (!cfg) {
        const pins = this.pinner.pinsOf(dir).length;
        this.pinner.stopPinning(dir);
        this.opts.log.debug({ container: id, pins }, 'container gone before its configuration was read');
        if (pins > 0) {
          this.stats.unwatched++;
          this.opts.log.warn(
            { container: id },
            'container removed before its configuration could be read; its logs are not collected',
          );
        }
        return;
      }
    }
    // Just created, its config files not written yet: the worker says when they are (see pinner).
    if (!cfg) return this.opts.log.debug({ container: id }, 'container has no configuration yet');
    const labels = cfg.labels;
    const driver = cfg.driver;
    const wanted = labels[LABELS.optOut] !== 'false' && this.selected(labels);
    this.opts.log.debug(
      { container: id, name: cfg.name, driver, wanted, gone, exited: cfg.exited, pins: this.pinner.pinsOf(dir).length },
      'container found',
    );
    if (!wanted || driver !== 'json-file') this.pinner.stopPinning(dir);
    if (!wanted) {
      this.unwatched.add(id);
      return;
    }
    const meta = this.metaOf(id, cfg, labels);
    if (driver === 'json-file') {
      const tailer = new JsonFileTailer({
        id,
        dir,
        store: this.store,
        assembler: meta.assembler,
        pins: this.pinner,
        maxFiles: cfg.maxFiles,
      });
      if (gone)
        tailer.markRemoved(); // its destroy event came before there was a tailer to tell
      else if (cfg.exited) tailer.markStopped(); // exited before we saw it: its last partial line is final
      await tailer.open();
      let watcher: FSWatcher | undefined;
      try {
        watcher = watch(dir, () => {
          this.due.add(id);
          this.kick();
        });
        watcher.on('error', () => undefined);
      } catch {
        // the directory is already gone: the open files are drained by the poll
      }
      this.tailers.set(id, { tailer, meta, watcher });
      this.due.add(id);
      this.kick();
      return;
    }
    if (driver === 'none') return this.reportUnwatched(id, cfg.name, driver);
    const reader = new ApiLogReader({
      id,
      api: this.opts.api,
      tty: cfg.tty,
      cursor: this.store.apiCursor(id),
      assembler: meta.assembler,
      onStep: (s) => this.apiStep(id, s),
    });
    this.readers.set(id, { reader, meta });
    this.restartReader(id);
  }

  private reportUnwatched(id: string, name: string, driver: string, answer?: string): void {
    this.unwatched.add(id);
    this.stats.unwatched++;
    this.opts.log.warn(
      { container: id, name, driver, answer },
      'container logs are not readable with this log driver; container unwatched',
    );
  }

  private restartReader(id: string): void {
    const r = this.readers.get(id);
    if (!r) return;
    if (r.running) {
      r.again = true; // started while a stream (of the container before it ran) is ending: follow again
      return;
    }
    r.again = false;
    r.running = r.reader
      .run()
      .then(
        () => {
          if (r.reader.status === 'unreadable') {
            this.readers.delete(id);
            this.reportUnwatched(id, r.meta.ref.name, 'api', r.reader.unreadableAnswer);
          }
        },
        (err: Error) => {
          this.stats.readErrors++;
          this.opts.log.warn(
            { container: id, err: err.message },
            'log API stream failed; resumes at the next start or reconcile',
          );
        },
      )
      .finally(() => {
        r.running = undefined;
        if (r.again && !this.closed) this.restartReader(id);
      });
  }

  private selected(labels: Record<string, string>): boolean {
    const sel = this.opts.selector;
    if (!sel) return true;
    const eq = sel.indexOf('=');
    return eq === -1 ? sel in labels : labels[sel.slice(0, eq)] === sel.slice(eq + 1);
  }

  private metaOf(id: string, cfg: { name: string; image: string; tty: boolean }, labels: Record<string, string>): Meta {
    let pattern: RegExp | undefined;
    const src = labels[LABELS.multiline];
    if (src) {
      try {
        pattern = new RegExp(src);
      } catch {
        this.opts.log.warn({ container: id, pattern: src }, 'invalid multiline pattern label; lines are not merged');
      }
    }
    const maxLines = Number(labels[LABELS.multilineMaxLines]);
    return {
      ref: { id, name: cfg.name, image: cfg.image, labels },
      tty: cfg.tty,
      json: labels[LABELS.json] === 'true',
      assembler: {
        maxMessageBytes: this.opts.maxMessageBytes,
        multiline: pattern
          ? {
              pattern,
              maxLines: Number.isInteger(maxLines) && maxLines > 0 ? maxLines : this.opts.multilineMaxLines,
              flushTimeoutMs: this.opts.multilineFlushMs,
            }
          : undefined,
      },
    };
  }

  private kick(): void {
    this.wake?.();
  }

  /** One reader at a time over the due containers (reads share one buffer and keep arrival order). */
  private async run(): Promise<void> {
    while (!this.closed) {
      await this.opts.ready(); // the queue is at its bound: the log files are the buffer meanwhile
      if (this.due.size === 0) {
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, this.opts.pollIntervalMs);
        });
        this.wake = undefined;
        continue;
      }
      const ids = [...this.due];
      this.due.clear();
      for (const [i, id] of ids.entries()) {
        if (this.closed) break;
        const t = this.tailers.get(id);
        if (t && !(await this.stepTailer(id, t))) {
          for (const rest of ids.slice(i + 1)) this.due.add(rest);
          break;
        }
      }
    }
  }

  /** Reads one step of a container's files; false when the queue refused its records (pause). */
  private async stepTailer(
    id: string,
    t: { tailer: JsonFileTailer; meta: Meta; watcher?: FSWatcher },
  ): Promise<boolean> {
    if (t.tailer.finished) return true; // drained; waits for its acknowledgement to be let go
    const before = t.tailer.bytesRead;
    let step;
    try {
      step = await t.tailer.step(this.buf);
    } catch (err) {
      this.stats.readErrors++;
      this.opts.log.warn({ container: id, err: (err as Error).message }, 'reading the container log failed; retrying');
      return true;
    }
    this.stats.badLines += step.bad;
    this.countLosses(t.tailer);
    this.stats.bytesRead += t.tailer.bytesRead - before;
    const records = step.messages.map((m) =>
      this.record(t.meta, m, 'json-file', recordId(this.nodeKey(), 'log', id, t.tailer.identity(m.file), m.offset)),
    );
    const progress = step.progress;
    const finished = t.tailer.finished;
    const ack = this.acks.whenAcknowledged(() => this.applyFileProgress(id, t.tailer, progress, finished));
    if (step.more) this.due.add(id);
    return this.submit(records, ack);
  }

  /** Losses the tailer proved since it last reported, added to the source's totals (and logged once per step). */
  private countLosses(tailer: JsonFileTailer): void {
    const now = tailer.losses;
    const before = (this.reportedLosses.get(tailer) ?? {
      partialLostLines: 0,
      unprovenBoundaries: 0,
      lostGenerations: 0,
      lostBytes: 0,
    }) as LossCounts;
    const delta = {} as LossCounts;
    let any = false;
    for (const k of Object.keys(now) as Array<keyof LossCounts>) {
      delta[k] = now[k] - before[k];
      this.stats[k] += delta[k];
      any ||= delta[k] > 0;
    }
    this.reportedLosses.set(tailer, { ...now });
    if (any)
      this.opts.log.warn(
        { container: tailer.id, ...delta },
        'log generations were deleted before they could be read: affected lines are flagged partial_lost and counted',
      );
  }

  private applyFileProgress(id: string, tailer: JsonFileTailer, progress: FileProgress[], finished: boolean): void {
    for (const p of progress) {
      this.store.advanceFile(p.key, id, p.offset, { done: p.done, fingerprint: p.fingerprint, size: p.size });
      void tailer.onAcknowledged(p);
    }
    const t = this.tailers.get(id);
    if (finished && t?.tailer === tailer && tailer.finished) {
      // Every line of a removed container is acknowledged: its files and positions can go.
      t.watcher?.close();
      this.tailers.delete(id);
      for (const key of tailer.keysToForget()) this.store.forgetFile(key);
      void tailer.close();
    }
  }

  private async apiStep(id: string, s: ApiStep): Promise<void> {
    const r = this.readers.get(id);
    if (!r) return;
    const records = s.messages.map((m) =>
      this.record(r.meta, m, 'api', recordId(this.nodeKey(), 'log', id, 'api', m.time, m.index)),
    );
    const cursor = s.cursor;
    const ack = this.acks.whenAcknowledged(() => cursor && this.store.advanceApiCursor(id, cursor));
    // An API stream has no file to be the buffer: hold it until the queue takes logs again.
    if (!(await this.submit(records, ack))) await this.opts.ready();
  }

  /** False when the queue refused the records (held by the pipeline): the reader pauses. */
  private async submit(records: WireRecord[], ack: AckHandle): Promise<boolean> {
    this.stats.records += records.length;
    if (await this.opts.emit(records, ack)) return true;
    this.stats.pauses++;
    return false;
  }

  private nodeKey(): string {
    const n = this.opts.node();
    return n.id || n.hostname;
  }

  private record(meta: Meta, m: Message, source: string, id: string): LogRecord {
    const r: LogRecord = {
      kind: 'log',
      id,
      time: m.time,
      node: this.opts.node(),
      container: meta.ref,
      stream: m.stream,
      message: m.text,
      origin: source === 'api' ? { source } : { source, file: m.file, offset: m.offset },
    };
    if (m.truncated) {
      r.truncated = true;
      r.originalLength = m.originalLength;
      this.stats.truncated++;
    }
    if (m.lines > 1) r.multiline = { lines: m.lines };
    if (m.partialLost) r.flags = ['partial_lost'];
    if (meta.json && m.text.startsWith('{')) {
      try {
        const v = JSON.parse(m.text) as unknown;
        if (v && typeof v === 'object' && !Array.isArray(v)) r.json = v as Record<string, unknown>;
      } catch {
        this.stats.jsonErrors++;
      }
    }
    return r;
  }

  /**
   * True when a json-file container is read to the end of its files and everything read is
   * acknowledged (nothing in flight): what is not delivered by then was not read. Undefined when
   * the container is not followed from its files.
   */
  drained(id: string): boolean | undefined {
    const t = this.tailers.get(id);
    if (!t) return undefined;
    return t.tailer.atEnd && !this.due.has(id) && this.acks.inFlight === 0;
  }

  snapshot(): ContainerLogsStats {
    let openFiles = 0;
    for (const t of this.tailers.values()) openFiles += t.tailer.openFiles;
    return {
      ...this.stats,
      tailers: this.tailers.size,
      apiReaders: this.readers.size,
      openFiles,
      checkpointWrites: this.store.writes,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.kick();
    await this.loop;
    for (const r of this.readers.values()) r.reader.close();
    await Promise.all([...this.readers.values()].map((r) => r.running));
    for (const t of this.tailers.values()) {
      t.watcher?.close();
      await t.tailer.close();
    }
    await this.pinner.close();
    await this.store.close();
  }
}
