// Access to the UI: every page and data endpoint the UI registers answers 401 without a session or
// bearer credential (and with a wrong one); the login form sets a cookie for the UI password or the
// ingest token; no method but GET reaches UI data or pages, and a refused write changes nothing.
import test from 'ava';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { loadAggregatorConfig } from '../../../aggregator/config.ts';
import { registerUi } from '../../../aggregator/routes/ui.ts';
import { JournalLogSearch } from '../../../aggregator/ui/log-search.ts';
import { UiData } from '../../../aggregator/ui/ui-data.ts';
import { ClusterState } from '../../../aggregator/sinks/prometheus/cluster-state.ts';
import { buildApp } from '../../../aggregator/app.ts';
import { createLogger } from '../../../common/logger.ts';

const TOKEN = 'ingest-token-0123456789';
const PASSWORD = 'read-only-viewer-pw';

async function uiApp(password: string | undefined = PASSWORD) {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-ui-'));
  const config = loadAggregatorConfig({
    SWARMSCOPE_TOKEN: TOKEN,
    SWARMSCOPE_DATA_DIR: dir,
    ...(password ? { SWARMSCOPE_UI_PASSWORD: password } : {}),
  });
  const app = Fastify();
  const routes: Array<{ method: string; url: string }> = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  const state = new ClusterState({ staleAfterMs: 60_000 });
  const ui = new UiData({
    config: config.ui,
    state,
    logs: new JournalLogSearch(join(dir, 'journal')),
    token: TOKEN,
    replica: 'test',
  });
  registerUi(app, { ui, credentials: [TOKEN, config.ui.password] });
  await app.ready();
  return { app, routes, ui };
}

/** A concrete URL for each registered route (parameters filled in). */
const concrete = (url: string) =>
  url.replace(':id', 'abc123def456').replace(':name', 'app.js').replace('*', 'api/cluster');

async function login(app: { inject: Awaited<ReturnType<typeof uiApp>>['app']['inject'] }, password: string) {
  return app.inject({
    method: 'POST',
    url: '/login',
    payload: new URLSearchParams({ password, next: '/visualizer' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

test('every UI page and data endpoint answers 401 without a credential, with a wrong cookie and with a wrong bearer', async (t) => {
  const { app, routes } = await uiApp();
  const guarded = routes.filter((r) => r.url !== '/login' && r.url !== '/logout');
  t.true(guarded.filter((r) => r.method === 'GET').length >= 14, 'pages, assets and data endpoints are all checked');
  for (const r of guarded) {
    const url = concrete(r.url);
    for (const headers of [{}, { cookie: 'swarmscope_ui=forged' }, { authorization: 'Bearer wrong' }]) {
      const res = await app.inject({ method: r.method as 'GET', url, headers });
      t.is(res.statusCode, 401, `${r.method} ${url} with ${JSON.stringify(headers)}`);
      t.false(res.body.includes('"nodes"'), 'no cluster data in a refusal');
    }
  }
  // A page's 401 carries the login form; a data endpoint's is JSON.
  t.regex((await app.inject({ url: '/visualizer' })).body, /<form method="post" action="\/login">/);
  t.is((await app.inject({ url: '/ui/api/cluster' })).json().error, 'unauthorized');
  await app.close();
});

test('the login form sets an HttpOnly SameSite cookie for the UI password or the token, and refuses anything else', async (t) => {
  const { app } = await uiApp();
  for (const bad of ['', 'admin', 'password', PASSWORD.slice(0, -1), `${TOKEN}x`]) {
    const res = await login(app, bad);
    t.is(res.statusCode, 401, `password ${JSON.stringify(bad)}`);
    t.is(res.headers['set-cookie'], undefined);
  }
  for (const good of [PASSWORD, TOKEN]) {
    const res = await login(app, good);
    t.is(res.statusCode, 303);
    t.is(res.headers.location, '/visualizer');
    const cookie = String(res.headers['set-cookie']);
    t.regex(cookie, /HttpOnly/);
    t.regex(cookie, /SameSite=Strict/);
    t.false(cookie.includes(good), 'the credential itself is not the cookie');
    const session = cookie.split(';')[0]!;
    t.is((await app.inject({ url: '/ui/api/cluster', headers: { cookie: session } })).statusCode, 200);
    t.is((await app.inject({ url: '/service/x', headers: { cookie: session } })).statusCode, 200);
  }
  // Bearer works for API clients and peer replicas.
  t.is((await app.inject({ url: '/ui/api/part', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200);
  // Never an open redirect.
  const off = await app.inject({
    method: 'POST',
    url: '/login',
    payload: new URLSearchParams({ password: PASSWORD, next: '//elsewhere.example/' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.is(off.headers.location, '/');
  await app.close();
});

test('without SWARMSCOPE_UI_PASSWORD only the token signs in: there is no default password', async (t) => {
  const { app } = await uiApp(undefined);
  for (const guess of ['', 'admin', 'swarmscope', 'changeme']) t.is((await login(app, guess)).statusCode, 401);
  t.is((await login(app, TOKEN)).statusCode, 303);
  await app.close();
});

test('no method but GET reaches UI data or pages: others answer 405 with a session and change nothing', async (t) => {
  const { app, routes, ui } = await uiApp();
  const session = String((await login(app, PASSWORD)).headers['set-cookie']).split(';')[0]!;
  const before = JSON.stringify((await ui.view()).services);
  const gets = routes.filter((r) => r.method === 'GET' && r.url !== '/login' && r.url !== '/logout');
  for (const r of gets) {
    const url = concrete(r.url);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const res = await app.inject({ method, url, headers: { cookie: session }, payload: { services: [] } });
      t.is(res.statusCode, 405, `${method} ${url}`);
    }
  }
  // Every route the UI registers is GET/HEAD, except /login's form post and the 405 answers.
  for (const r of routes.filter((x) => !['GET', 'HEAD'].includes(x.method)))
    t.true(
      r.url === '/login' || routes.some((g) => g.method === 'GET' && g.url === r.url) || r.url === '/ui/*',
      `${r.method} ${r.url}`,
    );
  t.is(JSON.stringify((await ui.view()).services), before);
  await app.close();
});

test('with read credentials configured the UI still signs in by its form, and the read token is a UI credential too', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-ui-'));
  const readToken = 'read-only-token-987654';
  const config = loadAggregatorConfig({
    SWARMSCOPE_TOKEN: TOKEN,
    SWARMSCOPE_READ_TOKEN: readToken,
    SWARMSCOPE_DATA_DIR: dir,
  });
  const { app } = await buildApp(config, createLogger({ name: 'test', level: 'silent' }));
  const page = await app.inject({ url: '/' });
  t.is(page.statusCode, 401);
  t.regex(page.body, /action="\/login"/, 'the login form, not the read-auth refusal');
  t.is((await app.inject({ url: '/metrics' })).statusCode, 401, '/metrics keeps its own read credentials');
  t.is(
    (await app.inject({ url: '/ui/api/cluster', headers: { authorization: `Bearer ${readToken}` } })).statusCode,
    200,
  );
  t.is((await login(app, readToken)).statusCode, 303);
  await app.close();
});
