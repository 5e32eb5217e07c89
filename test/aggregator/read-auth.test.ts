// Read credentials on /metrics and data routes (bearer or basic), open liveness routes, ingest on
// its own token; and refusals counted in a metric with at most one summary log line, never one each.
import test from 'ava';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildApp } from '../../aggregator/app.ts';
import { loadAggregatorConfig } from '../../aggregator/config.ts';
import { createLogger } from '../../common/logger.ts';
import { INGEST_PATH, NDJSON } from '../../common/wire.ts';

const TOKEN = 'ingest-token-read-auth-test-Kx71';
const READ_TOKEN = 'read-token-read-auth-test-Vb33';
const PASSWORD = 'read-password-read-auth-test-Pp90';

async function aggregator(env: Record<string, string>, lines: string[]) {
  const config = loadAggregatorConfig({
    SWARMSCOPE_TOKEN: TOKEN,
    SWARMSCOPE_DATA_DIR: await mkdtemp(join(tmpdir(), 'swarmscope-readauth-')),
    ...env,
  });
  return buildApp(
    config,
    createLogger({ name: 't', level: 'info', destination: { write: (l: string) => void lines.push(l) } }),
  );
}

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

test('/metrics needs the read bearer token or basic auth when configured; liveness and ingest do not', async (t) => {
  const lines: string[] = [];
  const { app } = await aggregator(
    { SWARMSCOPE_READ_TOKEN: READ_TOKEN, SWARMSCOPE_READ_USERNAME: 'prometheus', SWARMSCOPE_READ_PASSWORD: PASSWORD },
    lines,
  );
  t.teardown(() => app.close());
  const metrics = (authorization?: string) =>
    app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
  t.is((await metrics()).statusCode, 401);
  t.is((await metrics(`Bearer ${READ_TOKEN}x`)).statusCode, 401);
  t.is((await metrics(`Bearer ${TOKEN}`)).statusCode, 401, 'the ingest token does not read');
  t.is((await metrics(basic('prometheus', 'wrong'))).statusCode, 401);
  const refused = await metrics();
  t.is(refused.headers['www-authenticate'], 'Basic realm="swarmscope", charset="UTF-8"');
  t.false(refused.body.includes(READ_TOKEN) || refused.body.includes(PASSWORD));
  t.is((await metrics(`Bearer ${READ_TOKEN}`)).statusCode, 200);
  const ok = await metrics(basic('prometheus', PASSWORD));
  t.is(ok.statusCode, 200);
  t.false(ok.body.includes(READ_TOKEN) || ok.body.includes(PASSWORD) || ok.body.includes(TOKEN));
  t.is((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  t.is((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  // Ingest checks its own token: an empty batch is malformed (400), not unauthorised.
  const ingest = await app.inject({
    method: 'POST',
    url: INGEST_PATH,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': NDJSON },
    payload: '',
  });
  t.is(ingest.statusCode, 400);
  t.is((await app.inject({ method: 'GET', url: '/nothing-here' })).statusCode, 401, 'unknown paths reveal nothing');
});

test('without read credentials configured /metrics stays open', async (t) => {
  const { app } = await aggregator({}, []);
  t.teardown(() => app.close());
  t.is((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200);
});

test('300 refused requests are counted by route and status and summarised in one log line, not 300', async (t) => {
  const lines: string[] = [];
  const { app, registry } = await aggregator({}, lines);
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': NDJSON, 'content-encoding': 'gzip' };
  for (let i = 0; i < 100; i++) {
    await app.inject({ method: 'POST', url: INGEST_PATH, headers, payload: gzipSync('{"not":"a record"}\n') });
    await app.inject({ method: 'POST', url: INGEST_PATH, headers: { ...headers, authorization: 'Bearer nope' } });
    await app.inject({ method: 'POST', url: INGEST_PATH, headers, payload: Buffer.from('not gzip at all') });
  }
  const counted = await registry.getSingleMetric('swarmscope_aggregator_refused_requests_total')!.get();
  const by = Object.fromEntries(counted.values.map((v) => [`${v.labels.status} ${v.labels.route}`, v.value]));
  t.deepEqual(by, { [`400 ${INGEST_PATH}`]: 200, [`401 ${INGEST_PATH}`]: 100 });
  t.is(lines.length, 0, 'nothing logged while refusing');
  await app.close();
  t.is(lines.length, 1, lines.join(''));
  const summary = JSON.parse(lines[0]!);
  t.deepEqual(summary.refused, by);
  t.false(lines[0]!.includes(TOKEN));
});
