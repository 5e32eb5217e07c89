// Shared by the log end-to-end tests: an aggregator into Elasticsearch and a collector that
// follows only the containers of this test run (selected by a label), and reading the log
// documents back with a full scan.
import { randomBytes } from 'node:crypto';
import { startTestAggregator, type TestAggregator } from '../helpers/aggregator.ts';
import { startTestCollector } from '../helpers/collector.ts';
import { scanAll, type Hit } from '../helpers/elasticsearch.ts';
import { waitFor } from '../helpers/wait.ts';

export type LogDoc = {
  message: string;
  stream: string;
  '@timestamp': string;
  container: { id: string; name: string; labels: Record<string, string> };
  log: { offset?: number; truncated?: boolean; original_length?: number; multiline?: { lines: number } };
  orchestrator?: { service?: { name?: string } };
  json?: Record<string, unknown>;
};

export type LogRun = {
  agg: TestAggregator;
  run: string;
  label: string[];
  collector: Awaited<ReturnType<typeof startTestCollector>>;
  close: () => Promise<void>;
};

export async function startLogRun(env: Record<string, string> = {}): Promise<LogRun> {
  const agg = await startTestAggregator();
  const run = randomBytes(4).toString('hex');
  const collector = await startTestCollector(agg, { SWARMSCOPE_LOGS_SELECTOR: `swarmscope.test.run=${run}`, SWARMSCOPE_LOGS_POLL_INTERVAL: '250ms', ...env });
  return {
    agg,
    run,
    label: ['--label', `swarmscope.test.run=${run}`],
    collector,
    close: async () => {
      await collector.close();
      await agg.close();
    },
  };
}

/** Every log document of one container, once at least `count` are there. */
export async function logsOf(prefix: string, containerId: string, count: number, timeoutMs = 240_000): Promise<Array<Hit<LogDoc>>> {
  return waitFor(
    async () => {
      const hits = await scanAll<LogDoc>(`${prefix}-logs-*`, { term: { 'container.id': containerId } });
      return hits.length >= count ? hits : undefined;
    },
    { timeoutMs, intervalMs: 1000, what: `${count} log documents of ${containerId.slice(0, 12)}` },
  );
}

/** Documents in file order (tests that use it write one file: no rotation), which is write order per stream. */
export function byOffset(hits: Array<Hit<LogDoc>>): LogDoc[] {
  return hits.map((h) => h._source).sort((a, b) => (a.log.offset ?? 0) - (b.log.offset ?? 0));
}
