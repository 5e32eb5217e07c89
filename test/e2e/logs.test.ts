// Container logs end to end: real containers write lines the test controls; the collector reads
// them from json-file (or the API for other drivers) and the documents in Elasticsearch are
// compared with what was written, exactly, by a full scan.
import test from 'ava';
import { createHash } from 'node:crypto';
import { docker, removeContainers, runContainer } from '../helpers/docker.ts';
import { testEnv } from '../helpers/env.ts';
import { scanAll } from '../helpers/elasticsearch.ts';
import { waitFor } from '../helpers/wait.ts';
import { assertOnceOrReported, byOffset, lossesOf, startLogRun, type LogRun } from './logs-helpers.ts';

let r: LogRun;
const containers: string[] = [];

test.before(async () => {
  r = await startLogRun();
});

test.after.always(async () => {
  await removeContainers(containers);
  await r?.close();
});

async function run(args: string[], script: string): Promise<string> {
  const id = await runContainer([...r.label, ...args], ['sh', '-c', script]);
  containers.push(id);
  return id;
}

/** The digits of 1, 2, 3, … concatenated, cut to n bytes (what `seq | tr -d '\n' | head -c n` prints). */
function digits(n: number): string {
  let s = '';
  for (let i = 1; s.length < n; i++) s += i;
  return s.slice(0, n);
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

test('100,000 numbered lines on stdout and stderr arrive exactly once each, on the right stream, in order per stream', async (t) => {
  const id = await run(
    [],
    `awk 'BEGIN{for(i=1;i<=100000;i++){ if(i%3==0) print "err " i > "/dev/stderr"; else print "out " i }}'`,
  );
  const docs = byOffset(await r.logsOf(id, 100_000));
  t.is(docs.length, 100_000);
  const seen = new Set<number>();
  const last = { stdout: 0, stderr: 0 };
  let wrongStream = 0;
  let outOfOrder = 0;
  for (const d of docs) {
    const [tag, num] = d.message.split(' ');
    const n = Number(num);
    seen.add(n);
    if ((tag === 'err') !== (d.stream === 'stderr') || (n % 3 === 0) !== (tag === 'err')) wrongStream++;
    const s = d.stream as 'stdout' | 'stderr';
    if (n <= last[s]) outOfOrder++;
    last[s] = n;
  }
  t.is(seen.size, 100_000);
  t.is(wrongStream, 0);
  t.is(outOfOrder, 0);
});

test('lines of 16383, 16384 and 16385 bytes, 40 KiB and 1 MiB arrive as one message each, byte-identical', async (t) => {
  const sizes = [16_383, 16_384, 16_385, 40 * 1024, 1024 * 1024];
  const script = sizes.map((n) => `seq 1 300000 | tr -d '\\n' | head -c ${n}; echo`).join('; ');
  const id = await run([], script);
  const docs = byOffset(await r.logsOf(id, sizes.length));
  t.is(docs.length, sizes.length);
  t.deepEqual(
    docs.map((d) => Buffer.byteLength(d.message)),
    sizes,
  );
  t.deepEqual(
    docs.map((d) => sha(d.message)),
    sizes.map((n) => sha(digits(n))),
  );
  t.true(docs.every((d) => d.swarmscope.log.truncated === undefined));
});

test('unicode, empty lines, ANSI escapes and invalid UTF-8 are stored faithfully (invalid bytes as U+FFFD, as the engine writes them)', async (t) => {
  const id = await run(
    [],
    `printf 'h\\303\\251llo \\344\\270\\226\\347\\225\\214 \\360\\237\\216\\211\\n'; echo; printf '\\033[31mred\\033[0m\\n'; printf '\\377\\376abc\\n'; printf 'tab\\there\\r\\n'; printf 'end'`,
  );
  const docs = byOffset(await r.logsOf(id, 6));
  t.deepEqual(
    docs.map((d) => d.message),
    ['héllo 世界 🎉', '', '\u001b[31mred\u001b[0m', '\ufffd\ufffdabc', 'tab\there\r', 'end'],
  );
});

test('a docker run --rm container that writes 1,000 lines and exits at once has all 1,000 indexed', async (t) => {
  const name = `ss-rm-${r.run}`;
  await docker([
    'run',
    '--rm',
    '--name',
    name,
    '--network',
    'none',
    '--label',
    'swarmscope.test=1',
    ...r.label,
    testEnv.workloadImage,
    'sh',
    '-c',
    'seq 1 1000',
  ]);
  const id = await docker(['ps', '-a', '-q', '--no-trunc', '--filter', `name=${name}`]);
  t.is(id, '', 'the container is gone');
  const docs = await waitForName(name, 1000);
  t.deepEqual(
    docs.map((d) => Number(d.message)).sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i + 1),
  );
});

