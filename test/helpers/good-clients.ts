// The hostile-input campaign's good clients, in a worker thread of their own: each ships a valid
// 50-record batch, waits for its acknowledgement and pauses 20 ms, as a collector on another node
// would. Their own event loop keeps the time spent building and sending the bad requests out of
// the latencies they measure; a batch answered 429/503 is sent again after Retry-After (its
// latency counts the wait).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { toEventRecord } from '../../collector/sources/docker-events/event-record.ts';
import { INGEST_PATH, NDJSON } from '../../common/wire.ts';

export type GoodClientsResult = {
  /** Acknowledged batches: when (epoch ms) and how long (ms) from first send to acknowledgement. */
  latencies: { t: number; ms: number }[];
  acked: number;
  records: number;
  failed: number;
  /** Answers 429/503, each followed by a resend. */
  busy: number;
};

type Settings = { kind: 'good-clients'; url: string; token: string; clients: number };

/** `records` start events numbered from `seq.n` on, as one gzip NDJSON batch. */
export function goodBatch(records: number, seq: { n: number }): { body: Buffer; records: number } {
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

/** Starts `clients` good clients against `url`; `stop()` ends them after their current batch. */
export function startGoodClients(url: string, token: string, clients: number): { stop(): Promise<GoodClientsResult> } {
  const settings: Settings = { kind: 'good-clients', url, token, clients };
  const worker = new Worker(new URL(import.meta.url), { workerData: settings });
  const result = new Promise<GoodClientsResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the good clients' worker exited (code ${code}) without a result`)));
  });
  return {
    async stop() {
      worker.postMessage('stop');
      try {
        return await result;
      } finally {
        await worker.terminate();
      }
    },
  };
}

async function runGoodClients(settings: Settings): Promise<GoodClientsResult> {
  const agent = new Agent({ connections: settings.clients });
  const out: GoodClientsResult = { latencies: [], acked: 0, records: 0, failed: 0, busy: 0 };
  const seq = { n: 0 };
  let running = true;
  parentPort!.once('message', () => (running = false));
  const ship = async (body: Buffer) => {
    try {
      const res = await request(settings.url + INGEST_PATH, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': NDJSON, 'content-encoding': 'gzip', authorization: `Bearer ${settings.token}` },
        body,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      await res.body.text();
      return { status: res.statusCode, retryAfterS: Number(res.headers['retry-after'] ?? 1) || 1 };
    } catch {
      return { status: 0, retryAfterS: 0 };
    }
  };
  await Promise.all(
    Array.from({ length: settings.clients }, async () => {
      while (running) {
        const batch = goodBatch(50, seq);
        const t0 = performance.now();
        let answer = await ship(batch.body);
        for (let retry = 0; (answer.status === 429 || answer.status === 503) && retry < 10; retry++) {
          out.busy++;
          await new Promise((r) => setTimeout(r, Math.min(answer.retryAfterS, 5) * 1000));
          answer = await ship(batch.body);
        }
        if (answer.status === 200) {
          out.acked++;
          out.records += batch.records;
          out.latencies.push({ t: Date.now(), ms: performance.now() - t0 });
        } else out.failed++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );
  await agent.close();
  return out;
}

if (!isMainThread && (workerData as Settings | undefined)?.kind === 'good-clients') {
  parentPort!.postMessage(await runGoodClients(workerData as Settings));
}
