// Docker events at the durable queue's bound, against the real engine and a real disk queue with
// no shipper: events are in the class that is never dropped, so the source pauses until the queue
// drains, and then every event of the container arrives once.
import test from 'ava';
import { gunzipSync } from 'node:zlib';
import type { EventRecord } from '../../../../common/schema/index.ts';
import { DockerApi } from '../../../../collector/docker-api.ts';
import { AckLedger } from '../../../../collector/pipeline/ack-ledger.ts';
import { docker, removeContainers, runContainer } from '../../../helpers/docker.ts';
import { testEnv } from '../../../helpers/env.ts';
import { startEventsAtBound } from '../../../helpers/events-at-bound.ts';
import { waitFor } from '../../../helpers/wait.ts';

test('at the queue bound the events source pauses instead of dropping, and every event arrives once after the queue drains', async (t) => {
  const api = new DockerApi(testEnv.dockerHost);
  await api.negotiate();
  const bound = await startEventsAtBound({ api, name: 'events-bound', logLevel: 'error', ledger: new AckLedger() });
  const { queue: q, batcher: b, events } = bound;
  const id = await runContainer([], ['sleep', '600']);
  t.teardown(async () => {
    await events.close();
    await b.close();
    await removeContainers([id]);
    await api.close();
  });
  await docker(['pause', id]);
  await docker(['unpause', id]);
  await docker(['kill', id]);
  await waitFor(() => events.stats.pauses > 0, { timeoutMs: 60_000, what: 'the events source to pause at the bound' });
  t.is(q.stats().droppedRecords.queue_full, 0, 'no event batch dropped at the bound');
  // Ship as an aggregator would, until the container's whole life is through.
  const seen: EventRecord[] = [];
  await waitFor(
    async () => {
      for (let head = q.peek(); head; head = q.peek()) {
        for (const l of gunzipSync(await q.read(head))
          .toString()
          .trim()
          .split('\n')) {
          const rec = JSON.parse(l) as EventRecord;
          if (rec.actor.id === id) seen.push(rec);
        }
        await q.ack(head);
      }
      return seen.some((e) => e.action === 'die');
    },
    { timeoutMs: 120_000, intervalMs: 100, what: 'the die event through the drained queue' },
  );
  t.deepEqual(
    seen.map((e) => e.action),
    ['create', 'start', 'pause', 'unpause', 'kill', 'die'],
  );
  t.is(new Set(seen.map((e) => e.id)).size, seen.length, 'each event once');
  t.is(q.stats().droppedRecords.queue_full, 0);
});
