// The built-in web UI on the aggregator's own port: pages (/, /visualizer, /service/:id, /node/:id,
// /container/:id, /logs) all serve the one built app; its data under /ui/api/ is GET only; live
// updates are server-sent events. Everything but /login answers 401 without a session or bearer
// credential, and no method but GET (and HEAD) reaches UI data: others answer 405 and change nothing.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OWN_AUTH } from '../read-auth.ts';
import { UiAuth, clearedCookie, loginPage, refuse, safeNext, sessionCookie } from '../ui/auth.ts';
import { MAX_LIMIT, type LogQuery } from '../ui/log-search.ts';
import { parseFocus, queryParams, type UiData } from '../ui/ui-data.ts';
import { followPeerStream } from '../ui/peers.ts';
import type { ClusterView, LogLine } from '../ui/ui-api.ts';

export const PAGES = ['/', '/visualizer', '/service/:id', '/node/:id', '/container/:id', '/logs'];
export const ASSETS_DIR = join(import.meta.dirname, '..', 'ui', 'assets');
/** How often an open page is sent the cluster view when it changed (and a heartbeat otherwise). */
const LIVE_TICK_MS = 1_000;
/** New data reaches a page at once, but at most twice a second (a browser's script budget). */
const LIVE_MIN_GAP_MS = 500;
const HEARTBEAT_MS = 15_000;
/** Open live streams at once; past it a new one answers 429 (each costs a view per tick). */
const LIVE_STREAMS_MAX = 200;

type Asset = { type: string; body: Buffer; gzip: Buffer; br: Buffer; etag: string };

function loadAssets(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const [name, type] of [
    ['app.js', 'text/javascript; charset=utf-8'],
    ['app.css', 'text/css; charset=utf-8'],
  ] as const) {
    let body: Buffer;
    try {
      body = readFileSync(join(dir, name));
    } catch {
      continue; // not built: the page says so
    }
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
    out.set(name, { type, body, gzip: gzipSync(body, { level: 9 }), br: brotliCompressSync(body), etag });
  }
  return out;
}

function indexHtml(assets: Map<string, Asset>): string {
  const v = (n: string) => encodeURIComponent(assets.get(n)?.etag.slice(1, -1) ?? 'missing');
  const body = assets.has('app.js')
    ? `<div id="app"><p class="boot">Loading the cluster…</p></div><script type="module" src="/ui/assets/app.js?v=${v('app.js')}"></script>`
    : '<p>The UI assets are not built: run <code>npm run ui:build</code>.</p>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>swarmscope</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/ui/assets/app.css?v=${v('app.css')}"></head><body>${body}</body></html>`;
}

function queryOf(q: Record<string, string | undefined>): LogQuery | string {
  const limit = q.limit === undefined ? 200 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return `limit: 1 to ${MAX_LIMIT}`;
  if (q.stream && q.stream !== 'stdout' && q.stream !== 'stderr') return 'stream: stdout or stderr';
  const time = (s: string | undefined) => (s ? Date.parse(s) : undefined);
  const fromMs = time(q.from);
  const toMs = time(q.to);
  if (Number.isNaN(fromMs) || Number.isNaN(toMs)) return 'from/to: ISO 8601 times';
  const labels = (q.label ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv): [string, string] => {
      const eq = kv.indexOf('=');
      return eq === -1 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
    });
  return {
    limit,
    ...(q.q ? { text: q.q } : {}),
    ...(q.stream ? { stream: q.stream as 'stdout' | 'stderr' } : {}),
    ...(fromMs !== undefined ? { fromMs } : {}),
    ...(toMs !== undefined ? { toMs } : {}),
    ...(q.container ? { containerId: q.container } : {}),
    ...(q.service ? { service: q.service } : {}),
    ...(labels.length ? { labels } : {}),
  };
}

/**
 * A server-sent-events response on the raw socket; `send` returns false once the page has gone.
 * openStreams: this app's open streams, ended when it closes (shutdown never waits on an open page).
 */
function openStream(req: FastifyRequest, reply: FastifyReply, openStreams: Set<() => void>) {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let open = true;
  const closers: Array<() => void> = [];
  const close = () => {
    if (!open) return;
    open = false;
    openStreams.delete(close);
    for (const c of closers) c();
    res.end();
  };
  openStreams.add(close);
  req.raw.once('close', close);
  res.once('error', close);
  return {
    send(event: string, data: string): boolean {
      if (open) res.write(`event: ${event}\ndata: ${data}\n\n`);
      return open;
    },
    comment(text: string) {
      if (open) res.write(`: ${text}\n\n`);
    },
    onClose(fn: () => void) {
      closers.push(fn);
    },
    get open() {
      return open;
    },
  };
}

