// A real collector process (`swarmscope collector`, auto heap policy) reports the memory policy
// while it ships nothing and the throughput one once a container floods its log (~40 MB of 2 KB
// lines, far past 4 MiB/s), as the aggregator's /metrics show from its self-report.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { startTestAggregator } from '../helpers/aggregator.ts';
import { CollectorProcess } from '../helpers/collector-process.ts';
import { removeContainers, runContainer } from '../helpers/docker.ts';
import { waitFor } from '../helpers/wait.ts';

/** The one collector's value of a series (this aggregator hears from no other). */
async function reported(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

test('the collector turns to the throughput heap policy while a container floods its log', async (t) => {
  t.timeout(3 * 60_000);
  const run = randomBytes(4).toString('hex');
  const label = `swarmscope.test.run=${run}`;
  const agg = await startTestAggregator({ es: false });
  const ids: string[] = [];
  t.teardown(async () => {
    await removeContainers(ids);
    await agg.close();
  });
  const col = await CollectorProcess.start(
    { urls: [agg.url], token: agg.token },
    { SWARMSCOPE_LOGS_SELECTOR: label, SWARMSCOPE_INTERVAL: '1s' },
  );
  t.teardown(() => col.stop());
  const mode = () => reported(agg.url, 'swarmscope_collector_heap_throughput_mode');
  await waitFor(async () => ((await mode()) !== undefined ? true : undefined), {
    timeoutMs: 60_000,
    what: 'the collector self-report',
  });
  t.is(await mode(), 0, 'memory policy while nothing is shipped');
  t.is(await reported(agg.url, 'swarmscope_collector_heap_policy_switches_total'), 0);

  ids.push(
    await runContainer(
      ['--label', label],
      [
        'sh',
        '-c',
        'l=$(head -c 2000 /dev/zero | tr "\\0" x); i=0; while [ $i -lt 20000 ]; do echo $i$l; i=$((i+1)); done',
      ],
    ),
  );
  await waitFor(async () => ((await mode()) === 1 ? true : undefined), {
    timeoutMs: 90_000,
    what: `the throughput policy (collector: ${col.stderr.slice(-500)})`,
  });
  t.true((await reported(agg.url, 'swarmscope_collector_heap_policy_switches_total'))! >= 1);
});
