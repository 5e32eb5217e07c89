// The rows of issue 15's table: 100 KiB lines (seven 16 KiB pieces each in json-file) written by a
// real container through max-size=64k and 1m, max-file=3, flat out and at 20 lines/s (and 64k with no
// max-file, paced; and three of them with compress=true). Every line
// must be in Elasticsearch exactly once and whole, or flagged partial_lost (a generation holding a
// piece was deleted before it could be opened), with the collector's counter equal to the flagged
// documents; a line missing altogether is allowed only when the collector reported the loss. And a
// container list taken before the container existed, told while a line is being written, cuts none.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeContainers, runContainer } from '../helpers/docker.ts';
import type { ElasticsearchSink } from '../../aggregator/sinks/elasticsearch/sink.ts';
import { containerLogsOf } from '../helpers/collector.ts';
import { scanAll } from '../helpers/elasticsearch.ts';
import { testEnv } from '../helpers/env.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  isFlagged,
  LogCollectorProcess,
  lossesOf,
  lossesSince,
  startLogRun,
  type LogDoc,
  type LogRun,
} from './logs-helpers.ts';

const LINE_BYTES = 100 * 1024;

/** Line i: "NNNNNN." repeated and cut to 100 KiB, so any piece of it tells which line it is. */
function expected(i: number): string {
  const unit = `${String(i).padStart(6, '0')}.`;
  return unit.repeat(Math.ceil(LINE_BYTES / unit.length)).slice(0, LINE_BYTES);
}

const writer = (lines: number, pace: boolean) =>
  `awk 'BEGIN{for(i=1;i<=${lines};i++){u=sprintf("%06d.",i); l=u; while(length(l)<${LINE_BYTES}) l=l l; print substr(l,1,${LINE_BYTES}); fflush();${pace ? ' system("usleep 50000");' : ''}}}'`;

let r: LogRun;
const containers: string[] = [];

test.before(async () => {
  r = await startLogRun();
});

test.after.always(async () => {
  await removeContainers(containers);
  await r?.close();
});

/** `during`: runs while the container writes (it has its id), and is awaited before the documents are read. */
async function row(
  maxSize: string | undefined,
  lines: number,
  pace: boolean,
  during?: (id: string) => Promise<void>,
  maxFile: string | undefined = '3',
  compress = false,
) {
  const before = lossesOf(r);
  const rotation = maxSize
    ? [
        '--log-opt',
        `max-size=${maxSize}`,
        ...(maxFile ? ['--log-opt', `max-file=${maxFile}`] : []),
        ...(compress ? ['--log-opt', 'compress=true'] : []),
      ]
    : [];
  // A writer with work to do while its line is written waits a moment: the collector follows it first.
  const command = `${during ? 'sleep 1; ' : ''}${writer(lines, pace)}`;
  const id = await runContainer([...r.label, ...rotation], ['sh', '-c', command]);
  containers.push(id);
  await during?.(id);
  const docs = await r.settledDocsOf(id);
  const { out, bad, flaggedShapes } = analyse(docs, lines);
  const counted = lossesSince(r, before);
  // Where a line is missing, what every side counted tells which one dropped it.
  if (out.missing > 0) bad.push(whoCounted(r));
  return { out, counted, bad, flaggedShapes };
}

