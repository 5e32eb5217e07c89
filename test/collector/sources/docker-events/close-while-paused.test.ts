// Closing the events source while it is paused at the durable queue's bound, with nothing draining
// the queue: close() must end the pause itself, whoever owns ready(). The real batcher and disk
// queue on a tmp dir; the engine is a fake, because a real one cannot be made to send events
// faster than the queue drains on demand.
import test from 'ava';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../../../common/logger.ts';
import type { DockerApi } from '../../../../collector/docker-api.ts';
import { DockerInventory } from '../../../../collector/docker-inventory.ts';
import { Batcher } from '../../../../collector/pipeline/batcher.ts';
import { DiskQueue } from '../../../../collector/pipeline/disk-queue.ts';
import { DockerEvents } from '../../../../collector/sources/docker-events/docker-events.ts';
import { bounded, waitFor } from '../../../helpers/wait.ts';

/** An engine whose /events stream sends `count` container events at once, then stays open until aborted. */
function fakeEngine(count: number): DockerApi {
  const api = {
    fork: () => api,
    get: () => Promise.resolve([]),
    close: () => Promise.resolve(),
    stream: (_path: string, signal?: AbortSignal) => {
      const body = new PassThrough();
      signal?.addEventListener('abort', () => body.destroy());
      const base = 1_800_000_000_000_000_000n;
      for (let i = 0; i < count; i++)
        body.write(
          `${JSON.stringify({ Type: 'container', Action: 'start', Actor: { ID: 'c'.repeat(64) }, timeNano: String(base + BigInt(i)) })}\n`,
        );
      return Promise.resolve(body);
    },
  };
  return api as unknown as DockerApi;
}

test('close() ends a pause at the queue bound even when the queue never drains and ready() never resolves', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'swarmscope-events-close-'));
  const q = new DiskQueue({ dir: join(dataDir, 'queue'), maxBytes: 1200, maxAgeMs: 3_600_000, fsync: 'off' });
  await q.start();
  const b = new Batcher({ maxRecords: 1, maxBytes: 1_000_000, maxAgeMs: 100, queue: q });
  b.start();
  const api = fakeEngine(20);
  const log = createLogger({ name: 'events-close-test', level: 'silent' });
  const events = new DockerEvents({
    api,
    inventory: new DockerInventory({ api, log, reconcileMs: 600_000 }),
    dataDir,
    node: () => ({ id: '', hostname: 'events-close-test' }),
    emit: (records, ack) => b.add(records, ack),
    // Wired as the test at the queue bound wires it: the batcher's own wait, not raced with any close.
    ready: () => b.whenAccepting(),
    log,
    reconcileMs: 600_000,
    backoff: { initialDelayMs: 100, maxDelayMs: 1000, factor: 2 },
  });
  await events.start();
  await waitFor(() => events.stats.pauses > 0, { timeoutMs: 10_000, intervalMs: 10, what: 'the pause at the bound' });
  t.false(b.acceptsLogs(), 'the queue refuses: nothing drains it');
  // bounded() keeps the process alive meanwhile, so the batcher's ticks go on offering the held
  // batch (refused each time): before the fix close() waited on ready() until the deadline.
  await t.notThrowsAsync(bounded('closing the paused events source', 3_000, events.close()));
  await b.close();
  t.true(q.stats().refusedLogBatches > 0);
  t.is(q.stats().droppedRecords.queue_full, 0);
});
