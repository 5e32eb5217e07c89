// The containers whose logs are read through the Engine API (log drivers other than json-file): one
// reader each, run at every start of the container until its stream ends. Which containers are
// followed this way is decided in followed-containers.ts; shipping their messages in log-read-loop.ts.
import type { Logger } from '../../../common/logger.ts';
import type { DockerApi } from '../../docker-api.ts';
import { ApiLogReader, type ApiStep } from './api-log-reader.ts';
import type { CheckpointStore } from './checkpoint-store.ts';
import type { ContainerMeta } from './container-metadata.ts';

/** restartWhenEnded: started again while its stream (of the container before it ran) was ending. */
type ApiFollow = { reader: ApiLogReader; meta: ContainerMeta; running?: Promise<void>; restartWhenEnded?: boolean };

export type ApiFollowersOptions = {
  api: DockerApi;
  store: CheckpointStore;
  counts: { readErrors: number };
  log: Logger;
  isClosed: () => boolean;
  /** A reader completed messages: they are shipped before it reads on. */
  shipApiStep: (id: string, step: ApiStep) => Promise<void>;
  /** The engine gives nothing back for this driver: the container is no longer followed. */
  onUnreadable: (id: string, name: string, answer: string) => void;
};

export class ApiFollowers {
  private readonly opts: ApiFollowersOptions;
  private readonly streams = new Map<string, ApiFollow>();

  constructor(opts: ApiFollowersOptions) {
    this.opts = opts;
  }

  has(id: string): boolean {
    return this.streams.has(id);
  }

  meta(id: string): ContainerMeta | undefined {
    return this.streams.get(id)?.meta;
  }

  get size(): number {
    return this.streams.size;
  }

  /** Follows the container from its last acknowledged position on. */
  follow(id: string, tty: boolean, meta: ContainerMeta): void {
    const reader = new ApiLogReader({
      id,
      api: this.opts.api,
      tty,
      cursor: this.opts.store.apiCursor(id),
      assembler: meta.assembler,
      onStep: (s) => this.opts.shipApiStep(id, s),
    });
    this.streams.set(id, { reader, meta });
    this.run(id);
  }

  /** Runs the container's reader (until its stream ends); once more after that when it is running already. */
  run(id: string): void {
    const s = this.streams.get(id);
    if (!s) return;
    if (s.running) {
      s.restartWhenEnded = true; // started while a stream (of the container before it ran) is ending: follow again
      return;
    }
    s.restartWhenEnded = false;
    s.running = s.reader
      .run()
      .then(
        () => {
          if (s.reader.status === 'unreadable') {
            this.streams.delete(id);
            this.opts.onUnreadable(id, s.meta.ref.name, s.reader.unreadableAnswer);
          }
        },
        (err: Error) => {
          this.opts.counts.readErrors++;
          this.opts.log.warn(
            { container: id, err: err.message },
            'log API stream failed; resumes at the next start or reconcile',
          );
        },
      )
      .finally(() => {
        s.running = undefined;
        if (s.restartWhenEnded && !this.opts.isClosed()) this.run(id);
      });
  }

  /** The container is destroyed: its reader stops and its position is forgotten. */
  forget(id: string): void {
    const s = this.streams.get(id);
    if (!s) return;
    s.reader.close();
    this.streams.delete(id);
    this.opts.store.forgetApiCursor(id);
  }

  async close(): Promise<void> {
    for (const s of this.streams.values()) s.reader.close();
    await Promise.all([...this.streams.values()].map((s) => s.running));
  }
}
