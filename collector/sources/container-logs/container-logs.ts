// The container log source's parts put together: which containers are followed (followed-containers.ts),
// the loop that reads them and ships their records (log-read-loop.ts), and the read positions both
// share (checkpoint-store.ts). Its counters are kept here; the source's outer surface is container-logs-source.ts.
import { join } from 'node:path';
import type { DockerApi } from '../../docker-api.ts';
import { CheckpointStore } from './checkpoint-store.ts';
import { FollowedContainers } from './followed-containers.ts';
import { LogReadLoop, type ReadingOptions } from './log-read-loop.ts';

export type ContainerLogsOptions = ReadingOptions & {
  api: DockerApi;
  /** The engine's data root as this process sees it (json-file logs live under containers/). */
  dockerRoot: string;
  dataDir: string;
  maxMessageBytes: number;
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

export class ContainerLogs {
  private readonly store: CheckpointStore;
  private readonly followed: FollowedContainers;
  private readonly reading: LogReadLoop;
  private closed = false;
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
    this.store = new CheckpointStore(join(opts.dataDir, 'checkpoints', 'container-logs.json'));
    const isClosed = () => this.closed;
    this.followed = new FollowedContainers({
      ...opts,
      containersDir: join(opts.dockerRoot, 'containers'),
      store: this.store,
      counts: this.stats,
      isClosed,
      readSoon: (id) => this.reading.readSoon(id),
      shipApiStep: (id, step) => this.reading.shipApiStep(id, step),
    });
    this.reading = new LogReadLoop({
      ...opts,
      followed: this.followed,
      store: this.store,
      counts: this.stats,
      isClosed,
    });
  }

  async start(): Promise<void> {
    await this.store.load();
    await this.followed.start();
    this.reading.start();
  }

  /** Containers the engine lists now: follow the new, release the gone (after draining). */
  reconcile(ids: readonly string[]): Promise<void> {
    return this.followed.reconcile(ids);
  }

  /** A Docker event about a container (from the events source). */
  onContainerEvent(id: string, action: string): void {
    this.followed.onContainerEvent(id, action);
  }

  /**
   * True when a json-file container is read to the end of its files and everything read is
   * acknowledged (nothing in flight): what is not delivered by then was not read. Undefined when
   * the container is not followed from its files.
   */
  drained(id: string): boolean | undefined {
    const f = this.followed.fileFollow(id);
    if (!f) return undefined;
    return f.tailer.atEnd && this.reading.settled(id);
  }

  snapshot(): ContainerLogsStats {
    return { ...this.stats, ...this.followed.counts, checkpointWrites: this.store.writes };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reading.close();
    await this.followed.close();
    await this.store.close();
  }
}
