// Log throughput figures (not a test): a busybox container writes N numbered lines of a fixed size
// into json-file and exits; then each shipper reads that same file from the start:
//   swarmscope → acking aggregator (no Elasticsearch: local journal, fsync per batch)
//   swarmscope → aggregator → Elasticsearch (the test ES, writer user)
//   rsyslog (own rsyslogd: imfile + mmjsonparse + omelasticsearch, bulk mode) → the same ES (admin user)
//   Elasticsearch's own ceiling: the very documents swarmscope indexed (read back), sent again into a
//   fresh index by a plain loop of pre-serialised, uncompressed `_bulk` requests (5000 documents or 4 MiB per request,
//   4 at once: the collector's batch and concurrency), so nothing but Elasticsearch can limit it
//   rsyslog's ceiling: the documents rsyslog indexed, read back and sent by the same loop into a fresh
//   index as rsyslog's was made (no template: dynamic mapping; no ids: Elasticsearch generates them).
//   Ours carry more fields and a deterministic id each (exactly-once), which costs Elasticsearch a
//   lookup per document: each shipper is to be read against its own documents' ceiling.
// Before the first Elasticsearch row, Elasticsearch is warmed up once (es-warm-up.ts): on one just
// started, the first row ran at ~0.55× of its rate on a warm one, and that row was always ours; and
// swarmscope's Elasticsearch path runs once, discarded, before its first row.
// Rate and CPU are taken between the first and the last line held (journal) or indexed (polled), so
// process start-up is not counted; CPU is utime+stime of the shipper's own process from /proc.
// Usage: eval "$(npm run -s env:up)"; node bench/logs-throughput.ts [lines of 100 B] [lines of 2 KiB] [ack|ours]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testEnv } from '../test/helpers/env.ts';
import { COLLECTOR_NODE_FLAGS } from './engine.ts';
import { docker, inspect, removeContainers, runContainer } from '../test/helpers/docker.ts';
import { AggregatorProcess, freePort } from '../test/helpers/aggregator-process.ts';
import { deleteIndices, deleteTemplates, esAdmin, putTemplate, scanAll } from '../test/helpers/elasticsearch.ts';
import { templateFor } from '../aggregator/sinks/elasticsearch/templates.ts';
import { bulkLoop, type CeilingItem } from './bulk-ceiling.ts';
import { warmUpElasticsearch } from './es-warm-up.ts';
import { frameIndex, SEGMENT } from '../aggregator/sinks/journal/journal-segments.ts';
import { ensurePackages } from '../test/env/system-packages.ts';

const sizes = [
  { bytes: 100, lines: Number(process.argv[2] ?? 200_000) },
  { bytes: 2048, lines: Number(process.argv[3] ?? 50_000) },
];
/**
 * `ack` as the third argument: only the rows without Elasticsearch (for profiling the pipeline);
 * `ours`: swarmscope's rows only, acking and into Elasticsearch (no peer, no ceiling: for A/B runs).
 */
const ackOnly = process.argv[4] === 'ack';
const oursOnly = process.argv[4] === 'ours';
const TIMEOUT_MS = 20 * 60_000;
const run = randomBytes(3).toString('hex');
const entry = fileURLToPath(new URL('../bin/swarmscope.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** User + system CPU seconds of a live process (threads included), from /proc/<pid>/stat. */
function cpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

function child(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { proc: ChildProcess; stderr: () => string; stop: () => Promise<void> } {
  let err = '';
  const proc = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-5000)));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000).then(() => proc.kill('SIGKILL'))]);
  };
  return { proc, stderr: () => err, stop };
}

type Figures = { lines: number; seconds: number; cpu: number[] };

/**
 * Polls `count` until it reaches `total`; rate and CPU over the window from the first sample that
 * saw lines to the last, so that start-up is not counted.
 */
