// Shared by the log end-to-end tests: an aggregator into Elasticsearch and a collector that
// follows only the containers of this test run (selected by a label), and reading the log
// documents back with a full scan.
import type { ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startTestAggregator, type TestAggregator } from '../helpers/aggregator.ts';
import { containerLogsOf, startTestCollector } from '../helpers/collector.ts';
import { docker } from '../helpers/docker.ts';
import { scanAll, type Hit } from '../helpers/elasticsearch.ts';
import { testEnv } from '../helpers/env.ts';

export type LogDoc = {
  message: string;
  stream: string;
  '@timestamp': string;
  container: { id: string; name: string; labels: Record<string, string> };
  log: { offset?: number; file?: { path: string } };
  swarmscope: {
    log: {
      source: string;
      truncated?: boolean;
      original_length?: number;
      multiline?: { lines: number };
      flags?: string[];
    };
  };
  service?: { name?: string };
  json?: Record<string, unknown>;
};

export type LogRun = {
  agg: TestAggregator;
  run: string;
  label: string[];
  collector: Awaited<ReturnType<typeof startTestCollector>>;
  /** Every log document of the container once `count` are there (see logsOf); a failure quotes the collector's log (see explain). */
  logsOf: (containerId: string, count: number) => Promise<Array<Hit<LogDoc>>>;
  /**
   * Every log document of a container once it exited, the collector drained it and the count held
   * for `stillMs` (5 s). `drained`: another collector's (one that cannot tell: () => true, and longer).
   */
  settledDocsOf: (containerId: string, opts?: { drained?: () => boolean; stillMs?: number }) => Promise<LogDoc[]>;
  /** The collector's warnings and what it logged about containers so far (not printed: they explain a failure). */
  explain: () => string;
  close: () => Promise<void>;
};

type CollectorStart = ReturnType<typeof startTestCollector>;

/** `aroundCollectorStart`: wraps the collector's start, for a test that changes the machine only while it starts. */
export async function startLogRun(
  env: Record<string, string> = {},
  aroundCollectorStart: (start: () => CollectorStart) => CollectorStart = (start) => start(),
): Promise<LogRun> {
  const agg = await startTestAggregator();
  const run = randomBytes(4).toString('hex');
  const log: string[] = [];
  const collector = await aroundCollectorStart(() =>
    startTestCollector(
      agg,
      { SWARMSCOPE_LOGS_SELECTOR: `swarmscope.test.run=${run}`, SWARMSCOPE_LOGS_POLL_INTERVAL: '250ms', ...env },
      { log },
    ),
  );
  const explain = () =>
    log.filter((l) => (JSON.parse(l) as { level: number }).level >= 40 || l.includes('"container":')).join('\n') ||
    '(nothing)';
  return {
    agg,
    run,
    label: ['--label', `swarmscope.test.run=${run}`],
    collector,
    explain,
    logsOf: (id, count) =>
      logsOf(agg.indexPrefix, id, count, { drained: () => containerLogsOf(collector.agent)?.drained(id) }).catch(
        async (err: Error) => {
          const stats = JSON.stringify(containerLogsOf(collector.agent)?.stats);
          const state = await docker(['inspect', '--format', '{{json .State}}', id]).catch((e: Error) => e.message);
          throw new Error(
            `${err.message}\ncontainer state: ${state}\ncollector log stats: ${stats}\ncollector log:\n${explain()}`,
          );
        },
      ),
    settledDocsOf: async (id, opts = {}) => {
      const deadline = Date.now() + 480_000;
      let last = -1;
      let since = Date.now();
      for (;;) {
        const exited = (await docker(['inspect', '--format', '{{.State.Running}}', id])) === 'false';
        const drained = (opts.drained ?? (() => containerLogsOf(collector.agent)?.drained(id) === true))();
        const hits = await scanAll<LogDoc>(`${agg.indexPrefix}-logs-*`, { term: { 'container.id': id } }).catch(
          () => undefined,
        );
        if (hits) {
          if (hits.length !== last) {
            last = hits.length;
            since = Date.now();
          } else if (exited && drained && Date.now() - since > (opts.stillMs ?? 5000))
            return hits.map((h) => h._source);
        }
        if (Date.now() > deadline) throw new Error(`timed out: ${last} documents, drained ${drained}\n${explain()}`);
        await new Promise((res) => setTimeout(res, 1000));
      }
    },
    close: async () => {
      await collector.close();
      await agg.close();
    },
  };
}

/** The collector's loss counters (ContainerLogs.snapshot()). */
export type Losses = { partialLostLines: number; unprovenBoundaries: number; lostGenerations: number };

export function lossesOf(r: LogRun): Losses {
  const { partialLostLines, unprovenBoundaries, lostGenerations } = containerLogsOf(r.collector.agent)!.snapshot();
  return { partialLostLines, unprovenBoundaries, lostGenerations };
}

/** What the collector counted since `before` (lossesOf taken when the writer began). */
export function lossesSince(r: LogRun, before: Losses): Losses {
  const now = lossesOf(r);
  return {
    partialLostLines: now.partialLostLines - before.partialLostLines,
    unprovenBoundaries: now.unprovenBoundaries - before.unprovenBoundaries,
    lostGenerations: now.lostGenerations - before.lostGenerations,
  };
}

/** A document the collector flagged: part of a line whose other part went with a lost generation. */
export function isFlagged(d: LogDoc): boolean {
  return d.swarmscope.log.flags?.includes('partial_lost') === true;
}

