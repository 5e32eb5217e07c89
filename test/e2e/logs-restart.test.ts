// The collector crashes (SIGKILL) while a container writes, and starts again on the same data dir:
// every line still arrives exactly once (checkpoints advance only on acknowledgement; record ids
// come from the file and offset, so a line read again after the crash replaces itself).
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestAggregator } from '../helpers/aggregator.ts';
import { removeContainers, runContainer } from '../helpers/docker.ts';
import { scanAll } from '../helpers/elasticsearch.ts';
import { waitFor } from '../helpers/wait.ts';
import { LogCollectorProcess, logsOf, type LogDoc } from './logs-helpers.ts';

test('the collector killed with SIGKILL and restarted mid-stream loses no line and indexes none twice', async (t) => {
  const agg = await startTestAggregator();
  const run = randomBytes(4).toString('hex');
  const dataDir = await mkdtemp(join(tmpdir(), 'swarmscope-logkill-'));
  const collector = new LogCollectorProcess(agg, run, dataDir);
  let id: string | undefined;
  try {
    collector.start();
    // 30,000 numbered lines, paced (a pause per 1,000) so that the kill lands while it writes.
    id = await runContainer(
      ['--label', `swarmscope.test.run=${run}`],
      [
        'sh',
        '-c',
        `awk 'BEGIN{for(i=1;i<=30000;i++){print "kill line " i; if(i%1000==0){fflush(); system("sleep 0.3")}}}'`,
      ],
    );
    const index = `${agg.indexPrefix}-logs-*`;
    const before = await waitFor(
      async () => {
        const n = (await scanAll<LogDoc>(index, { term: { 'container.id': id } })).length;
        return n >= 3000 ? n : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: '3,000 lines indexed before the kill' },
    );
    await collector.signal('SIGKILL');
    t.true(before < 30_000, 'killed mid-stream');
    collector.start();
    const docs = (await logsOf(agg.indexPrefix, id, 30_000)).map((h) => h._source);
    t.is(docs.length, 30_000);
    const nums = new Set(docs.map((d) => Number(d.message.split(' ')[2])));
    t.is(nums.size, 30_000);
    t.true([...nums].every((n) => n >= 1 && n <= 30_000));
  } finally {
    await collector.signal('SIGTERM');
    if (id) await removeContainers([id]);
    await agg.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