/** Each written line against its documents: whole once, flagged parts, missing, twice, cut or foreign. */
function analyse(docs: LogDoc[], lines: number) {
  const byLine = new Map<number, LogDoc[]>();
  let foreign = 0;
  for (const d of docs) {
    const m = /(\d{6})\./.exec(d.message);
    const i = m ? Number(m[1]) : 0;
    if (i < 1 || i > lines) foreign++;
    else byLine.set(i, [...(byLine.get(i) ?? []), d]);
  }
  const out = { whole: 0, flaggedLines: 0, flaggedDocs: 0, missing: 0, duplicated: 0, cut: 0, foreign };
  const bad: string[] = [];
  /** The first flagged lines, described: which lines a flag fell on names the path that flagged them. */
  const flaggedShapes: string[] = [];
  const missingRuns: Array<[number, number]> = [];
  for (let i = 1; i <= lines; i++) {
    const got = byLine.get(i) ?? [];
    const flagged = got.filter(isFlagged);
    const plain = got.filter((d) => !flagged.includes(d));
    const text = expected(i);
    if (got.length === 0) {
      out.missing++;
      const run = missingRuns.at(-1);
      if (run?.[1] === i - 1) run[1] = i;
      else missingRuns.push([i, i]);
    }
    if (plain.length > 1 || (plain.length === 1 && flagged.length > 0)) out.duplicated++;
    if (plain.length === 1 && plain[0]!.message !== text) out.cut++;
    if ((plain.length === 1 && plain[0]!.message !== text) || flagged.some((d) => !text.includes(d.message)))
      bad.push(describeCut(i, text, got, lines, byLine));
    if (plain.length === 1 && plain[0]!.message === text) out.whole++;
    if (flagged.length > 0 && out.flaggedLines++ < 5) flaggedShapes.push(describeCut(i, text, got, lines, byLine));
    out.flaggedDocs += flagged.length;
    for (const d of flagged) if (!text.includes(d.message)) out.cut++;
  }
  for (const [from, to] of missingRuns)
    bad.push(
      `missing lines ${from}-${to}\n  ${[from - 1, to + 1].map((n) => describeNeighbour(n, lines, byLine)).join('\n  ')}`,
    );
  return { out, bad, flaggedShapes };
}

/**
 * What a cut line looks like, so a failure names its path: per document its length, flag,
 * generation (file key) and offset, and which part of the line it holds (head, tail, a hole in
 * the middle, or a part of another text); and the same for the lines either side.
 */
function describeCut(i: number, text: string, got: LogDoc[], lines: number, byLine: Map<number, LogDoc[]>): string {
  return [
    `line ${i} (${text.length} B): ${got.map((d) => shape(d, text)).join('; ')}`,
    describeNeighbour(i - 1, lines, byLine),
    describeNeighbour(i + 1, lines, byLine),
  ]
    .filter(Boolean)
    .join('\n  ');
}

/** Line n's documents (as describeCut says them), or nothing past either end. */
function describeNeighbour(n: number, lines: number, byLine: Map<number, LogDoc[]>): string {
  return n < 1 || n > lines
    ? ''
    : `line ${n}: ${(byLine.get(n) ?? []).map((d) => shape(d, expected(n))).join('; ') || 'missing'}`;
}

function shape(d: LogDoc, t: string): string {
  const m = d.message;
  let head = 0;
  while (head < m.length && m[head] === t[head]) head++;
  let tail = 0;
  while (tail < m.length - head && m[m.length - 1 - tail] === t[t.length - 1 - tail]) tail++;
  const where = t.includes(m)
    ? `part at ${t.indexOf(m)}`
    : head + tail === m.length
      ? `hole: ${head} head + ${tail} tail`
      : `foreign bytes after ${head}`;
  const flag = isFlagged(d) ? 'flagged' : 'plain';
  return `${m.length} B ${flag} ${where} (${d.log.file?.path ?? '?'} @${d.log.offset ?? '?'})`;
}

/** The aggregator's bulk counters and the collector's log counters, for a line missing with no loss counted. */
function whoCounted(run: LogRun): string {
  const bulk = (run.agg.sink as ElasticsearchSink).writer.counters;
  return `aggregator bulk ${JSON.stringify(bulk)}; collector logs ${JSON.stringify(containerLogsOf(run.collector.agent)!.snapshot())}`;
}

// The fourth row is the most common setting, max-size alone: max-file is then 1, and engine 20.10 keeps
// `.1` anyway (it renames the live file over it). Read as one generation, 82 of its 300 lines were
// flagged with nothing lost; every boundary is provable as with max-file=2.
// The compress=true rows: a line's pieces then span plain files and gzip copies (the gzip copy of
// `.1` is written while the live file fills).
for (const [maxSize, maxFile, lines, pace, compress] of [
  ['1m', '3', 500, false, false],
  ['64k', '3', 300, true, false],
  ['64k', '3', 500, false, false],
  ['64k', undefined, 300, true, false],
  ['1m', '3', 500, false, true],
  ['64k', '3', 300, true, true],
  ['64k', '3', 500, false, true],
] as const) {
  test.serial(
    `${lines} lines of 100 KiB ${pace ? 'at 20 lines/s' : 'flat out'} through max-size=${maxSize}, ${maxFile ? `max-file=${maxFile}` : 'no max-file'}${compress ? ', compress=true' : ''}: each once and whole, or flagged and counted`,
    async (t) => {
      const { out, counted, bad, flaggedShapes } = await row(maxSize, lines, pace, undefined, maxFile, compress);
      t.log(JSON.stringify({ ...out, ...counted }));
      for (const b of [...bad, ...flaggedShapes]) t.log(b);
      t.is(out.duplicated, 0, 'no line shipped twice');
      t.is(out.cut, 0, 'no line cut without its flag; every flagged document a part of its line');
      t.is(out.foreign, 0);
      t.is(out.flaggedDocs, counted.partialLostLines, 'the counter equals the flagged documents');
      if (out.missing > 0) t.true(counted.unprovenBoundaries > 0, 'a line missing altogether was reported');
      t.is(out.whole + out.flaggedLines + out.missing, lines);
    },
  );
}