/**
 * Lines numbered 1..lines (the number is the message's third word) written through rotation fast
 * enough that the engine may delete a generation before any thread could open it: each line arrives
 * once, a line is missing only where the collector reported a loss (an unproven boundary or a lost
 * generation), and the flagged documents equal the counter. `before`: the counters when it began.
 */
export async function assertOnceOrReported(
  t: ExecutionContext,
  r: LogRun,
  id: string,
  lines: number,
  before: Losses,
): Promise<void> {
  const docs = await r.settledDocsOf(id);
  const counted = lossesSince(r, before);
  const seen = new Map<number, number>();
  for (const d of docs) {
    const n = Number(d.message.split(' ')[2]);
    seen.set(n, (seen.get(n) ?? 0) + 1);
  }
  const twice = [...seen].filter(([, c]) => c > 1).length;
  const foreign = [...seen.keys()].filter((n) => !(n >= 1 && n <= lines)).length;
  const missing = lines - (seen.size - foreign);
  const flagged = docs.filter(isFlagged).length;
  const gaps: string[] = [];
  for (let n = 1; n <= lines; n++) {
    if (seen.has(n)) continue;
    let end = n;
    while (end < lines && !seen.has(end + 1)) end++;
    gaps.push(`${n}-${end}`);
    n = end;
  }
  t.log(JSON.stringify({ lines, documents: docs.length, missing, gaps: gaps.slice(0, 5), twice, flagged, ...counted }));
  if (missing > 0) t.log(r.explain().slice(0, 4000));
  t.is(twice, 0, 'no line shipped twice');
  t.is(foreign, 0, 'no document that is not one of the lines');
  t.is(flagged, counted.partialLostLines, 'the counter equals the flagged documents');
  if (missing > 0)
    t.true(counted.unprovenBoundaries + counted.lostGenerations > 0, `${missing} lines missing and no loss reported`);
}

/** How long the document count may stand still after the collector drained before the wait gives up. */
const SETTLE_MS = 15_000;

/**
 * Every log document of one container, once at least `count` are there. Fails early, with what is
 * missing, once `drained` (the collector read the container's files to the end and everything it
 * read is acknowledged) has held while the count stood still for a while: waiting longer cannot help.
 */
export async function logsOf(
  prefix: string,
  containerId: string,
  count: number,
  opts: { drained?: () => boolean | undefined; timeoutMs?: number } = {},
): Promise<Array<Hit<LogDoc>>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 240_000);
  let last = -1;
  let stillSince: number | undefined;
  for (;;) {
    const drained = opts.drained?.() === true; // asked before the scan: the scan sees all it acknowledged
    // A failed scan (the shared Elasticsearch under pressure: circuit breaker) is retried, not final.
    const hits = await scanAll<LogDoc>(`${prefix}-logs-*`, { term: { 'container.id': containerId } }).catch(
      () => undefined,
    );
    if (!hits) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${count} log documents of ${containerId.slice(0, 12)}: Elasticsearch scans failing`,
        );
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    if (hits.length >= count) return hits;
    stillSince = drained && hits.length === last ? (stillSince ?? Date.now()) : undefined;
    last = hits.length;
    const what = `${count} log documents of ${containerId.slice(0, 12)}: ${hits.length} there, ${count - hits.length} missing`;
    if (stillSince !== undefined && Date.now() - stillSince > SETTLE_MS)
      throw new Error(`collector drained, yet only ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${drained ? ' (collector drained)' : ''}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Documents in file order (tests that use it write one file: no rotation), which is write order per stream. */
export function byOffset(hits: Array<Hit<LogDoc>>): LogDoc[] {
  return hits.map((h) => h._source).sort((a, b) => (a.log.offset ?? 0) - (b.log.offset ?? 0));
}

const entry = fileURLToPath(new URL('../../bin/swarmscope.ts', import.meta.url));

/**
 * The collector as a child process (`node bin/swarmscope.ts collector`) following only the
 * containers of one test run, so that SIGKILL is a real crash; started again on the same data dir.
 */
export class LogCollectorProcess {
  private child: ChildProcess | undefined;
  private readonly env: NodeJS.ProcessEnv;
  stderr = '';

  constructor(agg: { url: string; token: string }, run: string, dataDir: string) {
    this.env = {
      ...process.env,
      DOCKER_HOST: testEnv.dockerHost,
      SWARMSCOPE_DOCKER_ROOT: testEnv.dockerRoot,
      SWARMSCOPE_AGGREGATOR_URL: agg.url,
      SWARMSCOPE_TOKEN: agg.token,
      SWARMSCOPE_DATA_DIR: dataDir,
      SWARMSCOPE_LOGS_SELECTOR: `swarmscope.test.run=${run}`,
      SWARMSCOPE_LOGS_POLL_INTERVAL: '250ms',
      SWARMSCOPE_INTERVAL: '5s',
      SWARMSCOPE_BATCH_MAX_AGE: '200ms',
      SWARMSCOPE_RETRY_MAX: '2s',
      SWARMSCOPE_LOG_LEVEL: process.env.SWARMSCOPE_TEST_LOG_LEVEL ?? 'warn',
    };
  }

  start(): void {
    const child = spawn(process.execPath, [entry, 'collector'], { env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-20_000)));
    this.child = child;
  }

  async signal(sig: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(sig);
    await exited;
  }
}
