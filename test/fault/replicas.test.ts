// Two aggregator replicas (real child processes); one is killed for good mid-run. Collectors,
// given both URLs (SWARMSCOPE_AGGREGATOR_URL as a list), move to the survivor: exactly once.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { esWriterEnv } from '../helpers/env.ts';
import { deleteIndices } from '../helpers/elasticsearch.ts';
import { AggregatorProcess, freePort } from '../helpers/aggregator-process.ts';
import { Loadgen } from '../helpers/loadgen.ts';
import { checkExactlyOnce } from '../helpers/delivery-oracle.ts';

const SECONDS = Number(process.env.SWARMSCOPE_FAULT_SECONDS ?? 20);

async function okBatches(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^swarmscope_ingest_batches_total\{outcome="ok"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

test('when one of two aggregator replicas dies for good the collectors move to the other and every record arrives once', async (t) => {
  const run = `repl${randomBytes(3).toString('hex')}`;
  const prefix = `swarmscope-t${run}`;
  const token = randomBytes(12).toString('hex');
  const env = { SWARMSCOPE_TOKEN: token, ...esWriterEnv(prefix) };
  const a = new AggregatorProcess(await freePort(), env);
  const b = new AggregatorProcess(await freePort(), env);
  await Promise.all([a.start(), b.start()]);
  const load = new Loadgen({ urls: [a.url, b.url], token, collectors: 4, rate: 800, run, retryMaxMs: 1000 });
  t.teardown(async () => {
    await load.close();
    await Promise.all([a.stop(), b.stop()]);
    await deleteIndices(`${prefix}-*`);
  });
  await load.start();
  await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 2));
  await a.kill9();
  const survivorBefore = await okBatches(b.url);
  await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 2));
  await load.stopGenerating();
  t.true(await load.drain(60_000), 'collectors drained through the survivor');
  t.true((await okBatches(b.url)) > survivorBefore, 'the survivor took batches after the kill');
  const report = await checkExactlyOnce(prefix, load.progress());
  t.deepEqual(
    { missing: report.missing, duplicates: report.duplicates, unexpected: report.unexpected },
    { missing: 0, duplicates: 0, unexpected: 0 },
    report.examples.join('; '),
  );
  t.true(report.expected > 0);
});