async function measure(
  what: string,
  total: number,
  count: () => Promise<number>,
  pids: Array<() => number | undefined>,
  intervalMs: number,
): Promise<Figures> {
  const deadline = Date.now() + TIMEOUT_MS;
  let first: { t: number; n: number; cpu: number[] } | undefined;
  for (;;) {
    const n = await count().catch((err: Error) => {
      if (err.message.includes('exited') || err.message.includes('loop')) throw err;
      return 0;
    });
    const t = performance.now();
    const cpu = pids.map((p) => cpuSeconds(p()));
    if (n > 0 && !first) first = { t, n, cpu };
    if (first && n >= total) {
      if (n > total) process.stderr.write(`${what}: ${n} lines counted for ${total} written (duplicates)\n`);
      return { lines: n - first.n, seconds: (t - first.t) / 1000, cpu: cpu.map((c, i) => c - first!.cpu[i]!) };
    }
    if (Date.now() > deadline) throw new Error(`${what}: ${n} of ${total} lines after ${TIMEOUT_MS / 60_000} min`);
    await sleep(intervalMs);
  }
}

async function esCount(index: string): Promise<number> {
  const es = esAdmin();
  await es.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
  return (await es.count({ index, ignore_unavailable: true, allow_no_indices: true })).count;
}

/**
 * Log records the acking aggregator holds, counted from its journal's frame headers (a frame's log
 * records are in its header) at each poll: rendering /metrics four times a second cost the
 * aggregator a fifth of its CPU in the profile.
 */
function journalCounter(dir: string): () => Promise<number> {
  const seen = new Map<string, { offset: number; logs: number }>();
  return async () => {
    let total = 0;
    for (const name of readdirSync(dir).filter((n) => SEGMENT.test(n))) {
      const s = seen.get(name) ?? { offset: 0, logs: 0 };
      const fh = await open(join(dir, name), 'r');
      try {
        const { frames, end, stop } = await frameIndex(fh, s.offset, (await fh.stat()).size);
        if (stop && !stop.incomplete) throw new Error(`journal ${name}: ${stop.why}`);
        for (const f of frames) s.logs += f.logs;
        s.offset = end;
      } finally {
        await fh.close();
      }
      seen.set(name, s);
      total += s.logs;
    }
    return total;
  };
}

/** The writer: numbered lines of exactly `bytes` bytes (newline included), as fast as busybox can. */
async function writeLines(
  label: string,
  lines: number,
  bytes: number,
): Promise<{ id: string; file: string; seconds: number }> {
  const script = `awk 'BEGIN { p = sprintf("%${bytes - 12}s", ""); gsub(/ /, "x", p); for (i = 1; i <= ${lines}; i++) printf "%010d %s\\n", i, p }'`;
  const id = await runContainer(['--label', label, '--log-driver', 'json-file'], ['sh', '-c', script]);
  await docker(['wait', id], { timeoutMs: TIMEOUT_MS });
  const state = (await inspect<{ State: { StartedAt: string; FinishedAt: string; ExitCode: number } }>(id)).State;
  if (state.ExitCode !== 0) throw new Error(`writer exited with ${state.ExitCode}`);
  const file = join(testEnv.dockerRoot, 'containers', id, `${id}-json.log`);
  // Counted in the bytes: 400,000 lines of 2 KiB are past the longest string V8 makes.
  const log = readFileSync(file);
  let written = 0;
  for (let nl = log.indexOf(10); nl !== -1; nl = log.indexOf(10, nl + 1)) written++;
  if (written !== lines) throw new Error(`json-file holds ${written} entries, expected ${lines} (rotated?)`);
  return { id, file, seconds: (Date.parse(state.FinishedAt) - Date.parse(state.StartedAt)) / 1000 };
}

/** Documents read back from an index: with the id they were indexed under when it was the shipper's. */
type Docs = Array<{ id?: string; doc: Record<string, unknown> }>;

