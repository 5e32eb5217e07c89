// A hostile-input campaign against a real aggregator process: requests of every bad kind (random
// bytes, truncated and corrupt gzip, gzip bombs, a 100 MiB line, deep nesting, huge numbers,
// invalid UTF-8, wrong and missing content types and encodings, wrong tokens, slow-loris headers
// and bodies, idle connections) while good clients keep shipping valid batches. Counts every
// answer by kind, the aggregator's RSS and log lines, and the good clients' ack latency before
// and during. Shared by bench/abuse.ts (≥ 100,000 requests) and test/fault/abuse.test.ts.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { toEventRecord } from '../../collector/sources/docker-events/event-record.ts';
import { INGEST_PATH, NDJSON } from '../../common/wire.ts';
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
  acceptedRecords: number;
  p99BeforeMs: number;
  p99DuringMs: number;
  p50BeforeMs: number;
  p50DuringMs: number;
  slowLorisClosedByServer: number;
  idleClosedByServer: number;
  durationMs: number;
  readToken: string;
  token: string;
};

type Payload = { method: 'POST' | 'GET'; path: string; headers: Record<string, string>; body?: Buffer };
type Kind = { name: string; expected: number[]; weight: number; make: () => Payload; authenticated?: boolean };

const MiB = 1024 * 1024;

function goodBatch(records: number, seq: { n: number }): { body: Buffer; records: number } {
  const node = { id: 'abuse-good-node', hostname: 'good-collector' };
  const lines: string[] = [];
  for (let i = 0; i < records; i++) {
    const n = seq.n++;
    const rec = toEventRecord(node, {
      Type: 'container',
      Action: 'start',
      Actor: { ID: n.toString(16).padStart(64, '0'), Attributes: { name: `good-${n}` } },
      timeNano: String(1_700_000_000_000_000_000n + BigInt(n)),
    });
    lines.push(JSON.stringify(rec));
  }
  return { body: gzipSync(lines.join('\n') + '\n', { level: 1 }), records };
}

