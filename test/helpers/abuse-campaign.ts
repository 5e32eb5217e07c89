// A hostile-input campaign against a real aggregator process: requests of every bad kind (random
// bytes, truncated and corrupt gzip and zstd, gzip and zstd bombs, a 100 MiB line, deep nesting, huge numbers,
// invalid UTF-8, wrong and missing content types and encodings, wrong tokens, slow-loris headers
// and bodies, idle connections) while good clients keep shipping valid batches. Counts every
// answer by kind, the aggregator's RSS and log lines, and the good clients' ack latency before
// and during. Shared by bench/abuse.ts (≥ 100,000 requests) and test/fault/abuse.test.ts.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { constants, gunzipSync, gzipSync, zstdCompressSync } from 'node:zlib';
import { parse } from 'yaml';
import { Agent, request } from 'undici';
import { INGEST_PATH, NDJSON } from '../../common/wire.ts';
import { goodBatch, startGoodClients } from './good-clients.ts';
import { freePort, procRssBytes } from './aggregator-process.ts';
import { percentile } from './loadgen.ts';
import { startLogged, waitHealthy } from './logged-process.ts';

export type CampaignOptions = {
  /** Bad HTTP requests in all (slow-loris and idle connections come on top). */
  requests: number;
  /** Bad requests per second (paced, so the good clients' share of the CPU is comparable). */
  rate: number;
  concurrency: number;
  goodClients: number;
  baselineMs: number;
  slowLoris: number;
  idleConnections: number;
  /** 100 MiB single-line bodies (each is 100 MiB on the wire). */
  hugeLines: number;
  /** How long after the bad requests the held connections may take to be closed (default 30 s). */
  heldWaitMs?: number;
  /** Only the kinds whose name contains this (for finding what a figure comes from). */
  only?: string;
  /** Aggregator settings on top of the campaign's own (defaults otherwise). */
  env?: Record<string, string>;
  log?: (line: string) => void;
};

export type KindResult = {
  kind: string;
  expected: string;
  answers: Record<string, number>;
  wrong: number;
  noReason: number;
};

export type CampaignResult = {
  kinds: KindResult[];
  sent: number;
  crashed: boolean;
  exitCode: number | null;
  peakRssBytes: number;
  baselineRssBytes: number;
  logLines: number;
  logText: string;
  goodAcked: number;
  goodRecords: number;
  goodFailed: number;
  /** Answers 429/503 to good batches, each sent again after Retry-After. */
  goodBusy: number;
  acceptedRecords: number;
  p99BeforeMs: number;
  p99DuringMs: number;
  p50BeforeMs: number;
  p50DuringMs: number;
  /** Connections held open by the campaign, by kind: how many the aggregator closed, and how fast. */
  held: { name: string; opened: number; closedByServer: number; maxSecondsToClose: number }[];
  /** The aggregator's own count of the connections it closed, by reason (its metric). */
  closedByReason: Record<string, number>;
  durationMs: number;
  readToken: string;
  token: string;
};

type Payload = { method: 'POST' | 'GET'; path: string; headers: Record<string, string>; body?: Buffer };
type Kind = { name: string; expected: number[]; weight: number; make: () => Payload; authenticated?: boolean };

const MiB = 1024 * 1024;

type Bombs = { gzip: Buffer; zstd: Buffer };