/** swarmscope: an aggregator child process (with or without ES) and a collector child process restricted to the writer. */
async function swarmscope(label: string, total: number, withEs: boolean, keep?: Docs): Promise<Figures> {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-bench-'));
  const token = randomBytes(12).toString('hex');
  const prefix = `swarmscope-bench${run}${withEs ? 'es' : 'ack'}`;
  const agg = new AggregatorProcess(await freePort(), {
    SWARMSCOPE_TOKEN: token,
    SWARMSCOPE_DATA_DIR: join(dir, 'aggregator'),
    SWARMSCOPE_ES_INDEX_PREFIX: prefix,
    SWARMSCOPE_ES_URL: withEs ? testEnv.esUrl : '',
  });
  await agg.start();
  // Metrics and host sampling slowed down (they are not what is measured); events stay on: the
  // log source learns containers from their reconcile.
  const col = child(process.execPath, [...COLLECTOR_NODE_FLAGS, entry, 'collector'], {
    ...process.env,
    SWARMSCOPE_AGGREGATOR_URL: agg.url,
    SWARMSCOPE_TOKEN: token,
    SWARMSCOPE_DATA_DIR: join(dir, 'collector'),
    SWARMSCOPE_LOGS_SELECTOR: label,
    SWARMSCOPE_INTERVAL: '60s',
    SWARMSCOPE_HOST_METRICS: 'false',
    SWARMSCOPE_LOG_LEVEL: 'warn',
  });
  try {
    const journal = journalCounter(join(dir, 'aggregator', 'journal'));
    const count = withEs ? () => esCount(`${prefix}-logs-*`) : journal;
    return await measure(
      `swarmscope${withEs ? ' → ES' : ''}`,
      total,
      async () => {
        if (col.proc.exitCode !== null) throw new Error(`collector exited: ${col.stderr()}`);
        return count();
      },
      [() => col.proc.pid, () => agg.pid],
      withEs ? 500 : 250,
    );
  } finally {
    await col.stop();
    await agg.stop();
    if (withEs) {
      if (keep) for (const h of await scanAll(`${prefix}-logs-*`)) keep.push({ id: h._id, doc: h._source });
      await deleteIndices(`${prefix}-*`);
      await deleteTemplates(`${prefix}-*`);
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/** The peer: an rsyslogd of our own (own config, work directory and pid file) on the same file. */
async function rsyslog(file: string, total: number, keep?: Docs): Promise<Figures> {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-bench-rsyslog-'));
  const index = `swarmscope-bench-rsyslog-${run}`;
  const es = new URL(testEnv.esUrl);
  const q = (s: string) => JSON.stringify(s);
  writeFileSync(
    join(dir, 'rsyslog.conf'),
    `
global(workDirectory=${q(dir)} maxMessageSize="64k")
module(load="imfile" mode="inotify")
module(load="mmjsonparse")
module(load="omelasticsearch")
template(name="doc" type="list" option.jsonf="on") {
  property(outname="@timestamp" name="$!time" format="jsonf")
  property(outname="message" name="$!log" format="jsonf")
  property(outname="stream" name="$!stream" format="jsonf")
}
ruleset(name="es" queue.type="LinkedList" queue.size="200000" queue.dequeueBatchSize="5000") {
  action(type="mmjsonparse" cookie="" useRawMsg="on")
  action(type="omelasticsearch" server=${q(es.hostname)} serverport=${q(es.port || '9200')}
         uid=${q(testEnv.esAdminUsername)} pwd=${q(testEnv.esAdminPassword)}
         searchIndex=${q(index)} template="doc" bulkmode="on" maxbytes="4m" esVersion.major="8"
         queue.type="LinkedList" queue.size="200000" queue.dequeueBatchSize="5000"
         action.resumeRetryCount="-1" errorFile=${q(join(dir, 'es-errors.json'))})
}
input(type="imfile" File=${q(file)} Tag="bench" ruleset="es" freshStartTail="off" addMetadata="off")
`,
  );
  const rs = child('rsyslogd', ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')], process.env);
  try {
    return await measure(
      'rsyslog → ES',
      total,
      async () => {
        if (rs.proc.exitCode !== null) throw new Error(`rsyslogd exited: ${rs.stderr()}`);
        return esCount(index);
      },
      [() => rs.proc.pid],
      500,
    );
  } finally {
    await rs.stop();
    if (keep) for (const h of await scanAll(index)) keep.push({ doc: h._source });
    await deleteIndices(index);
    await rm(dir, { recursive: true, force: true });
  }
}

type Template = ReturnType<typeof templateFor>;

/**
 * A ceiling: `docs` into the fresh `index` (under `template` if given) by a plain loop of
 * pre-serialised `_bulk` bodies, each under its id if it has one.
 */
async function bulkCeiling(what: string, index: string, docs: Docs, template?: Template): Promise<Figures> {
  if (template) await putTemplate(template);
  const items: CeilingItem[] = docs.map((d) => ({ index, id: d.id, source: JSON.stringify(d.doc) }));
  let failed: Error | undefined;
  const loop = bulkLoop(items).catch((err: Error) => void (failed = err));
  try {
    return await measure(
      what,
      docs.length,
      async () => {
        if (failed) throw failed;
        return esCount(index);
      },
      [],
      100,
    );
  } finally {
    await loop;
    await deleteIndices(index);
    if (template) await deleteTemplates(template.name);
  }
}

const rows: string[][] = [
  ['path', 'line', 'lines', 'lines/s', 'MiB/s', 'shipper CPU s/1M lines', 'aggregator CPU s/1M lines', 'shipper cores'],
];
/** Each row also goes to stderr as soon as it is measured, so a run cut short keeps what it had. */
const push = (row: string[]) => {
  rows.push(row);
  process.stderr.write(`${row.join(' | ')}\n`);
};
const fmt = (f: Figures, bytes: number, path: string): string[] =>
  f.lines === 0
    ? [path, `${bytes} B`, 'all within one poll: raise the line count', '', '', '', '', '']
    : [
        path,
        `${bytes} B`,
        String(f.lines),
        Math.round(f.lines / f.seconds).toLocaleString('en'),
        ((f.lines * bytes) / f.seconds / 2 ** 20).toFixed(1),
        ...[0, 1].map((i) => (f.cpu[i] === undefined ? '-' : ((f.cpu[i] / f.lines) * 1e6).toFixed(1))),
        f.cpu[0] === undefined ? '-' : (f.cpu[0] / f.seconds).toFixed(2),
      ];
// The peer is a Debian package: installed here when missing (a fresh machine has none).
await ensurePackages(['rsyslog', 'rsyslog-elasticsearch']);
if (!ackOnly) await warmUpElasticsearch(run);
const containers: string[] = [];
try {
  for (const { bytes, lines } of sizes) {
    const label = `swarmscope.bench=${run}-${bytes}`;
    const w = await writeLines(label, lines, bytes);
    containers.push(w.id);
    push([
      'busybox → json-file (dockerd; reference)',
      `${bytes} B`,
      String(lines),
      Math.round(lines / w.seconds).toLocaleString('en'),
      ((lines * bytes) / w.seconds / 2 ** 20).toFixed(1),
      '-',
      '-',
      '-',
    ]);
    const docs: Docs = [];
    const rsyslogDocs: Docs = [];
    push(fmt(await swarmscope(label, lines, false), bytes, 'swarmscope → acking aggregator (journal)'));
    if (!ackOnly) {
      if (bytes === sizes[0]!.bytes) {
        // One run of the path first, discarded: on an Elasticsearch just started, its first run went
        // at 16,855-18,541 lines/s of 100 B after the plain loop's warm-up, the next ones at 28,420-30,652.
        const warm = await swarmscope(label, lines, true);
        process.stderr.write(
          `swarmscope → Elasticsearch, warm-up run (discarded): ${fmt(warm, bytes, '')[3]} lines/s\n`,
        );
      }
      push(fmt(await swarmscope(label, lines, true, docs), bytes, 'swarmscope → aggregator → Elasticsearch'));
      if (!oursOnly) {
        push(fmt(await rsyslog(w.file, lines, rsyslogDocs), bytes, 'rsyslog imfile → omelasticsearch'));
        push(
          fmt(
            await bulkCeiling('plain _bulk of rsyslog → ES', `swarmscope-bench-rsyslog-${run}-ceil`, rsyslogDocs),
            bytes,
            "plain pre-serialised _bulk loop of rsyslog's documents → ES (rsyslog's ceiling)",
          ),
        );
        const prefix = `swarmscope-bench${run}ceil`;
        push(
          fmt(
            await bulkCeiling('plain _bulk → ES', `${prefix}-logs-bench`, docs, templateFor(prefix, 'logs')),
            bytes,
            'plain pre-serialised _bulk loop → ES (ceiling)',
          ),
        );
      }
    }
    await removeContainers([w.id]);
    containers.pop();
  }
} finally {
  await removeContainers(containers);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
const out = rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
process.stdout.write(
  `${out.join('\n')}\n(rates and CPU between the first and the last line acknowledged/indexed; load average at the end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})\n`,
);
process.exit(0);