function kinds(token: string, bomb: Buffer, goodSample: Buffer): Kind[] {
  const ingest = (headers: Record<string, string>, body?: Buffer): Payload => ({
    method: 'POST',
    path: INGEST_PATH,
    headers,
    ...(body ? { body } : {}),
  });
  const auth = { authorization: `Bearer ${token}` };
  const ndjsonGzip = { ...auth, 'content-type': NDJSON, 'content-encoding': 'gzip' };
  const ndjson = { ...auth, 'content-type': NDJSON };
  const plain = gunzipOnce(goodSample);
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
    { name: 'gzip bomb (1 GiB inflated)', expected: [413, 429], weight: 0.3, make: () => ingest(ndjsonGzip, bomb) },
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
 * A POST of `body` over a plain socket, reading the answer while still writing: the aggregator
 * answers 413 from the Content-Length alone and closes, which an HTTP client reports as EPIPE.
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
    s.write(
      `POST ${INGEST_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${NDJSON}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    s.end(body);
  });
}

/** The aggregator under test as its own process: journal sink, its whole log kept. */
async function startAggregator(env: Record<string, string>) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = startLogged(['aggregator'], { SWARMSCOPE_LISTEN: `127.0.0.1:${port}`, ...env }, 200_000);
  await waitHealthy(p, url);
  return { child: p.child, url, out: p };
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
    ...opts.env,
  });
  const started = Date.now();
  const pid = agg.child.pid;
  let peakRss = procRssBytes(pid);
  const baselineRss = peakRss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, procRssBytes(pid))), 50);

  const seq = { n: 0 };
  const sample = goodBatch(20, { n: 10_000_000 }).body;
  // 1 GiB of zeros is about 1 MiB of gzip: under the 16 MiB body bound, 16× over the 64 MiB inflated one.
  const bomb = gzipSync(Buffer.alloc(1024 * MiB), { level: 9 });
  const list = kinds(token, bomb, sample).filter((k) => !opts.only || k.name.includes(opts.only));

  // Good clients: each ships a 50-record batch, waits for its acknowledgement, pauses 20 ms.
  const goodAgent = new Agent({ connections: opts.goodClients });
  const latencies: { t: number; ms: number }[] = [];
  const good = { acked: 0, records: 0, failed: 0 };
  let goodRunning = true;
  const goodLoops = Array.from({ length: opts.goodClients }, async () => {
    while (goodRunning) {
      const batch = goodBatch(50, seq);
      const t0 = performance.now();
      try {
        const res = await request(agg.url + INGEST_PATH, {
          method: 'POST',
          dispatcher: goodAgent,
          headers: { 'content-type': NDJSON, 'content-encoding': 'gzip', authorization: `Bearer ${token}` },
          body: batch.body,
          headersTimeout: 60_000,
          bodyTimeout: 60_000,
        });
        await res.body.text();
        if (res.statusCode === 200) {
          good.acked++;
          good.records += batch.records;
          latencies.push({ t: Date.now(), ms: performance.now() - t0 });
        } else good.failed++;
      } catch {
        good.failed++;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  await new Promise((r) => setTimeout(r, opts.baselineMs));
  const abuseStart = Date.now();
  say(`baseline done: ${latencies.length} good batches acknowledged`);

  // Slow-loris (headers, and a body behind a wrong token) and idle connections, held open.
  const held = { slowClosed: 0, idleClosed: 0, sockets: [] as Socket[], timers: [] as NodeJS.Timeout[] };
  const slowStatus: Record<string, Record<string, number>> = { headers: {}, body: {} };
  const port = Number(new URL(agg.url).port);
  for (let i = 0; i < opts.slowLoris; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    const body = i % 2 === 1;
    let closedByUs = false;
    s.on('data', (d) => {
      const m = /^HTTP\/1\.1 (\d+)/.exec(d.toString('latin1'));
      const of = slowStatus[body ? 'body' : 'headers']!;
      if (m) of[m[1]!] = (of[m[1]!] ?? 0) + 1;
    });
    s.on('close', () => {
      if (!closedByUs) held.slowClosed++;
    });
    (s as Socket & { byUs?: () => void }).byUs = () => (closedByUs = true);
    s.write(
      body
        ? `POST ${INGEST_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nContent-Type: ${NDJSON}\r\nContent-Length: 10000000\r\n\r\n`
        : `POST ${INGEST_PATH} HTTP/1.1\r\nHost: x\r\n`,
    );
    held.timers.push(setInterval(() => s.writable && s.write(body ? 'x' : 'X-Slow: 1\r\n'), 1000));
    held.sockets.push(s);
  }
  for (let i = 0; i < opts.idleConnections; i++) {
    const s = connect(port, '127.0.0.1');
    let closedByUs = false;
    s.on('error', () => undefined);
    s.on('close', () => {
      if (!closedByUs) held.idleClosed++;
    });
    (s as Socket & { byUs?: () => void }).byUs = () => (closedByUs = true);
    held.sockets.push(s);
  }

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

  goodRunning = false;
  await Promise.all(goodLoops);
  for (const t of held.timers) clearInterval(t);
  const slowClosed = held.slowClosed;
  const idleClosed = held.idleClosed;
  for (const s of held.sockets) {
    (s as Socket & { byUs?: () => void }).byUs?.();
    s.destroy();
  }
  // A slow-loris client that got no answer before the campaign ended is counted as such.
  const slowKinds = {
    headers: { name: 'slow-loris headers', expected: [408] },
    body: { name: 'slow-loris body (wrong token)', expected: [401] },
  };
  for (const part of ['headers', 'body'] as const) {
    const answers = slowStatus[part]!;
    const answered = Object.values(answers).reduce((a, b) => a + b, 0);
    for (const [status, n] of Object.entries(answers)) for (let i = 0; i < n; i++) note(slowKinds[part], status, true);
    const asked = part === 'body' ? Math.floor(opts.slowLoris / 2) : Math.ceil(opts.slowLoris / 2);
    for (let i = answered; i < asked; i++) note(slowKinds[part], 'no answer yet', true);
  }

  // What the aggregator accepted: all of it must be the good clients' records.
  const metrics = await fetch(`${agg.url}/metrics`, { headers: { authorization: `Bearer ${readToken}` } }).then((r) =>
    r.text(),
  );
  let accepted = 0;
  for (const m of metrics.matchAll(/^swarmscope_ingest_records_total\{[^}]*\} (\d+)/gm)) accepted += Number(m[1]);

  clearInterval(rssTimer);
  const crashed = agg.child.exitCode !== null || agg.child.signalCode !== null;
  const exited = new Promise((r) => agg.child.once('exit', r));
  agg.child.kill('SIGTERM');
  await exited;
  await goodAgent.close();
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
    acceptedRecords: accepted,
    p99BeforeMs: percentile(before, 99),
    p99DuringMs: percentile(during, 99),
    p50BeforeMs: percentile(before, 50),
    p50DuringMs: percentile(during, 50),
    slowLorisClosedByServer: slowClosed,
    idleClosedByServer: idleClosed,
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
    `| records accepted / good records sent | ${r.acceptedRecords} / ${r.goodRecords} |`,
    `| good-client ack p50 before → during | ${r.p50BeforeMs.toFixed(1)} ms → ${r.p50DuringMs.toFixed(1)} ms |`,
    `| good-client ack p99 before → during | ${r.p99BeforeMs.toFixed(1)} ms → ${r.p99DuringMs.toFixed(1)} ms (${(r.p99DuringMs / r.p99BeforeMs).toFixed(2)}×) |`,
    `| slow-loris / idle connections closed by the aggregator | ${r.slowLorisClosedByServer} / ${opts.slowLoris}, ${r.idleClosedByServer} / ${opts.idleConnections} |`,
    `| aggregator log lines | ${r.logLines} |`,
    `| duration | ${(r.durationMs / 1000).toFixed(0)} s |`,
  ].join('\n');
}
