// Configuration that cannot be misread: unknown names refused with the nearest real one, durations
// and sizes only with their unit, one list of known names (the config readers themselves), and
// `swarmscope config` / `--version` from the real entry point.
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAggregatorConfig } from '../../aggregator/config.ts';
import { loadCollectorConfig } from '../../collector/config.ts';
import { isToolingName, parseBytes, parseDurationMs } from '../../common/env.ts';
import { SwarmscopeError } from '../../common/errors.ts';
import { settingNames } from '../../common/setting-names.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const entry = join(root, 'bin/swarmscope.ts');
const base = { SWARMSCOPE_TOKEN: 'config-test-token-Zq81' };

function problems(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof SwarmscopeError) return err.context.problems as string[];
    throw err;
  }
  return [];
}

test('a misspelt setting is an error naming the closest real one, on both sides', (t) => {
  const env = { ...base, SWARMSCOPE_ES_ULR: 'http://127.0.0.1:9200', SWARMSCOPE_INTERVALL: '5s' };
  for (const load of [() => loadAggregatorConfig(env), () => loadCollectorConfig(env)]) {
    const err = t.throws(load, { instanceOf: SwarmscopeError })!;
    t.regex(err.code, /_ERR_CONFIG$/);
    const list = (err as SwarmscopeError).context.problems as string[];
    t.true(list.some((p) => p.startsWith('SWARMSCOPE_ES_ULR ') && p.endsWith('did you mean SWARMSCOPE_ES_URL?')));
    t.true(list.some((p) => p.startsWith('SWARMSCOPE_INTERVALL ') && p.endsWith('did you mean SWARMSCOPE_INTERVAL?')));
  }
});

test("either side accepts the other side's settings and the tooling's names", (t) => {
  const env = {
    ...base,
    SWARMSCOPE_ES_URL: 'http://127.0.0.1:9200',
    SWARMSCOPE_INTERVAL: '5s',
    SWARMSCOPE_KEEP_ENV: '1',
    SWARMSCOPE_TEST_LOG_LEVEL: 'debug',
    SWARMSCOPE_WORKLOAD_IMAGE: 'x',
  };
  t.deepEqual(
    problems(() => loadAggregatorConfig(env)),
    [],
  );
  t.deepEqual(
    problems(() => loadCollectorConfig(env)),
    [],
  );
});

test('a unitless duration or size is an error that suggests the unit', (t) => {
  const list = problems(() =>
    loadCollectorConfig({ ...base, SWARMSCOPE_QUEUE_MAX_AGE: '3600', SWARMSCOPE_QUEUE_MAX_BYTES: '1048576' }),
  );
  t.true(list.some((p) => p.startsWith('SWARMSCOPE_QUEUE_MAX_AGE=3600') && p.includes('did you mean 3600s?')));
  t.true(list.some((p) => p.startsWith('SWARMSCOPE_QUEUE_MAX_BYTES=1048576') && p.includes('did you mean 1048576b?')));
  t.is(parseDurationMs('0'), 0);
  t.is(parseDurationMs('1.5s'), 1500);
  t.is(parseBytes('2MiB'), 2 * 1024 * 1024);
  t.throws(() => parseDurationMs('10'));
  t.throws(() => parseBytes('10'));
});

test('the known names are exactly what the config readers read, including conditional and _FILE ones', (t) => {
  const names = settingNames();
  for (const n of [
    'SWARMSCOPE_ES_URL',
    'SWARMSCOPE_ES_USERNAME',
    'SWARMSCOPE_ES_PASSWORD_FILE',
    'SWARMSCOPE_TOKEN_FILE',
  ])
    t.true(names.has(n), n);
  t.true(names.has('SWARMSCOPE_DOCKER_ROOT'));
});

/** Every SWARMSCOPE_* name quoted in product code or set in a stack file is a setting or a tooling name. */
test('every SWARMSCOPE_ name the product and the stack files use is a known setting', async (t) => {
  const names = settingNames();
  const unknown = new Set<string>();
  const files: string[] = [];
  for (const dir of ['aggregator', 'collector', 'common', 'bin', 'stack'])
    for (const f of await readdir(join(root, dir), { recursive: true }))
      if (/\.(ts|ya?ml)$/.test(f)) files.push(join(root, dir, f));
  for (const f of files) {
    // Quoted in code (a read), or a key in YAML (a setting given); comments may name plans.
    const pattern = f.endsWith('.ts')
      ? /['"`](SWARMSCOPE_[A-Z0-9_]*[A-Z0-9])\b/g
      : /^\s*-?\s*(SWARMSCOPE_[A-Z0-9_]*[A-Z0-9])[:=]/gm;
    for (const m of (await readFile(f, 'utf8')).matchAll(pattern)) {
      if (!names.has(m[1]!) && !isToolingName(m[1]!)) unknown.add(`${m[1]} (${f.slice(root.length)})`);
    }
  }
  t.deepEqual([...unknown], []);
});

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [entry, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('`swarmscope config` prints the effective settings with secrets redacted and exits 0', async (t) => {
  const r = await run(['config'], {
    ...base,
    SWARMSCOPE_ES_URL: 'http://127.0.0.1:9200',
    SWARMSCOPE_ES_USERNAME: 'writer',
    SWARMSCOPE_ES_PASSWORD: 'config-test-password-Hq02',
  });
  t.is(r.code, 0, r.stderr);
  const printed = JSON.parse(r.stdout);
  t.is(printed.aggregator.elasticsearch.password, '<redacted>');
  t.is(printed.collector.token, '<redacted>');
  t.is(printed.collector.intervalMs, 10_000);
  t.false(r.stdout.includes('config-test-password-Hq02'));
  t.false(r.stdout.includes(base.SWARMSCOPE_TOKEN));
});

test('`swarmscope config` lists every problem and exits 2; `--version` prints the version', async (t) => {
  const r = await run(['config', 'collector'], { ...base, SWARMSCOPE_INTERVAL: '3600', SWARMSCOPE_AGREGATOR_URL: 'x' });
  t.is(r.code, 2);
  t.regex(r.stderr, /SWARMSCOPE_INTERVAL=3600: .*did you mean 3600s\?/);
  t.regex(r.stderr, /SWARMSCOPE_AGREGATOR_URL is not a swarmscope setting; did you mean SWARMSCOPE_AGGREGATOR_URL\?/);
  const start = await run(['aggregator'], { ...base, SWARMSCOPE_ES_ULR: 'http://127.0.0.1:1' });
  t.is(start.code, 2, 'the aggregator refuses to start');
  t.regex(start.stderr, /AGG_ERR_CONFIG/);
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  t.is((await run(['--version'], {})).stdout.trim(), version);
});
