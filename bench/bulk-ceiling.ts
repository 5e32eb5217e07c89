// Elasticsearch's own ceiling for a set of documents: a plain loop of pre-serialised, uncompressed
// `_bulk` requests, several at once, so nothing but Elasticsearch can limit the rate. Benches print
// it beside what swarmscope achieved with the same documents.
import { testEnv } from '../test/helpers/env.ts';
import { bulkBody, type BulkItem } from '../aggregator/sinks/elasticsearch/bulk-writer.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `items` (create by id, as the aggregator does) as requests of `perRequest` documents or
 * `maxBytes` of them, whichever comes first (the collector's batch bounds: 5000 records, 4 MiB),
 * `concurrency` at once; resolves with the wall time once every request was answered. A refused or
 * failed request is sent again (a resend cannot duplicate): after a 429 (Elasticsearch's indexing
 * pressure: 2 KiB documents in 10 MB requests, four at once, outgrew a 512 MiB heap's share) as
 * often as it takes, after a short pause, as the aggregator would; the fifth other failure rejects.
 */
export async function bulkLoop(
  items: readonly BulkItem[],
  opts: { perRequest?: number; maxBytes?: number; concurrency?: number } = {},
): Promise<{ docs: number; seconds: number }> {
  const perRequest = opts.perRequest ?? 5000;
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
  const bodies: Buffer[] = [];
  for (let i = 0; i < items.length;) {
    let end = i;
    for (let bytes = 0; end < items.length && end - i < perRequest && bytes < maxBytes; end++)
      bytes += items[end]!.source.length;
    bodies.push(Buffer.from(bulkBody(items.slice(i, end))));
    i = end;
  }
  const auth = `Basic ${Buffer.from(`${testEnv.esAdminUsername}:${testEnv.esAdminPassword}`).toString('base64')}`;
  const send = async () => {
    for (let b = bodies.shift(); b; b = bodies.shift()) {
      for (let attempt = 1; ; attempt++) {
        const answer = await fetch(`${testEnv.esUrl}/_bulk?filter_path=errors,items.*.status`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/x-ndjson' },
          body: b,
          signal: AbortSignal.timeout(120_000),
        }).then(
          async (res) => ({ ok: res.ok, status: res.status, text: await res.text() }),
          (err: Error) => ({ ok: false, status: 0, text: err.message }),
        );
        if (answer.ok && !/"status":(429|5\d\d)/.test(answer.text)) break;
        const pressure = answer.status === 429 || (answer.ok && !/"status":5\d\d/.test(answer.text));
        if (pressure) attempt--;
        else if (attempt === 5) throw new Error(`plain _bulk loop: ${answer.text.slice(0, 300)}`);
        await sleep(pressure ? 200 : 1000);
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, send));
  return { docs: items.length, seconds: (performance.now() - t0) / 1000 };
}
