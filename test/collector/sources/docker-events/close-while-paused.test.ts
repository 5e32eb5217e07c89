// Closing the events source while it is paused at the durable queue's bound, with nothing draining
// the queue: close() must end the pause itself, whoever owns ready(). The real batcher and disk
// queue on a tmp dir; the engine is a fake, because a real one cannot be made to send events
// faster than the queue drains on demand.
import test from 'ava';
import { PassThrough } from 'node:stream';
import type { DockerApi } from '../../../../collector/docker-api.ts';
import { startEventsAtBound } from '../../../helpers/events-at-bound.ts';
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
  // ready() is the batcher's own wait, as at the queue bound, not raced with any close.
  const bound = await startEventsAtBound({ api: fakeEngine(20), name: 'events-close', logLevel: 'silent' });
  const { queue: q, batcher: b, events } = bound;
  await waitFor(() => events.stats.pauses > 0, { timeoutMs: 10_000, intervalMs: 10, what: 'the pause at the bound' });
  t.false(b.acceptsLogs(), 'the queue refuses: nothing drains it');
  // bounded() keeps the process alive meanwhile, so the batcher's ticks go on offering the held
  // batch (refused each time): before the fix close() waited on ready() until the deadline.
  await t.notThrowsAsync(bounded('closing the paused events source', 3_000, events.close()));
  await b.close();
  t.true(q.stats().refusedLogBatches > 0);
  t.is(q.stats().droppedRecords.queue_full, 0);
});
