// One run of the acceptance scenario "real containers under steady load, the aggregator killed
// with SIGKILL at random moments": numbered-line containers → a real collector process → a real
// aggregator process (killed and restarted on the same port) → the shared test Elasticsearch;
// then the exact oracle. Used by test/fault/containers-aggregator-kill.test.ts (small) and
// bench/delivery-containers.ts (full size), which differ only in the sizes.
import { randomBytes } from 'node:crypto';
import { esWriterEnv } from './env.ts';
import { deleteIndices, esAdmin } from './elasticsearch.ts';
import { docker, inspect } from './docker.ts';
import { AggregatorProcess, freePort } from './aggregator-process.ts';
import { CollectorProcess } from './collector-process.ts';
import { startNumberedWriters } from './numbered-writers.ts';
import { checkLinesExactlyOnce, type LinesReport } from './delivery-oracle.ts';

export type ContainersKillFigures = {
  lines: number;
  kills: number;
  /** Lines per second the containers really wrote (their start-to-exit span, from the engine). */
  achievedRate: number;
  /** Lines written but not yet in Elasticsearch when the containers finished writing. */
  backlogLinesAtEndOfWriting: number;
  /** From the end of writing until every line was searchable and the collector's log queue was empty. */
  drainSeconds: number;
  drained: boolean;
  peakQueueBatches: number;
  peakQueueBytes: number;
  collectorCpuSeconds: number;
  collectorPeakRssBytes: number;
  aggregatorCpuSeconds: number;
  report: LinesReport;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export async function runContainersUnderKills(opts: {
  containers: number;
  rate: number;
  kills: number;
  seconds: number;
  drainTimeoutMs: number;
}): Promise<ContainersKillFigures> {
  const run = `ckill${randomBytes(3).toString('hex')}`;
  const prefix = `swarmscope-t${run}`;
  const token = randomBytes(12).toString('hex');
  const agg = new AggregatorProcess(await freePort(), {
    SWARMSCOPE_TOKEN: token,
    ...esWriterEnv(prefix),
  });
  let collector: CollectorProcess | undefined;
  let removeWriters = async () => {};
  let sampler: NodeJS.Timeout | undefined;
  try {
    await agg.start();
    collector = await CollectorProcess.start(
      { urls: [agg.url], token },
      {
        SWARMSCOPE_LOGS_SELECTOR: `swarmscope.test.run=${run}`,
        SWARMSCOPE_LOGS_POLL_INTERVAL: '250ms',
        SWARMSCOPE_RETRY_MAX: '2s',
        SWARMSCOPE_HOST_METRICS: 'false',
        SWARMSCOPE_EVENTS: 'false',
      },
    );
    const col = collector;
    const peak = { batches: 0, bytes: 0, rss: 0 };
    sampler = setInterval(() => {
      peak.rss = Math.max(peak.rss, col.rssBytes());
      void col.queue().then((q) => {
        peak.batches = Math.max(peak.batches, q.batches);
        peak.bytes = Math.max(peak.bytes, q.bytes);
      });
    }, 500);
    const started = await startNumberedWriters({
      run,
      containers: opts.containers,
      rate: opts.rate,
      seconds: opts.seconds,
      labels: [`swarmscope.test.run=${run}`],
    });
    removeWriters = started.remove;
    const total = started.writers.reduce((n, w) => n + w.lines, 0);
    const began = Date.now();
    // Random kill moments over the writing time, sorted; each restart serves the same port.
    const moments = Array.from({ length: opts.kills }, () => Math.random() * opts.seconds * 1000).sort((a, b) => a - b);
    for (const at of moments) {
      await sleep(began + at - Date.now());
      await agg.kill9();
      await agg.start();
    }
    await sleep(began + opts.seconds * 1000 - Date.now());
    // A busy machine may slow the writers: wait for their exit, and measure the rate they kept.
    await docker(['wait', ...started.writers.map((w) => w.id)], { timeoutMs: opts.seconds * 1000 + 300_000 });
    const writingEnded = Date.now();
    const spans = await Promise.all(
      started.writers.map(
        async (w) => (await inspect<{ State: { StartedAt: string; FinishedAt: string } }>(w.id)).State,
      ),
    );
    const span =
      Math.max(...spans.map((st) => Date.parse(st.FinishedAt))) -
      Math.min(...spans.map((st) => Date.parse(st.StartedAt)));
    const es = esAdmin();
    const searchable = async () => {
      await es.indices.refresh({ index: `${prefix}-logs-*`, ignore_unavailable: true, allow_no_indices: true });
      return (await es.count({ index: `${prefix}-logs-*`, ignore_unavailable: true, allow_no_indices: true })).count;
    };
    const backlog = total - (await searchable());
    let drained = false;
    while (Date.now() < writingEnded + opts.drainTimeoutMs) {
      if (col.exitCode !== null)
        throw new Error(`the collector exited with ${col.exitCode}: ${col.stderr.slice(-2000)}`);
      if ((await searchable()) >= total && (await col.queue()).logBatches === 0) {
        drained = true;
        break;
      }
      await sleep(500);
    }
    const drainSeconds = (Date.now() - writingEnded) / 1000;
    clearInterval(sampler);
    const report = await checkLinesExactlyOnce(prefix, started.writers);
    return {
      lines: total,
      kills: opts.kills,
      achievedRate: Math.round(total / (span / 1000)),
      backlogLinesAtEndOfWriting: backlog,
      drainSeconds,
      drained,
      peakQueueBatches: peak.batches,
      peakQueueBytes: peak.bytes,
      collectorCpuSeconds: col.cpuSeconds(),
      collectorPeakRssBytes: peak.rss,
      aggregatorCpuSeconds: agg.cpuSeconds(),
      report,
    };
  } finally {
    clearInterval(sampler);
    await removeWriters();
    await collector?.stop();
    await agg.stop();
    await deleteIndices(`${prefix}-*`);
  }
}