/** credentials: any of them signs in (the ingest token, the UI password, the read token). */
export function registerUi(app: FastifyInstance, deps: { ui: UiData; credentials: ReadonlyArray<string | undefined> }) {
  const { ui } = deps;
  const auth = new UiAuth(deps.credentials);
  const assets = loadAssets(ASSETS_DIR);
  const index = indexHtml(assets);
  let streams = 0;
  const openStreams = new Set<() => void>();

  app.addHook('preClose', async () => {
    for (const close of [...openStreams]) close();
  });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  const guard = (page: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    if (!auth.allowed(req)) return refuse(req, reply, page);
  };
  // The UI checks its own credentials (a browser cannot send the read token's header): OWN_AUTH.
  const page = { onRequest: guard(true), config: OWN_AUTH };
  const data = { onRequest: guard(false), config: OWN_AUTH };

  app.get('/login', { config: OWN_AUTH }, async (req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(loginPage(safeNext((req.query as { next?: string }).next))),
  );
  // The one non-GET of the UI: it reads nothing and changes nothing but the caller's own cookie.
  app.post('/login', { config: OWN_AUTH }, async (req, reply) => {
    const form = (req.body ?? {}) as { password?: string; next?: string };
    const next = safeNext(form.next);
    const session = typeof form.password === 'string' ? auth.login(form.password) : undefined;
    if (!session) {
      // A wrong password costs the guesser a moment (no lockout: that would let anyone lock users out).
      await new Promise((r) => setTimeout(r, 300));
      return reply.code(401).type('text/html; charset=utf-8').send(loginPage(next, 'Wrong password or token.'));
    }
    return reply
      .code(303)
      .header('set-cookie', sessionCookie(session, req.protocol === 'https'))
      .redirect(next, 303);
  });
  app.get('/logout', { config: OWN_AUTH }, async (_req, reply) =>
    reply.header('set-cookie', clearedCookie()).redirect('/login', 303),
  );

  for (const path of PAGES)
    app.get(path, page, async (_req, reply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(index),
    );

  app.get('/ui/assets/:name', page, async (req, reply) => {
    const a = assets.get((req.params as { name: string }).name);
    if (!a) return reply.code(404).send({ error: 'not_found' });
    void reply.type(a.type).header('etag', a.etag).header('cache-control', 'private, max-age=31536000, immutable');
    void reply.header('vary', 'accept-encoding');
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
    const accept = String(req.headers['accept-encoding'] ?? '');
    if (/\bbr\b/.test(accept)) return reply.header('content-encoding', 'br').send(a.br);
    if (/\bgzip\b/.test(accept)) return reply.header('content-encoding', 'gzip').send(a.gzip);
    return reply.send(a.body);
  });

  app.get('/ui/api/cluster', data, async () => ui.view());
  app.get('/ui/api/part', data, async () => ui.part());
  app.get('/ui/api/part/history', data, async (req, reply) => {
    const focus = parseFocus((req.query as { focus?: string }).focus);
    if (!focus)
      return reply.code(400).send({ error: 'bad_request', reason: 'focus=container:<id>|node:<id>|service:<id>' });
    return ui.localHistory(focus);
  });
  app.get('/ui/api/history', data, async (req, reply) => {
    const focus = parseFocus((req.query as { focus?: string }).focus);
    if (!focus)
      return reply.code(400).send({ error: 'bad_request', reason: 'focus=container:<id>|node:<id>|service:<id>' });
    return (await ui.historyFor(focus)) ?? null;
  });
  app.get('/ui/api/part/logs', data, async (req, reply) => {
    const q = queryOf(req.query as Record<string, string>);
    if (typeof q === 'string') return reply.code(400).send({ error: 'bad_request', reason: q });
    return ui.logs.search(q);
  });
  app.get('/ui/api/logs', data, async (req, reply) => {
    const q = queryOf(req.query as Record<string, string>);
    if (typeof q === 'string') return reply.code(400).send({ error: 'bad_request', reason: q });
    return ui.searchLogs(q);
  });

  // Live cluster view (and the focused entity's history) whenever it changes.
  app.get('/ui/api/live', data, async (req, reply) => {
    if (streams >= LIVE_STREAMS_MAX) return reply.code(429).header('retry-after', '5').send({ error: 'overloaded' });
    const query = req.query as { focus?: string; need?: string };
    const focus = parseFocus(query.focus);
    // A page asks only for the parts it draws: the cluster page needs no per-container list.
    const need = new Set((query.need ?? 'tasks,containers,events').split(','));
    const slim = (v: ClusterView): Partial<ClusterView> => ({
      ...v,
      ...(need.has('tasks') ? {} : { tasks: [] }),
      ...(need.has('containers') ? {} : { containers: [] }),
      ...(need.has('events') ? {} : { events: [] }),
    });
    const s = openStream(req, reply, openStreams);
    streams++;
    s.onClose(() => streams--);
    let lastView = '';
    let lastHistory = '';
    let lastSentMs = 0;
    let quietSinceMs = Date.now();
    let busy = false;
    let pending: NodeJS.Timeout | undefined;
    const tick = async () => {
      pending = undefined;
      if (busy || !s.open) return;
      busy = true;
      try {
        const view = JSON.stringify(slim(await ui.view()));
        if (view !== lastView) {
          lastView = view;
          lastSentMs = Date.now();
          quietSinceMs = lastSentMs;
          s.send('view', view);
        } else if (Date.now() - quietSinceMs >= HEARTBEAT_MS) {
          s.comment('still here');
          quietSinceMs = Date.now();
        }
        if (focus) {
          const h = JSON.stringify((await ui.historyFor(focus)) ?? null);
          if (h !== lastHistory) {
            lastHistory = h;
            s.send('history', h);
          }
        }
      } catch (err) {
        req.log.warn({ err: (err as Error).message }, 'UI live view failed');
      } finally {
        busy = false;
      }
    };
    // New data is pushed as it arrives, at most once per LIVE_MIN_GAP_MS; the tick covers peers and freshness.
    const soon = () => {
      if (!pending) pending = setTimeout(() => void tick(), Math.max(0, lastSentMs + LIVE_MIN_GAP_MS - Date.now()));
    };
    const off = ui.onChange(soon);
    const timer = setInterval(soon, LIVE_TICK_MS);
    s.onClose(() => {
      off();
      clearInterval(timer);
      clearTimeout(pending);
    });
    s.send('hello', JSON.stringify({ replica: ui.replica, tickMs: LIVE_TICK_MS }));
    void tick();
  });

  // Live log tail of a container or a service: each line as any replica accepts it (this one's
  // ingest, and every peer's part/tail stream) from the first moment, and the last lines from the
  // log store whenever its search answers. The page orders lines by time and ids dedupe them, so
  // a slow store search never holds live lines back.
  const tail = (part: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const q = queryOf(req.query as Record<string, string>);
    if (typeof q === 'string') return reply.code(400).send({ error: 'bad_request', reason: q });
    if (!q.containerId && !q.service)
      return reply.code(400).send({ error: 'bad_request', reason: 'container=<id> or service=<name>' });
    const seen = new Set<string>();
    const sub = ui.tail.subscribe({ ...q, limit: MAX_LIMIT }, () => flush());
    if (!sub) return reply.code(429).header('retry-after', '5').send({ error: 'overloaded' });
    const s = openStream(req, reply, openStreams);
    s.onClose(() => ui.tail.unsubscribe(sub));
    const sendLines = (lines: LogLine[]) => {
      const fresh = lines.filter((l) => !seen.has(l.id));
      for (const l of fresh) seen.add(l.id);
      if (seen.size > 20_000) seen.clear(); // duplicates only matter around the hand-over from history
      if (fresh.length) s.send('lines', JSON.stringify(fresh));
    };
    const flush = () => {
      const lines = sub.pending.splice(0);
      if (sub.skipped) {
        s.send('skipped', String(sub.skipped));
        sub.skipped = 0;
      }
      sendLines(lines);
    };
    const heartbeat = setInterval(() => s.comment('still here'), HEARTBEAT_MS);
    s.onClose(() => clearInterval(heartbeat));
    flush();
    if (part) return;
    const stop = new AbortController();
    s.onClose(() => stop.abort());
    const qs = new URLSearchParams(queryParams({ ...q, limit: MAX_LIMIT })).toString();
    for (const peer of ui.peers.urls())
      void followPeerStream(
        `${peer}/ui/api/part/tail?${qs}`,
        ui.peers.token,
        (event, body) => {
          if (event === 'lines') sendLines(JSON.parse(body) as LogLine[]);
        },
        stop.signal,
      );
    try {
      const recent = await ui.searchLogs({ ...q, limit: q.limit });
      s.send('backend', JSON.stringify({ backend: recent.backend, partial: recent.partial }));
      sendLines(recent.lines);
    } catch (err) {
      s.send('problem', JSON.stringify({ error: `recent lines unavailable: ${(err as Error).message}` }));
    }
  };
  app.get('/ui/api/tail', data, tail(false));
  app.get('/ui/api/part/tail', data, tail(true));

  // No method but GET reaches UI data or pages: anything else answers 405 (401 first without a session).
  for (const url of ['/ui/*', ...PAGES])
    app.route({
      method: ['POST', 'PUT', 'PATCH', 'DELETE'],
      url,
      onRequest: guard(false),
      config: OWN_AUTH,
      handler: async (_req, reply) =>
        reply.code(405).header('allow', 'GET, HEAD').send({ error: 'method_not_allowed' }),
    });
}
