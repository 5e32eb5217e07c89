// No secret in any log line, error body, record or /metrics: every credential of a running stack
// (ingest token, read token, basic-auth password, the Elasticsearch writer's password, one in the
// Elasticsearch URL, a wrong token a collector kept trying, a container's environment) is used
// for real, failure paths included, with every component logging at debug; then every log these
// processes wrote, every answer, /metrics, `swarmscope config`, the records in Elasticsearch and
// the test environment's own service logs are searched for each secret.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { toEventRecord } from '../../collector/sources/docker-events/event-record.ts';
import { INGEST_PATH, NDJSON } from '../../common/wire.ts';
import { freePort } from '../helpers/aggregator-process.ts';
import { deleteIndices, scanAll } from '../helpers/elasticsearch.ts';
import { removeContainers, runContainer } from '../helpers/docker.ts';
import { esWriterEnv, testEnv } from '../helpers/env.ts';
import { startLogged, waitHealthy, type LoggedProcess } from '../helpers/logged-process.ts';
import { waitFor } from '../helpers/wait.ts';
import { stateDir, systemDataDir } from '../env/paths.ts';

const secret = (what: string) => `${what}-${randomBytes(12).toString('hex')}`;

/** Log files of the test environment's services (Prometheus, Alertmanager, dockerd, Elasticsearch). */
async function environmentLogs(): Promise<string[]> {
  const files: string[] = [];
  for (const f of await readdir(stateDir).catch(() => [] as string[]))
    if (f.endsWith('.log')) files.push(join(stateDir, f));
  for (const d of await readdir(systemDataDir).catch(() => [] as string[])) {
    const logs = join(systemDataDir, d, 'logs');
    for (const f of await readdir(logs).catch(() => [] as string[])) if (f.endsWith('.log')) files.push(join(logs, f));
  }
  return files;
}

