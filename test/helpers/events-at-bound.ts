// The Docker events source wired to a real batcher and a disk queue on a tmp dir so small that it
// reaches its bound within a few events, with nothing draining it: the setup of the tests of the
// source's pause at the queue bound. The engine (real or fake) and the draining are the test's.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DockerApi } from '../../collector/docker-api.ts';
import { DockerInventory } from '../../collector/docker-inventory.ts';
import type { AckLedger } from '../../collector/pipeline/ack-ledger.ts';
import { Batcher } from '../../collector/pipeline/batcher.ts';
import { DiskQueue } from '../../collector/pipeline/disk-queue.ts';
import { DockerEvents } from '../../collector/sources/docker-events/docker-events.ts';
import { createLogger } from '../../common/logger.ts';

export type EventsAtBound = { dataDir: string; queue: DiskQueue; batcher: Batcher; events: DockerEvents };

/**
 * Queue, batcher and events source, started. `name` names the tmp dir, logger and node; a `ledger`
 * hears what the batcher takes and what leaves the queue (as the agent wires it).
 */
export async function startEventsAtBound(opts: {
  api: DockerApi;
  name: string;
  logLevel: 'error' | 'silent';
  ledger?: AckLedger;
}): Promise<EventsAtBound> {
  const { api, ledger } = opts;
  const dataDir = await mkdtemp(join(tmpdir(), `swarmscope-${opts.name}-`));
  // Room for about two one-event batches.
  const queue = new DiskQueue({
    dir: join(dataDir, 'queue'),
    maxBytes: 1200,
    maxAgeMs: 3_600_000,
    fsync: 'off',
    onLeft: ledger ? (batch) => ledger.left(batch.seq) : undefined,
  });
  await queue.start();
  const batcher = new Batcher({ maxRecords: 1, maxBytes: 1_000_000, maxAgeMs: 100, queue, ledger });
  batcher.start();
  const log = createLogger({ name: `${opts.name}-test`, level: opts.logLevel });
  const events = new DockerEvents({
    api,
    inventory: new DockerInventory({ api, log, reconcileMs: 600_000 }),
    dataDir,
    node: () => ({ id: '', hostname: `${opts.name}-test` }),
    emit: (records, ack) => batcher.add(records, ack),
    // The batcher's own wait, not raced with any close: close() must end a pause by itself.
    ready: () => batcher.whenAccepting(),
    log,
    reconcileMs: 600_000,
    backoff: { initialDelayMs: 100, maxDelayMs: 1000, factor: 2 },
  });
  await events.start();
  return { dataDir, queue, batcher, events };
}
