// Which containers' logs are followed, and how: json-file containers from their files (a tailer, a
// directory watch, generations pinned by the worker), other drivers through the API (a reader run
// per start), the rest reported unwatched once. Containers are found by the pinning worker (the
// containers directory), Docker events and the inventory's list. Reading is log-read-loop.ts.
import { watch, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import type { DockerApi } from '../../docker-api.ts';
import { ApiFollowers } from './api-followers.ts';
import type { ApiStep } from './api-log-reader.ts';
import type { CheckpointStore } from './checkpoint-store.ts';
import { containerMeta, logsWanted, type ContainerMeta, type MetadataOptions } from './container-metadata.ts';
import { JsonFileTailer } from './json-file-tailer.ts';
import { currentName, generationsKept, isDirectory, parseContainerFiles, readContainerFiles } from './log-files.ts';
import { LogPinner } from './log-pinner.ts';

export type FileFollow = { tailer: JsonFileTailer; meta: ContainerMeta; watcher?: FSWatcher };

export type FollowedContainersOptions = MetadataOptions & {
  api: DockerApi;
  containersDir: string;
  store: CheckpointStore;
  counts: { readErrors: number; unwatched: number };
  rescanIntervalMs: number;
  isClosed: () => boolean;
  /** The container has something to read (or its state changed): the read loop looks at it soon. */
  readSoon: (id: string) => void;
  /** An API reader completed messages: they are shipped before it reads on. */
  shipApiStep: (id: string, step: ApiStep) => Promise<void>;
};

export class FollowedContainers {
  private readonly opts: FollowedContainersOptions;
  private readonly fromFiles = new Map<string, FileFollow>();
  private readonly viaApi: ApiFollowers;
  /** Opted out, not selected, or not readable with its driver: not looked at again while it exists. */
  private readonly unwatched = new Set<string>();
  /** Looks at containers under way. */
  private readonly looking = new Map<string, Promise<void>>();
  /** Asked to follow while a look at it was under way: look again once that one is done. */
  private readonly lookAgain = new Set<string>();
  /**
   * Opens log generations from a worker thread the moment they appear (see log-pinner-worker.ts).
   * The worker also finds every new container first (it watches and lists the containers directory
   * whatever this thread is doing) and says so once its config files are there.
   */
  private readonly pinner: LogPinner;

  constructor(opts: FollowedContainersOptions) {
    this.opts = opts;
    this.pinner = new LogPinner(
      (dir, err) => {
        this.opts.counts.readErrors++;
        this.opts.log.warn(
          { dir, err },
          'cannot watch a log directory: generations rotated away before the next poll are missed; raise fs.inotify.max_user_instances / max_user_watches',
        );
      },
      (dir) => void this.followIfNew(basename(dir)),
      (nice, err) =>
        err
          ? this.opts.log.info(
              { nice, err },
              'the log pinning thread keeps normal priority (give the collector CAP_SYS_NICE): on a busy node a fast writer may rotate generations away before they are opened (flagged and counted)',
            )
          : this.opts.log.debug({ nice }, 'log pinning thread priority raised'),
    );
    this.viaApi = new ApiFollowers({
      ...opts,
      onUnreadable: (id, name, answer) => this.reportUnwatched(id, name, 'api', answer),
    });
  }

  /** Before the first listing: a container created from here on is pinned by the worker alone. */
  start(): Promise<void> {
    return this.pinner.watchContainersDir(this.opts.containersDir, currentName(''), this.opts.rescanIntervalMs);
  }

  fileFollow(id: string): FileFollow | undefined {
    return this.fromFiles.get(id);
  }

  fileFollowedIds(): IterableIterator<string> {
    return this.fromFiles.keys();
  }

  apiMeta(id: string): ContainerMeta | undefined {
    return this.viaApi.meta(id);
  }

  get counts(): { tailers: number; apiReaders: number; openFiles: number } {
    let openFiles = 0;
    for (const f of this.fromFiles.values()) openFiles += f.tailer.openFiles;
    return { tailers: this.fromFiles.size, apiReaders: this.viaApi.size, openFiles };
  }

  /**
   * Containers the engine lists now: follow the new, release the gone (after draining). The list was
   * taken before its inspections (seconds, on a busy engine): a container created since is not in
   * it, yet followed already. One whose directory is still there is not gone: taken for removed, its
   * live file was read as final, the line being written flushed as a message (cut), and it was
   * followed again from the start, whose whole line Elasticsearch then refused as the cut one's id.
   */
  async reconcile(ids: readonly string[]): Promise<void> {
    const live = new Set(ids);
    for (const id of ids) await this.followIfNew(id);
    for (const [id, f] of this.fromFiles)
      if (!live.has(id) && !f.tailer.removed && !(await isDirectory(f.tailer.dir))) this.markRemoved(id, f.tailer);
    for (const id of this.unwatched) if (!live.has(id)) this.unwatched.delete(id);
  }

  /** A Docker event about a container (from the events source). */
  onContainerEvent(id: string, action: string): void {
    if (action === 'create' || action === 'start' || action === 'restart') {
      void this.followIfNew(id).then(async () => {
        const tailer = this.fromFiles.get(id)?.tailer;
        tailer?.markStarted();
        this.viaApi.run(id);
        // A container that exits at once can have its die event before its start event (its
        // FinishedAt before its StartedAt): the engine's own state says whether it still runs, so a
        // last line without a newline is not held as unfinished for good.
        if (tailer && action !== 'create' && !(await this.stillRunning(id))) {
          tailer.markStopped();
          this.opts.readSoon(id);
        }
      });
    } else if (action === 'die') {
      // After a start's continuation (same order), also when the tailer is still being set up.
      void this.followIfNew(id).then(() => {
        this.fromFiles.get(id)?.tailer.markStopped();
        // Read through the API once more after it stopped: a read run at its start can end before
        // it wrote a byte (the engine reads a container not yet running as its log is then, and
        // does not follow it). Lines read already are skipped by the cursor, and would keep their ids.
        this.viaApi.run(id);
      });
    } else if (action === 'destroy') {
      const f = this.fromFiles.get(id);
      if (f) this.markRemoved(id, f.tailer);
      this.viaApi.forget(id);
    }
    this.opts.readSoon(id);
  }

  /** Whether the engine says the container runs; when it cannot say, it is taken to run (as before). */
  private async stillRunning(id: string): Promise<boolean> {
    const info = await this.opts.api
      .get<{ State?: { Running?: boolean } } | undefined>(`/containers/${id}/json`, { allow404: true })
      .catch(() => ({ State: { Running: true } }));
    return info?.State?.Running === true;
  }

  private markRemoved(id: string, tailer: JsonFileTailer): void {
    tailer.markRemoved();
    this.opts.readSoon(id);
  }

  /** Starts following a container if it is not followed yet (idempotent, safe to call often). */
  followIfNew(id: string): Promise<void> {
    if (this.fromFiles.has(id) || this.viaApi.has(id) || this.unwatched.has(id) || this.opts.isClosed())
      return Promise.resolve();
    let p = this.looking.get(id);
    if (p) {
      // That look may have found the container half-created: what made this call may be news.
      this.lookAgain.add(id);
      return p;
    }
    p = this.lookAt(id)
      .catch((err: Error) => {
        this.opts.counts.readErrors++;
        this.opts.log.warn(
          { container: id, err: err.message },
          'cannot follow container logs; will retry at the next reconcile',
        );
      })
      .finally(() => {
        this.looking.delete(id);
        if (this.lookAgain.delete(id)) return this.followIfNew(id);
      });
    this.looking.set(id, p);
    return p;
  }

  /** Reads the container's config files and follows it from its files, through the API, or not at all. */
  private async lookAt(id: string): Promise<void> {
    const dir = join(this.opts.containersDir, id);
    // From creation on, before its log file exists: a fast writer rotates generations away in ms.
    this.pinner.pinGenerationsOf(dir, currentName(id), () => {
      if (this.fromFiles.has(id)) this.opts.readSoon(id);
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
          this.opts.counts.unwatched++;
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
    const { labels, driver } = cfg;
    const wanted = logsWanted(labels, this.opts.selector);
    this.opts.log.debug(
      { container: id, name: cfg.name, driver, wanted, gone, exited: cfg.exited, pins: this.pinner.pinsOf(dir).length },
      'container found',
    );
    if (!wanted || driver !== 'json-file') this.pinner.stopPinning(dir);
    if (!wanted) {
      this.unwatched.add(id);
      return;
    }
    const meta = containerMeta(id, cfg, labels, this.opts);
    if (driver === 'json-file') {
      const tailer = new JsonFileTailer({
        id,
        dir,
        store: this.opts.store,
        assembler: meta.assembler,
        pins: this.pinner,
        maxFiles: generationsKept(cfg.maxFiles, this.opts.api.engineApiVersion),
        maxSize: cfg.maxSize,
        compress: cfg.compress,
      });
      if (gone)
        tailer.markRemoved(); // its destroy event came before there was a tailer to tell
      else if (cfg.exited) tailer.markStopped(); // exited before we saw it: its last partial line is final
      await tailer.open();
      let watcher: FSWatcher | undefined;
      try {
        watcher = watch(dir, () => this.opts.readSoon(id));
        watcher.on('error', () => undefined);
      } catch {
        // the directory is already gone: the open files are drained by the poll
      }
      this.fromFiles.set(id, { tailer, meta, watcher });
      this.opts.readSoon(id);
      return;
    }
    if (driver === 'none') return this.reportUnwatched(id, cfg.name, driver);
    this.viaApi.follow(id, cfg.tty, meta);
  }

  private reportUnwatched(id: string, name: string, driver: string, answer?: string): void {
    this.unwatched.add(id);
    this.opts.counts.unwatched++;
    this.opts.log.warn(
      { container: id, name, driver, answer },
      'container logs are not readable with this log driver; container unwatched',
    );
  }

  /** Every line of a removed container is acknowledged: its files and positions can go. */
  letGoOfDrained(id: string, tailer: JsonFileTailer): void {
    const f = this.fromFiles.get(id);
    if (f?.tailer !== tailer || !tailer.finished) return;
    f.watcher?.close();
    this.fromFiles.delete(id);
    for (const key of tailer.keysToForget()) this.opts.store.forgetFile(key);
    void tailer.close();
  }

  async close(): Promise<void> {
    await this.viaApi.close();
    for (const f of this.fromFiles.values()) {
      f.watcher?.close();
      await f.tailer.close();
    }
    await this.pinner.close();
  }
}