function kinds(token: string, bombs: Bombs, goodSample: Buffer): Kind[] {
  const ingest = (headers: Record<string, string>, body?: Buffer): Payload => ({
    method: 'POST',
    path: INGEST_PATH,
    headers,
    ...(body ? { body } : {}),
  });
  const auth = { authorization: `Bearer ${token}` };
  const ndjsonGzip = { ...auth, 'content-type': NDJSON, 'content-encoding': 'gzip' };
  const ndjsonZstd = { ...auth, 'content-type': NDJSON, 'content-encoding': 'zstd' };
  const ndjson = { ...auth, 'content-type': NDJSON };
  const plain = gunzipOnce(goodSample);
  const zstdSample = zstdCompressSync(plain);
  // A frame that asks the decoder for a 16 MiB window (the aggregator decodes up to 8 MiB): a good
  // batch and 9 MiB of blank lines (skipped), so it would be taken were its window allowed.
  const wideWindow = zstdCompressSync(Buffer.concat([Buffer.from(plain), Buffer.alloc(9 * MiB, '\n')]), {
    params: { [constants.ZSTD_c_windowLog]: 24, [constants.ZSTD_c_contentSizeFlag]: 0 },
  });
  const list: Kind[] = [
    {
      name: 'random bytes as gzip',
      expected: [400],
      weight: 10,
      make: () => ingest(ndjsonGzip, randomBytes((1 + Math.random() * 4000) | 0)),
    },
    {
      name: 'random bytes as NDJSON',
      expected: [400],
      weight: 10,
      make: () => ingest(ndjson, randomBytes((1 + Math.random() * 4000) | 0)),
    },
    {
      name: 'truncated gzip',
      expected: [400],
      weight: 8,
      make: () => ingest(ndjsonGzip, goodSample.subarray(0, 10 + ((Math.random() * (goodSample.length - 20)) | 0))),
    },
    {
      name: 'corrupt gzip',
      expected: [400],
      weight: 8,
      make: () => {
        const b = Buffer.from(goodSample);
        const at = 10 + ((Math.random() * (b.length - 20)) | 0);
        b[at] = b[at]! ^ 0xff;
        return ingest(ndjsonGzip, b);
      },
    },
    {
      name: 'gzip bomb (1 GiB inflated)',
      expected: [413, 429],
      weight: 0.3,
      make: () => ingest(ndjsonGzip, bombs.gzip),
    },
    {
      name: 'random bytes as zstd',
      expected: [400],
      weight: 4,
      make: () => ingest(ndjsonZstd, randomBytes((1 + Math.random() * 4000) | 0)),
    },
    {
      name: 'truncated zstd',
      expected: [400],
      weight: 4,
      make: () => ingest(ndjsonZstd, zstdSample.subarray(0, 10 + ((Math.random() * (zstdSample.length - 20)) | 0))),
    },
    {
      name: 'zstd frame asking a 16 MiB window',
      expected: [400],
      weight: 1,
      make: () => ingest(ndjsonZstd, wideWindow),
    },
    {
      name: 'zstd bomb (1 GiB decoded)',
      expected: [413, 429],
      weight: 0.3,
      make: () => ingest(ndjsonZstd, bombs.zstd),
    },
    {
      name: 'deeply nested JSON (100k)',
      expected: [400],
      weight: 2,
      make: () => ingest(ndjson, Buffer.from('['.repeat(100_000) + ']'.repeat(100_000) + '\n')),
    },
    {
      name: 'deeply nested record (100k)',
      expected: [400],
      weight: 2,
      make: () =>
        ingest(
          ndjson,
          Buffer.from('{"kind":"event","actor":' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_001) + '\n'),
        ),
    },
    {
      name: 'huge numbers',
      expected: [400],
      weight: 6,
      make: () =>
        ingest(
          ndjson,
          Buffer.from(
            plain
              .replace(/"exitCode":\d+|"time":"[^"]*"/, '"exitCode":1e400')
              .replace(/^\{/, `{"n":${'9'.repeat(100_000)},`),
          ),
        ),
    },
    {
      name: 'invalid UTF-8',
      expected: [400],
      weight: 6,
      make: () => {
        const b = Buffer.from(plain.replace('good-', 'bad-\u0001'));
        b[b.indexOf(1)] = 0xff;
        return ingest(ndjson, b);
      },
    },
    {
      name: 'wrong content type',
      expected: [400, 415],
      weight: 6,
      make: () => ingest({ ...auth, 'content-type': 'text/plain' }, Buffer.from(plain)),
    },
    {
      name: 'missing content type',
      expected: [400, 415],
      weight: 6,
      make: () => ingest({ ...auth }, Buffer.from(plain)),
    },
    {
      name: 'wrong content encoding',
      expected: [415],
      weight: 6,
      make: () => ingest({ ...ndjson, 'content-encoding': 'br' }, goodSample),
    },
    { name: 'gzip body without its encoding', expected: [400], weight: 6, make: () => ingest(ndjson, goodSample) },
    {
      name: 'gzip encoding on a plain body',
      expected: [400],
      weight: 6,
      make: () => ingest(ndjsonGzip, Buffer.from(plain)),
    },
    {
      name: 'wrong ingest token',
      expected: [401],
      weight: 30,
      make: () => ingest({ ...ndjsonGzip, authorization: `Bearer ${randomBytes(12).toString('hex')}` }, goodSample),
    },
    {
      name: 'missing ingest token',
      expected: [401],
      weight: 10,
      make: () => ingest({ 'content-type': NDJSON, 'content-encoding': 'gzip' }, goodSample),
    },
    {
      name: 'wrong read token on /metrics',
      expected: [401],
      weight: 10,
      make: () => ({
        method: 'GET',
        path: '/metrics',
        headers: { authorization: `Bearer ${randomBytes(12).toString('hex')}` },
      }),
    },
  ];
  for (const k of list) k.authenticated = !/token/.test(k.name);
  return list;
}

