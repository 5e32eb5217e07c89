// kill -9 of the aggregator (a real child process) at random moments under steady load: every
// record the simulated collectors produced is in Elasticsearch exactly once (full-scan oracle).
// Sizes are scaled for the suite; bench/delivery.ts runs the full 5,000/s × 10 kills × 2 min.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { esWriterEnv } from '../helpers/env.ts';
import { deleteIndices } from '../helpers/elasticsearch.ts';
import { AggregatorProcess, freePort } from '../helpers/aggregator-process.ts';
import { Loadgen } from '../helpers/loadgen.ts';
import { checkExactlyOnce } from '../helpers/delivery-oracle.ts';

const RATE = Number(process.env.SWARMSCOPE_FAULT_RATE ?? 1000);
const KILLS = Number(process.env.SWARMSCOPE_FAULT_KILLS ?? 4);
const SECONDS = Number(process.env.SWARMSCOPE_FAULT_SECONDS ?? 20);

test('every record arrives exactly once although the aggregator is killed with SIGKILL again and again', async (t) => {
  const run = `kill${randomBytes(3).toString('hex')}`;
  const prefix = `swarmscope-t${run}`;
  const token = randomBytes(12).toString('hex');
  const agg = new AggregatorProcess(await freePort(), {
    SWARMSCOPE_TOKEN: token,
    ...esWriterEnv(prefix),
  });
  await agg.start();
  const load = new Loadgen({ urls: [agg.url], token, collectors: 5, rate: RATE, run, retryMaxMs: 1000 });
  t.teardown(async () => {
    await load.close();
    await agg.stop();
    await deleteIndices(`${prefix}-*`);
  });
  await load.start();
  // Random kill moments over the run, sorted; each restart comes back on the same port.
  const moments = Array.from({ length: KILLS }, () => Math.random() * SECONDS * 1000).sort((a, b) => a - b);
  const began = Date.now();
  for (const at of moments) {
    await new Promise((r) => setTimeout(r, Math.max(0, began + at - Date.now())));
    await agg.kill9();
    await agg.start();
  }
  await new Promise((r) => setTimeout(r, Math.max(0, began + SECONDS * 1000 - Date.now())));
  await load.stopGenerating();
  t.true(await load.drain(120_000), 'collectors drained their queues');
  const report = await checkExactlyOnce(prefix, load.progress());
  t.log(`generated ${report.expected} records, ${KILLS} kills, found ${report.found}`);
  t.is(report.expected, load.generated());
  t.deepEqual(
    { missing: report.missing, duplicates: report.duplicates, unexpected: report.unexpected },
    { missing: 0, duplicates: 0, unexpected: 0 },
    report.examples.join('; '),
  );
  t.true(report.expected > RATE * SECONDS * 0.5, 'the load actually ran');
});
