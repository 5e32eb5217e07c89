// The server as the image runs it: compiled to JavaScript by stack/compile.ts. The compiled tree runs
// with Node's type stripping turned off, so no module of it (nor the log pinning worker's) can be
// TypeScript: a compiled collector ships to a compiled aggregator and both pass the stack's checks.
import test from 'ava';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { compile } from '../../stack/compile.ts';
import { freePort } from '../helpers/aggregator-process.ts';
import { testEnv } from '../helpers/env.ts';
import { bounded, waitFor } from '../helpers/wait.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Inside the repository: the compiled modules find their packages in its node_modules.
const out = join(root, '.cache', `compiled-${randomBytes(4).toString('hex')}`);
const NODE_ARGS = ['--no-experimental-strip-types'];

test.before(async () => {
  await compile(out);
});
test.after.always(() => rm(out, { recursive: true, force: true }));

async function* jsFiles(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* jsFiles(path);
    else if (e.name.endsWith('.js') && !path.includes(join('ui', 'assets'))) yield path;
  }
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...NODE_ARGS, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function start(role: string, env: NodeJS.ProcessEnv): { proc: ChildProcess; err: () => string } {
  let err = '';
  const proc = spawn(process.execPath, [...NODE_ARGS, join(out, 'bin', 'swarmscope.js'), role], {
    env: { ...process.env, SWARMSCOPE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
  return { proc, err: () => err };
}

/** Killed outright (nothing of theirs is checked after the test), awaited for at most 10 s. */
async function kill(procs: ChildProcess[]): Promise<void> {
  const running = procs.filter((p) => p.exitCode === null && p.signalCode === null);
  const exited = running.map((p) => new Promise((r) => p.once('exit', r)));
  for (const p of running) p.kill('SIGKILL');
  await Promise.race([Promise.all(exited), sleep(10_000)]);
}

test('every compiled module imports JavaScript only, relative imports included', async (t) => {
  let n = 0;
  for await (const file of jsFiles(out)) {
    n++;
    const text = await readFile(file, 'utf8');
    t.notRegex(text, /(?:from\s*|import\s*\(\s*)["'][^"']+\.ts["']/, file);
  }
  t.true(n > 100, `${n} modules`);
});

test('the compiled server runs without type stripping: version, a collector shipping to an aggregator, both healthy', async (t) => {
  t.timeout(3 * 60_000);
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const v = await run([join(out, 'bin', 'swarmscope.js'), '--version']);
  t.is(v.stdout.trim(), version, v.stderr);

  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-compiled-'));
  const port = await freePort();
  const token = randomBytes(12).toString('hex');
  const aggEnv = { SWARMSCOPE_LISTEN: `127.0.0.1:${port}`, SWARMSCOPE_TOKEN: token, SWARMSCOPE_ES_URL: '' };
  const agg = start('aggregator', { ...aggEnv, SWARMSCOPE_DATA_DIR: join(dir, 'aggregator') });
  const colEnv = {
    DOCKER_HOST: testEnv.dockerHost,
    SWARMSCOPE_DOCKER_ROOT: testEnv.dockerRoot,
    SWARMSCOPE_AGGREGATOR_URL: `http://127.0.0.1:${port}`,
    SWARMSCOPE_TOKEN: token,
    SWARMSCOPE_DATA_DIR: join(dir, 'collector'),
    SWARMSCOPE_INTERVAL: '1s',
  };
  const col = start('collector', colEnv);
  t.teardown(async () => {
    await kill([col.proc, agg.proc]);
    await rm(dir, { recursive: true, force: true });
  });
  const alive = () => {
    if (agg.proc.exitCode !== null) throw new Error(`aggregator exited: ${agg.err()}`);
    if (col.proc.exitCode !== null) throw new Error(`collector exited: ${col.err()}`);
  };
  const healthcheck = join(out, 'bin', 'healthcheck.js');
  await waitFor(
    async () => {
      alive();
      const c = await run([healthcheck, 'collector'], colEnv);
      const a = await run([healthcheck, 'aggregator'], aggEnv);
      return c.code === 0 && a.code === 0;
    },
    { timeoutMs: 90_000, intervalMs: 500, what: 'both compiled health checks to pass' },
  );
  // Shipped: the aggregator (no Elasticsearch) holds the collector's batches in its journal.
  await waitFor(
    async () => {
      alive();
      return (await readdir(join(dir, 'aggregator', 'journal')).catch(() => [])).length > 0;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: "the collector's records in the aggregator's journal" },
  );
  // The UI's assets are found beside the compiled aggregator's modules.
  const res = await bounded(
    'GET /ui/assets/app.css',
    10_000,
    fetch(`http://127.0.0.1:${port}/ui/assets/app.css`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    }),
  );
  t.is(res.status, 200);
  t.is(await res.text(), await readFile(join(root, 'aggregator', 'ui', 'assets', 'app.css'), 'utf8'));
  // Still running a few rounds later (a worker that failed to load would have ended the collector).
  await sleep(3000);
  alive();
  t.is((await run([healthcheck, 'collector'], colEnv)).code, 0);
});