test.serial('a container list taken before the container existed does not cut the line being written', async (t) => {
  // The inventory lists containers, inspects them (seconds on a busy engine), then tells the list:
  // a container created in between is followed already and not in it. Told such a list over and over
  // while 300 lines of 100 KiB go out flat out (no rotation: nothing can be lost), the reader must
  // not take the container for removed (its line being written was flushed cut, and the whole line
  // read again later was refused by Elasticsearch as the cut one's id).
  const logs = containerLogsOf(r.collector.agent)!;
  const stale = async (id: string) => {
    // Once 2 MiB are written (the writer flat out, almost always inside one of its lines' 7 pieces).
    const file = join(testEnv.dockerRoot, 'containers', id, `${id}-json.log`);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (statSync(file, { throwIfNoEntry: false })?.size ?? 0) < 2 * 1024 * 1024)
      await new Promise((res) => setTimeout(res, 2));
    await logs.reconcile([]);
  };
  const { out, counted, bad, flaggedShapes } = await row(undefined, 300, false, stale);
  t.log(JSON.stringify({ ...out, ...counted }));
  for (const b of [...bad, ...flaggedShapes]) t.log(b);
  t.is(out.whole, 300);
  t.is(counted.partialLostLines, 0);
});

for (const compress of [false, true])
  test.serial(
    `a collector killed with SIGKILL while 100 KiB lines rotate${compress ? ' (compress=true)' : ''}, and started again: each line once and whole, or flagged and reported`,
    async (t) => {
      // A collector of its own (a child process, so SIGKILL is a real crash) on its own run label. At 20
      // lines/s a 1 MB generation lives ~0.5 s and five are kept: the restart usually finds every one.
      const run = randomBytes(4).toString('hex');
      const dataDir = await mkdtemp(join(tmpdir(), 'swarmscope-longkill-'));
      const collector = new LogCollectorProcess(r.agg, run, dataDir);
      const lines = 200;
      try {
        collector.start();
        const id = await runContainer(
          [
            '--label',
            `swarmscope.test.run=${run}`,
            ...['max-size=1m', 'max-file=5', ...(compress ? ['compress=true'] : [])].flatMap((o) => ['--log-opt', o]),
          ],
          ['sh', '-c', `sleep 1; ${writer(lines, true)}`],
        );
        containers.push(id);
        await waitFor(
          async () =>
            (await scanAll(`${r.agg.indexPrefix}-logs-*`, { term: { 'container.id': id } }).catch(() => [])).length >=
              40 || undefined,
          { timeoutMs: 120_000, intervalMs: 250, what: '40 lines indexed before the kill' },
        );
        await collector.signal('SIGKILL');
        collector.start();
        const docs = await r.settledDocsOf(id, { drained: () => true, stillMs: 10_000 });
        const { out, bad } = analyse(docs, lines);
        const reported = /deleted before they could be read/.test(collector.stderr);
        t.log(JSON.stringify({ ...out, reported }));
        for (const b of bad) t.log(b);
        t.is(out.duplicated, 0, 'no line shipped twice');
        t.is(out.cut, 0, 'no line cut without its flag; every flagged document a part of its line');
        t.is(out.foreign, 0);
        if (out.missing > 0 || out.flaggedDocs > 0) t.true(reported, 'a loss or flag was reported');
        t.is(out.whole + out.flaggedLines + out.missing, lines);
      } finally {
        await collector.signal('SIGTERM');
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  );