async function waitForName(name: string, count: number) {
  let have = 0;
  return waitFor(
    async () => {
      const hits = await scanAll<{ message: string }>(`${r.agg.indexPrefix}-logs-*`, {
        term: { 'container.name': name },
      });
      have = hits.length;
      return hits.length >= count ? hits.map((h) => h._source) : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1000, what: `${count} documents of ${name}` },
  ).catch((err: Error) => {
    throw new Error(`${err.message} (${have} there)\ncollector log:\n${r.explain()}`);
  });
}

test('rotation at max-size=1m, max-file=3 while 50,000 lines are written as fast as possible loses none and repeats none', async (t) => {
  const id = await run(
    ['--log-opt', 'max-size=1m', '--log-opt', 'max-file=3'],
    `seq 1 50000 | awk '{print "rotating line " $1 " padding-padding-padding-padding"}'`,
  );
  const docs = (await r.logsOf(id, 50_000)).map((h) => h._source);
  t.is(docs.length, 50_000);
  t.is(new Set(docs.map((d) => Number(d.message.split(' ')[2]))).size, 50_000);
});

// This writer fills 12 generations of 200 KB in ~140 ms, so a gzip generation lives ~50 ms before
// the engine deletes it: when the pinning thread does not get the CPU in that window, a whole
// generation (1,726 lines) is gone before any thread could open it. That loss must be reported.
// Serial (ava runs these before the others): the loss counters are the collector's, not per container.
test.serial(
  'compressed rotations (compress=true) flat out: each line once, a line missing only where a loss was reported',
  async (t) => {
    const before = lossesOf(r);
    const id = await run(
      ['--log-opt', 'max-size=200k', '--log-opt', 'max-file=5', '--log-opt', 'compress=true'],
      `seq 1 20000 | awk '{print "gz line " $1 " padding-padding-padding-padding"}'`,
    );
    await assertOnceOrReported(t, r, id, 20_000, before);
  },
);

test('compressed rotations (compress=true) of a paced writer lose none and repeat none', async (t) => {
  // 1,000 lines (~100 KB of json-file) every 0.3 s through 200 KB generations, 5 kept: each gzip
  // generation lives a second or more, within the pinning thread's reach on a busy machine.
  const id = await run(
    ['--log-opt', 'max-size=200k', '--log-opt', 'max-file=5', '--log-opt', 'compress=true'],
    `for c in $(seq 0 19); do seq $((c*1000+1)) $((c*1000+1000)) | awk '{print "gz line " $1 " padding-padding-padding-padding"}'; sleep 0.3; done`,
  );
  const docs = (await r.logsOf(id, 20_000)).map((h) => h._source);
  t.is(docs.length, 20_000);
  t.is(new Set(docs.map((d) => Number(d.message.split(' ')[2]))).size, 20_000);
});

test('a container on the local log driver has its lines indexed through the Engine API', async (t) => {
  const id = await run(['--log-driver', 'local'], `seq 1 500; printf 'no newline at exit'`);
  const docs = (await r.logsOf(id, 501)).map((h) => h._source);
  t.is(docs.length, 501);
  const nums = docs
    .map((d) => d.message)
    .filter((m) => /^\d+$/.test(m))
    .map(Number);
  t.is(new Set(nums).size, 500);
  t.true(docs.some((d) => d.message === 'no newline at exit'));
});

test("on the local log driver, a character the engine's 16 KiB split cuts in two arrives intact in one message", async (t) => {
  // 16,383 ASCII bytes, then a 2-byte character: the engine's 16,384-byte piece ends inside it.
  const id = await run(['--log-driver', 'local'], `head -c 16383 /dev/zero | tr '\\0' a; printf '\\303\\251 end\\n'`);
  const docs = (await r.logsOf(id, 1)).map((h) => h._source);
  t.is(docs.length, 1);
  t.is(docs[0]!.message, `${'a'.repeat(16_383)}é end`);
});

test('a stack trace is merged into one document by the multiline label, and JSON lines are decoded by label', async (t) => {
  const id = await run(
    ['--label', 'swarmscope.multiline.pattern=^\\S', '--label', 'swarmscope.json=true'],
    `printf 'Exception: boom\\n  at a()\\n  at b()\\n{"level":"info","n":1}\\n'`,
  );
  const docs = byOffset(await r.logsOf(id, 2));
  t.is(docs.length, 2);
  t.is(docs[0]!.message, 'Exception: boom\n  at a()\n  at b()');
  t.is(docs[0]!.swarmscope.log.multiline?.lines, 3);
  t.deepEqual(docs[1]!.json, { level: 'info', n: 1 });
});