/** The first record line of a gzip batch, as plain text. */
function gunzipOnce(b: Buffer): string {
  return gunzipSync(b).toString('utf8').split('\n')[0]! + '\n';
}

/**
 * A POST of `body` over a plain socket, as a careful client sends one too large: the headers, then
 * a second's wait for an answer from them alone (the aggregator answers 413 from the Content-Length
 * and closes), then the body 1 MiB at a time, stopping at the first byte of an answer. Writing into
 * a connection the server closed fails at once (EPIPE) and Node then drops the answer already
 * received: 2 of 8 lines got no answer when the body went straight after the headers.
 */
function rawPost(port: number, token: string, body: Buffer): Promise<{ status: string; reason: boolean }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let answer = '';
    s.on('data', (d) => (answer += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => {
      const m = /^HTTP\/1\.1 (\d+)/.exec(answer);
      resolve({ status: m ? m[1]! : 'no answer', reason: /"(reason|message)"/.test(answer) });
    });
    // Bounded: an aggregator that neither reads nor answers for a minute gets "no answer".
    s.setTimeout(60_000, () => s.destroy());
    s.write(
      `POST ${INGEST_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${NDJSON}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    let sent = 0;
    const start = () => {
      s.off('data', start);
      clearTimeout(wait);
      pump();
    };
    const wait = setTimeout(start, 1000);
    s.once('data', start);
    const pump = () => {
      while (sent < body.length && answer === '' && !s.destroyed) {
        const chunk = body.subarray(sent, sent + MiB);
        sent += chunk.length;
        if (!s.write(chunk)) return void s.once('drain', pump);
      }
      if (sent >= body.length && !s.destroyed) s.end();
    };
  });
}

/**
 * How the stack runs the aggregator (stack/swarmscope.yml): its Node flags, which the campaign's
 * aggregator gets too, and its memory limit (Docker's M is MiB).
 */
export function stackAggregator(): { nodeOptions: string; memoryLimitBytes: number } {
  type Service = { environment?: Record<string, string>; deploy?: { resources?: { limits?: { memory?: string } } } };
  const stack = parse(readFileSync(new URL('../../stack/swarmscope.yml', import.meta.url), 'utf8')) as {
    services: Record<string, Service>;
  };
  const agg = stack.services.aggregator!;
  const m = /^(\d+)([MG])$/.exec(agg.deploy?.resources?.limits?.memory ?? '');
  if (!m) throw new Error('stack/swarmscope.yml: the aggregator has no memory limit in M or G');
  return {
    nodeOptions: agg.environment?.NODE_OPTIONS ?? '',
    memoryLimitBytes: Number(m[1]) * (m[2] === 'G' ? 1024 : 1) * MiB,
  };
}

/** The aggregator under test as its own process: journal sink, its whole log kept. */
async function startAggregator(env: Record<string, string>) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = startLogged(['aggregator'], { SWARMSCOPE_LISTEN: `127.0.0.1:${port}`, ...env }, 200_000);
  await waitHealthy(p, url);
  return { child: p.child, url, out: p };
}

type HeldKind = {
  name: string;
  /** The answer a slow-loris client must get before the aggregator closes it (idle ones get none). */
  expected?: number[];
  authenticated?: boolean;
  opened: number;
  closedByServer: number;
  maxSecondsToClose: number;
  answers: Record<string, number>;
};

/**
 * Connections a client holds open to tie the aggregator up: slow-loris headers (a header line a
 * second), bodies dribbled a byte a second behind a wrong token and behind the ingest token (those
 * take in-flight slots: at most 4), and connections that never send a byte. Records who closed each.
 */
async function holdConnections(port: number, token: string, slowLoris: number, idle: number) {
  const post = (bearer: string, length: number) =>
    `POST ${INGEST_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${bearer}\r\nContent-Type: ${NDJSON}\r\nContent-Length: ${length}\r\n\r\n`;
  const kind = (name: string, expected?: number[], authenticated = false): HeldKind => ({
    name,
    ...(expected ? { expected } : {}),
    authenticated,
    opened: 0,
    closedByServer: 0,
    maxSecondsToClose: 0,
    answers: {},
  });
  const headers = kind('slow-loris headers', [408]);
  const wrongBody = kind('slow-loris body (wrong token)', [401]);
  const tokenBody = kind('slow-loris body (ingest token)', [408], true);
  const idleKind = kind('idle connections');
  const sockets: { s: Socket; open: boolean; timer?: NodeJS.Timeout }[] = [];
  const open = (k: HeldKind, first?: string, dribble?: string) => {
    const s = connect(port, '127.0.0.1');
    const t0 = Date.now();
    const entry: { s: Socket; open: boolean; timer?: NodeJS.Timeout } = { s, open: true };
    k.opened++;
    s.on('error', () => undefined);
    s.on('data', (d) => {
      const m = /^HTTP\/1\.1 (\d+)/.exec(d.toString('latin1'));
      if (m) k.answers[m[1]!] = (k.answers[m[1]!] ?? 0) + 1;
    });
    s.on('close', () => {
      clearInterval(entry.timer);
      if (!entry.open) return;
      entry.open = false;
      k.closedByServer++;
      k.maxSecondsToClose = Math.max(k.maxSecondsToClose, (Date.now() - t0) / 1000);
    });
    if (first) s.write(first);
    if (dribble) entry.timer = setInterval(() => s.writable && s.write(dribble), 1000);
    sockets.push(entry);
  };
  const tokenBodies = Math.min(4, Math.floor(slowLoris / 3));
  for (let i = 0; i < slowLoris; i++) {
    if (i < tokenBodies) open(tokenBody, post(token, 100_000), 'x');
    else if (i % 2 === 0) open(headers, `POST ${INGEST_PATH} HTTP/1.1\r\nHost: x\r\n`, 'X-Slow: 1\r\n');
    else open(wrongBody, post('wrong', 10_000_000), 'x');
  }
  // 100 at a time: thousands at once overflow the kernel's accept queue (backlog 511), and a
  // connection the kernel dropped was never the aggregator's to close (the client, silent, never notices).
  for (let i = 0; i < idle; i++) {
    open(idleKind);
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 20));
  }
  const kinds = [headers, wrongBody, tokenBody, idleKind].filter((k) => k.opened > 0);
  return {
    /** Resolves when the aggregator has closed every held connection, or after `ms`. */
    settled: async (ms: number) => {
      const deadline = Date.now() + ms;
      while (sockets.some((e) => e.open) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    },
    /** Closes what is still open (those count as not closed by the aggregator). */
    close: () => {
      for (const e of sockets) {
        e.open = false;
        clearInterval(e.timer);
        e.s.destroy();
      }
      return { kinds };
    },
  };
}

export async function runCampaign(opts: CampaignOptions): Promise<CampaignResult> {
  const say = opts.log ?? (() => undefined);
  const token = `abuse-ingest-${randomBytes(12).toString('hex')}`;
  const readToken = `abuse-read-${randomBytes(12).toString('hex')}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'swarmscope-abuse-'));
  const agg = await startAggregator({
    SWARMSCOPE_TOKEN: token,
    SWARMSCOPE_READ_TOKEN: readToken,
    SWARMSCOPE_DATA_DIR: dataDir,
    SWARMSCOPE_LOG_LEVEL: 'info',
    NODE_OPTIONS: stackAggregator().nodeOptions,
    ...opts.env,
  });
  const started = Date.now();
  const pid = agg.child.pid;
  let peakRss = procRssBytes(pid);
  const baselineRss = peakRss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, procRssBytes(pid))), 50);

  const sample = goodBatch(20, { n: 10_000_000 }).body;
  // 1 GiB of zeros is about 1 MiB of gzip: under the 16 MiB body bound, 64× over the 16 MiB inflated one.
  const zeros = Buffer.alloc(1024 * MiB);
  const bombs = { gzip: gzipSync(zeros, { level: 9 }), zstd: zstdCompressSync(zeros) };
  const list = kinds(token, bombs, sample).filter((k) => !opts.only || k.name.includes(opts.only));

  // Good clients in a worker thread of their own (test/helpers/good-clients.ts).
  const goodClients = startGoodClients(agg.url, token, opts.goodClients);
  await new Promise((r) => setTimeout(r, opts.baselineMs));
  const abuseStart = Date.now();
  say('baseline done');

  // Slow-loris (headers, and bodies behind a wrong and the ingest token) and idle connections.
  const port = Number(new URL(agg.url).port);
  const held = await holdConnections(port, token, opts.slowLoris, opts.idleConnections);

  // The bad requests, paced at `rate`, `concurrency` at once, kinds interleaved by weight.
  const total = list.reduce((a, k) => a + k.weight, 0);
  const schedule: Kind[] = [];
  const credit = new Map<Kind, number>();
  for (let i = 0; i < opts.requests - opts.hugeLines; i++) {
    let best = list[0]!;
    for (const k of list) {
      credit.set(k, (credit.get(k) ?? 0) + k.weight / total);
      if (credit.get(k)! > credit.get(best)!) best = k;
    }
    credit.set(best, credit.get(best)! - 1);
    schedule.push(best);
  }
  const results = new Map<string, KindResult>();
  const note = (
    k: { name: string; expected: number[]; authenticated?: boolean },
    status: string,
    hasReason: boolean,
  ) => {
    let r = results.get(k.name);
    if (!r)
      results.set(k.name, (r = { kind: k.name, expected: k.expected.join('/'), answers: {}, wrong: 0, noReason: 0 }));
    r.answers[status] = (r.answers[status] ?? 0) + 1;
    // 429 (at the in-flight bound, retry later) is a right answer to any request with the ingest token.
    const busy = status === '429' && k.authenticated;
    if (!k.expected.map(String).includes(status) && !busy) r.wrong++;
    if (!hasReason) r.noReason++;
  };
  const badAgent = new Agent({ connections: opts.concurrency, pipelining: 1 });
  let next = 0;
  let sent = 0;
  const t0 = Date.now();
  const send = async (k: Kind, payload: Payload) => {
    try {
      const res = await request(agg.url + payload.path, {
        method: payload.method,
        dispatcher: badAgent,
        headers: payload.headers,
        ...(payload.body ? { body: payload.body } : {}),
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      const text = await res.body.text();
      let reason = false;
      try {
        const j = JSON.parse(text) as { reason?: string; message?: string };
        reason = Boolean(j.reason || j.message);
      } catch {
        reason = false;
      }
      note(k, String(res.statusCode), reason);
    } catch (err) {
      note(k, `error ${(err as { code?: string }).code ?? 'other'}`, false);
    }
    sent++;
  };
  const workers = Array.from({ length: opts.concurrency }, async () => {
    for (;;) {
      const i = next++;
      if (i >= schedule.length) return;
      const due = t0 + (i / opts.rate) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const k = schedule[i]!;
      await send(k, k.make());
      if (i > 0 && i % 10_000 === 0)
        say(`${i} bad requests sent; aggregator RSS peak ${(peakRss / MiB).toFixed(0)} MiB`);
    }
  });
  // The 100 MiB single lines go alongside: their Content-Length alone is past the body bound.
  const huge = { name: 'single 100 MiB line', expected: [413], authenticated: true } as Kind;
  const hugeBody = Buffer.alloc(100 * MiB, 0x61);
  const hugeSends = (async () => {
    for (let i = 0; i < opts.hugeLines; i++) {
      const answer = await rawPost(port, token, hugeBody);
      note(huge, answer.status, answer.reason);
      sent++;
    }
  })();
  await Promise.all([...workers, hugeSends]);
  const abuseEnd = Date.now();
  say(`${sent} bad requests answered in ${((abuseEnd - t0) / 1000).toFixed(1)} s`);

  const good = await goodClients.stop();
  const latencies = good.latencies;
  // Every held connection had its bound's time to be closed; the last ones are waited for (bounded).
  await held.settled(opts.heldWaitMs ?? 30_000);
  const heldResult = held.close();
  for (const h of heldResult.kinds) {
    if (!h.expected) continue;
    const k = { name: h.name, expected: h.expected, authenticated: h.authenticated ?? false };
    for (const [status, n] of Object.entries(h.answers)) for (let i = 0; i < n; i++) note(k, status, true);
    const answered = Object.values(h.answers).reduce((a, b) => a + b, 0);
    for (let i = answered; i < h.opened; i++) note(k, 'no answer', true);
  }

  // What the aggregator accepted: all of it must be the good clients' records.
  const metrics = await fetch(`${agg.url}/metrics`, { headers: { authorization: `Bearer ${readToken}` } }).then((r) =>
    r.text(),
  );
  let accepted = 0;
  for (const m of metrics.matchAll(/^swarmscope_ingest_records_total\{[^}]*\} (\d+)/gm)) accepted += Number(m[1]);
  const closedByReason: Record<string, number> = {};
  for (const m of metrics.matchAll(/^swarmscope_aggregator_connections_closed_total\{reason="(\w+)"\} (\d+)/gm))
    closedByReason[m[1]!] = Number(m[2]);

  clearInterval(rssTimer);
  const crashed = agg.child.exitCode !== null || agg.child.signalCode !== null;
  const exited = new Promise((r) => agg.child.once('exit', r));
  agg.child.kill('SIGTERM');
  await exited;
  await badAgent.destroy();
  await rm(dataDir, { recursive: true, force: true });

  const before = latencies.filter((l) => l.t < abuseStart).map((l) => l.ms);
  const during = latencies.filter((l) => l.t >= abuseStart && l.t <= abuseEnd).map((l) => l.ms);
  return {
    kinds: [...results.values()],
    sent,
    crashed,
    exitCode: agg.child.exitCode,
    peakRssBytes: peakRss,
    baselineRssBytes: baselineRss,
    logLines: agg.out.lines(),
    logText: agg.out.output(),
    goodAcked: good.acked,
    goodRecords: good.records,
    goodFailed: good.failed,
    goodBusy: good.busy,
    closedByReason,
    acceptedRecords: accepted,
    p99BeforeMs: percentile(before, 99),
    p99DuringMs: percentile(during, 99),
    p50BeforeMs: percentile(before, 50),
    p50DuringMs: percentile(during, 50),
    held: heldResult.kinds.map(({ name, opened, closedByServer, maxSecondsToClose }) => ({
      name,
      opened,
      closedByServer,
      maxSecondsToClose,
    })),
    durationMs: Date.now() - started,
    readToken,
    token,
  };
}

