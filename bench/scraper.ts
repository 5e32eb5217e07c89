// The cluster-scale bench's Prometheus stand-in, in a worker thread of its own so that the load
// generator's busy event loop does not stretch the scrape times it measures: every 15 s it scrapes
// every replica's full /metrics at once (plain and gzip in turn) and five random per-node targets
// from the http_sd document, timing each to its last byte.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { request } from 'undici';
import { SeriesCounter } from './series-counter.ts';

export type Scrape = { seconds: number; bytes: number; series: number };
export type Round = { gzip: boolean; results: Scrape[] };
export type ScrapeReport = { rounds: Round[]; perNodeMs: number[] };

type Settings = { kind: 'cluster-scale-scraper'; urls: string[]; seconds: number };

/** Scrapes `urls` for `seconds`; `onRound` hears each round as it ends. */
export function runScraper(urls: string[], seconds: number, onRound: (r: Round) => void): Promise<ScrapeReport> {
  const settings: Settings = { kind: 'cluster-scale-scraper', urls, seconds };
  const worker = new Worker(new URL(import.meta.url), { workerData: settings });
  return new Promise((resolve, reject) => {
    worker.on('message', (m: { round: Round } | { report: ScrapeReport }) => {
      if ('round' in m) onRound(m.round);
      else void worker.terminate().then(() => resolve(m.report));
    });
    worker.once('error', reject);
  });
}

/** One /metrics response, timed to its last byte; `gzip` asks for (and counts) the compressed body. */
async function scrape(url: string, gzip: boolean): Promise<Scrape> {
  const started = performance.now();
  const res = await request(url, {
    headers: gzip ? { 'accept-encoding': 'gzip' } : {},
    headersTimeout: 300_000,
    bodyTimeout: 300_000,
  });
  let bytes = 0;
  const counter = new SeriesCounter();
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (!gzip) counter.add(chunk);
  }
  return { seconds: (performance.now() - started) / 1000, bytes, series: counter.series };
}

async function scrapeFor(s: Settings): Promise<ScrapeReport> {
  const report: ScrapeReport = { rounds: [], perNodeMs: [] };
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < s.seconds) {
    const roundStart = performance.now();
    // As Prometheus does: every replica at once, one scrape each.
    const gzip = report.rounds.length % 2 === 1;
    const round = { gzip, results: await Promise.all(s.urls.map((u) => scrape(`${u}/metrics`, gzip))) };
    report.rounds.push(round);
    parentPort!.postMessage({ round });
    // A few per-node targets (http_sd), as a sharded Prometheus scrapes them.
    const groups = (await (await fetch(`${s.urls[0]}/api/v1/targets`)).json()) as Array<{
      targets: string[];
      labels: Record<string, string>;
    }>;
    const nodes = groups.filter((g) => g.labels.__param_node);
    for (let i = 0; i < 5 && nodes.length; i++) {
      const g = nodes[Math.floor(Math.random() * nodes.length)]!;
      report.perNodeMs.push(
        (await scrape(`http://${g.targets[0]}/metrics?node=${g.labels.__param_node}`, true)).seconds * 1000,
      );
    }
    const wait = 15_000 - (performance.now() - roundStart);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return report;
}

if (!isMainThread && (workerData as Settings | undefined)?.kind === 'cluster-scale-scraper') {
  parentPort!.postMessage({ report: await scrapeFor(workerData as Settings) });
}
