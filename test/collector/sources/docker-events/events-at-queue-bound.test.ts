// Docker events at the durable queue's bound, against the real engine and a real disk queue with
// no shipper: events are in the class that is never dropped, so the source pauses until the queue
// drains, and then every event of the container arrives once.
import test from 'ava';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createLogger } from '../../../../common/logger.ts';
import type { EventRecord } from '../../../../common/schema/index.ts';
import { DockerApi } from '../../../../collector/docker-api.ts';
import { Batcher } from '../../../../collector/pipeline/batcher.ts';
import { DiskQueue } from '../../../../collector/pipeline/disk-queue.ts';
import { AckLedger } from '../../../../collector/pipeline/ack-ledger.ts';
import { DockerInventory } from '../../../../collector/docker-inventory.ts';
import { DockerEvents } from '../../../../collector/sources/docker-events/docker-events.ts';
import { docker, removeContainers, runContainer } from '../../../helpers/docker.ts';
import { testEnv } from '../../../helpers/env.ts';
import { waitFor } from '../../../helpers/wait.ts';

test('at the queue bound the events source pauses instead of dropping, and every event arrives once after the queue drains', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'swarmscope-events-bound-'));
  // Room for about two one-event batches: the bound is reached within a container's first events.
  const ledger = new AckLedger();
  const q = new DiskQueue({
    dir: join(dataDir, 'queue'),
    maxBytes: 1200,
    maxAgeMs: 3_600_000,
    fsync: 'off',
    onLeft: (batch) => ledger.left(batch.seq),
  });
  await q.start();
  const api = new DockerApi(testEnv.dockerHost);
  await api.negotiate();
  const log = createLogger({ name: 'events-bound-test', level: 'error' });
  const events: DockerEvents = new DockerEvents({
    api,
    inventory: new DockerInventory({ api, log, reconcileMs: 600_000 }),
    dataDir,
    node: () => ({ id: '', hostname: 'events-bound-test' }),
    emit: (records, ack) => b.add(records, ack),
    ready: () => b.whenAccepting(),
    log,
    reconcileMs: 600_000,
    backoff: { initialDelayMs: 100, maxDelayMs: 1000, factor: 2 },
  });
  const b = new Batcher({
    maxRecords: 1,
    maxBytes: 1_000_000,
    maxAgeMs: 100,
    queue: q,
    ledger,
  });
  b.start();
  await events.start();
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