/** The campaign's table, as the bench prints it and the README records it. */
export function campaignTable(r: CampaignResult, opts: CampaignOptions): string {
  const rows = r.kinds
    .sort((a, b) => a.kind.localeCompare(b.kind))
    .map((k) => {
      const n = Object.values(k.answers).reduce((a, b) => a + b, 0);
      const answers = Object.entries(k.answers)
        .map(([s, c]) => `${s}: ${c}`)
        .join(', ');
      return `| ${k.kind} | ${n} | ${k.expected} | ${answers} | ${k.wrong} | ${k.noReason} |`;
    });
  const MiBf = (b: number) => `${(b / MiB).toFixed(0)} MiB`;
  return [
    `| kind | requests | expected | answers | wrong | without reason |`,
    `|---|---|---|---|---|---|`,
    ...rows,
    '',
    `| figure | value |`,
    `|---|---|`,
    `| bad requests answered | ${r.sent} (+ ${opts.slowLoris} slow-loris, ${opts.idleConnections} idle connections) |`,
    `| crashes | ${r.crashed ? 1 : 0} |`,
    `| aggregator RSS: start → peak | ${MiBf(r.baselineRssBytes)} → ${MiBf(r.peakRssBytes)} |`,
    `| good batches acknowledged (failed) | ${r.goodAcked} (${r.goodFailed}) |`,
    `| good batches answered 429/503 and sent again | ${r.goodBusy} |`,
    `| records accepted / good records sent | ${r.acceptedRecords} / ${r.goodRecords} |`,
    `| good-client ack p50 before → during | ${r.p50BeforeMs.toFixed(1)} ms → ${r.p50DuringMs.toFixed(1)} ms |`,
    `| good-client ack p99 before → during | ${r.p99BeforeMs.toFixed(1)} ms → ${r.p99DuringMs.toFixed(1)} ms (${(r.p99DuringMs / r.p99BeforeMs).toFixed(2)}×) |`,
    ...r.held.map(
      (h) =>
        `| ${h.name}: closed by the aggregator (slowest) | ${h.closedByServer} / ${h.opened} (${h.maxSecondsToClose.toFixed(1)} s) |`,
    ),
    `| connections closed, by the aggregator's metric | ${Object.entries(r.closedByReason)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')} |`,
    `| aggregator log lines | ${r.logLines} |`,
    `| duration | ${(r.durationMs / 1000).toFixed(0)} s |`,
  ].join('\n');
}