test('no secret appears in a log line, an error body, a record, /metrics or `swarmscope config`', async (t) => {
  t.timeout(4 * 60_000);
  const s = {
    token: secret('ingest-token'),
    readToken: secret('read-token'),
    readPassword: secret('read-password'),
    wrongToken: secret('wrong-token'),
    urlPassword: secret('url-password'),
    containerEnv: secret('container-env'),
    esPassword: testEnv.esPassword,
  };
  const run = randomBytes(4).toString('hex');
  const prefix = `swarmscope-t${run}`;
  const label = `swarmscope.test.run=${run}`;
  const processes: LoggedProcess[] = [];
  const containers: string[] = [];
  t.teardown(async () => {
    for (const p of processes) await p.stop();
    await removeContainers(containers);
    await deleteIndices(`${prefix}-*`);
  });
  const texts: Array<[string, string]> = [];

  // The aggregator, writing to Elasticsearch as the writer, /metrics behind both read credentials.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const aggEnv = {
    SWARMSCOPE_LISTEN: `127.0.0.1:${port}`,
    SWARMSCOPE_TOKEN: s.token,
    SWARMSCOPE_READ_TOKEN: s.readToken,
    SWARMSCOPE_READ_USERNAME: 'prometheus',
    SWARMSCOPE_READ_PASSWORD: s.readPassword,
    SWARMSCOPE_DATA_DIR: await mkdtemp(join(tmpdir(), 'swarmscope-nosecret-')),
    SWARMSCOPE_LOG_LEVEL: 'debug',
    ...esWriterEnv(prefix),
  };
  const agg = startLogged(['aggregator'], aggEnv);
  processes.push(agg);
  await waitHealthy(agg, url);

  // An aggregator whose Elasticsearch URL carries a (wrong) password: its failures get logged.
  const badPort = await freePort();
  const badUrl = `http://127.0.0.1:${badPort}`;
  const es = new URL(testEnv.esUrl);
  es.username = testEnv.esUsername;
  es.password = s.urlPassword;
  const badAgg = startLogged(['aggregator'], {
    SWARMSCOPE_LISTEN: `127.0.0.1:${badPort}`,
    SWARMSCOPE_TOKEN: s.token,
    SWARMSCOPE_ES_URL: es.toString(),
    SWARMSCOPE_ES_INDEX_PREFIX: prefix,
    SWARMSCOPE_ES_RETRY_BUDGET: '500ms',
    SWARMSCOPE_DATA_DIR: await mkdtemp(join(tmpdir(), 'swarmscope-nosecret-')),
    SWARMSCOPE_LOG_LEVEL: 'debug',
  });
  processes.push(badAgg);
  await waitHealthy(badAgg, badUrl);

  // A workload whose environment holds a secret, and collectors: one right, one with a wrong token.
  containers.push(
    await runContainer(
      ['--label', label, '-e', `API_KEY=${s.containerEnv}`],
      ['sh', '-c', 'while true; do echo working; sleep 0.2; done'],
    ),
  );
  const collectorEnv = (token: string, aggregator: string) => ({
    DOCKER_HOST: testEnv.dockerHost,
    SWARMSCOPE_DOCKER_ROOT: testEnv.dockerRoot,
    SWARMSCOPE_AGGREGATOR_URL: aggregator,
    SWARMSCOPE_TOKEN: token,
    SWARMSCOPE_DATA_DIR: '',
    SWARMSCOPE_INTERVAL: '1s',
    SWARMSCOPE_BATCH_MAX_AGE: '200ms',
    SWARMSCOPE_RETRY_MAX: '1s',
    SWARMSCOPE_LOGS_SELECTOR: label,
    SWARMSCOPE_LOG_LEVEL: 'debug',
  });
  for (const [token, target] of [
    [s.token, url],
    [s.wrongToken, url],
    [s.token, badUrl],
  ] as const) {
    const p = startLogged(['collector'], {
      ...collectorEnv(token, target),
      SWARMSCOPE_DATA_DIR: await mkdtemp(join(tmpdir(), 'swarmscope-nosecret-col-')),
    });
    processes.push(p);
  }

  // Wrong credentials everywhere, and the right ones: keep every answer.
  const ask = async (what: string, path: string, init: RequestInit, base = url) => {
    const res = await fetch(base + path, init);
    texts.push([`${what} (${res.status})`, (await res.text()) + JSON.stringify([...res.headers])]);
    return res.status;
  };
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  t.is(await ask('/metrics, no credentials', '/metrics', {}), 401);
  t.is(await ask('/metrics, wrong bearer', '/metrics', { headers: { authorization: `Bearer ${s.wrongToken}` } }), 401);
  t.is(await ask('/metrics, ingest token', '/metrics', { headers: { authorization: `Bearer ${s.token}` } }), 401);
  t.is(
    await ask('/metrics, wrong password', '/metrics', {
      headers: { authorization: basic('prometheus', s.wrongToken) },
    }),
    401,
  );
  const ingest = (token: string, body: string | Buffer, encoding?: string) => ({
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': NDJSON,
      ...(encoding ? { 'content-encoding': encoding } : {}),
    },
    body,
  });
  t.is(await ask('ingest, wrong token', INGEST_PATH, ingest(s.wrongToken, '{}')), 401);
  t.is(await ask('ingest, malformed', INGEST_PATH, ingest(s.token, `{"kind":"log","message":"${s.token}"}`)), 400);
  t.is(await ask('ingest, corrupt gzip', INGEST_PATH, ingest(s.token, Buffer.from('not gzip'), 'gzip')), 400);
  const good = gzipSync(
    JSON.stringify(
      toEventRecord({ id: '', hostname: 'nosecret' }, { Type: 'container', Action: 'start', timeNano: '1' }),
    ) + '\n',
  );
  t.is(
    await ask('ingest, Elasticsearch refusing the URL password', INGEST_PATH, ingest(s.token, good, 'gzip'), badUrl),
    503,
  );

  // Records of every kind reach Elasticsearch, logs from the workload included.
  await waitFor(
    async () => {
      const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${s.readToken}` } });
      const text = await res.text();
      return /swarmscope_ingest_records_total\{kind="log"\} [1-9]/.test(text) ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500, what: 'log records from the workload' },
  );
  await new Promise((r) => setTimeout(r, 3_000)); // a few retries of the wrong-token collector
  t.is(await ask('/metrics, read token', '/metrics', { headers: { authorization: `Bearer ${s.readToken}` } }), 200);
  t.is(
    await ask('/metrics, basic auth', '/metrics', { headers: { authorization: basic('prometheus', s.readPassword) } }),
    200,
  );

  // `swarmscope config` with every secret set.
  const entry = fileURLToPath(new URL('../../bin/swarmscope.ts', import.meta.url));
  const config = await new Promise<string>((resolve) =>
    execFile(
      process.execPath,
      [entry, 'config'],
      { env: { PATH: process.env.PATH ?? '', ...aggEnv, SWARMSCOPE_ES_URL: es.toString() } },
      (_e, out, err) => resolve(out + err),
    ),
  );
  texts.push(['swarmscope config', config]);
  t.regex(config, /<redacted>/);

  for (const p of processes) await p.stop();
  processes.forEach((p, i) => texts.push([`process ${i} log (${p.lines()} lines)`, p.output()]));
  const docs = await scanAll(`${prefix}-*`);
  t.true(docs.length > 0);
  texts.push([`${docs.length} records in Elasticsearch`, JSON.stringify(docs)]);
  for (const f of await environmentLogs()) {
    if ((await stat(f)).size < 64 * 1024 * 1024) texts.push([f, await readFile(f, 'utf8')]);
  }

  const found: string[] = [];
  for (const [where, text] of texts)
    for (const [name, value] of Object.entries(s)) if (text.includes(value)) found.push(`${name} in ${where}`);
  t.log(
    `searched ${texts.length} texts (${texts.reduce((a, [, x]) => a + x.length, 0)} characters) for ${Object.keys(s).length} secrets`,
  );
  t.deepEqual(found, []);
  // The failure paths did run: the wrong token and the refused Elasticsearch password were logged about.
  t.regex(processes.map((p) => p.output()).join('\n'), /refused the token/);
});
