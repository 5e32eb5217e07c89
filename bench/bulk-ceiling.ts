// Elasticsearch's own ceiling for a set of documents: a plain loop of pre-serialised, uncompressed
// `_bulk` requests, several at once, so nothing but Elasticsearch can limit the rate. Benches print
// it beside what swarmscope (or a peer) achieved with the same documents.
import { testEnv } from '../test/helpers/env.ts';
import { actionLine, docText, type BulkItem } from '../aggregator/sinks/elasticsearch/bulk-writer.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A document to send: with an id, created under it as the aggregator does; without, under one Elasticsearch generates. */
export type CeilingItem = { index: string; id?: string; source: string };

/** The aggregator's items as the loop sends them: the same index, id and document text. */
export function ceilingItems(items: readonly BulkItem[]): CeilingItem[] {
  return items.map((it) => ({ index: it.index, id: it.id, source: docText(it) }));
}

/**
 * The aggregator's `_bulk` body for items with an id; an item without one gets an action line that
 * names none (rsyslog sends none: auto-generated ids spare Elasticsearch the lookup of each id).
 */
function ceilingBody(items: readonly CeilingItem[]): string {
  let body = '';
  for (const it of items) body += `${actionLine(it.index, it.id)}${it.source}\n`;
  return body;
}

/**
 * Sends `items` as requests of `perRequest` documents or `maxBytes` of them, whichever comes first
 * (the collector's batch bounds: 5000 records, 4 MiB), `concurrency` at once; resolves with the wall
 * time once every request was answered. A refused or failed request is sent again; of a request
 * answered with some items refused, only those items (an item without an id sent twice would be
 * indexed twice). After a 429 (Elasticsearch's indexing pressure: 2 KiB documents in 10 MB requests,
 * four at once, outgrew a 512 MiB heap's share) as often as it takes, after a short pause, as the
 * aggregator would; the fifth other failure rejects.
 */
export async function bulkLoop(
  items: readonly CeilingItem[],
  opts: { perRequest?: number; maxBytes?: number; concurrency?: number } = {},
): Promise<{ docs: number; seconds: number }> {
  const perRequest = opts.perRequest ?? 5000;
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
  const requests: Array<{ items: readonly CeilingItem[]; body: Buffer }> = [];
  for (let i = 0; i < items.length;) {
    let end = i;
    for (let bytes = 0; end < items.length && end - i < perRequest && bytes < maxBytes; end++)
      bytes += items[end]!.source.length;
    const slice = items.slice(i, end);
    requests.push({ items: slice, body: Buffer.from(ceilingBody(slice)) });
    i = end;
  }
  const auth = `Basic ${Buffer.from(`${testEnv.esAdminUsername}:${testEnv.esAdminPassword}`).toString('base64')}`;
  const send = async () => {
    for (let next = requests.shift(); next; next = requests.shift()) {
      let { items: pending, body } = next;
      for (let attempt = 1; ; attempt++) {
        const answer = await fetch(`${testEnv.esUrl}/_bulk?filter_path=errors,items.*.status`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/x-ndjson' },
          body,
          signal: AbortSignal.timeout(120_000),
        }).then(
          async (res) => ({ ok: res.ok, status: res.status, text: await res.text() }),
          (err: Error) => ({ ok: false, status: 0, text: err.message }),
        );
        if (answer.ok && !/"status":(429|5\d\d)/.test(answer.text)) break;
        if (answer.ok) {
          const statuses = (JSON.parse(answer.text) as { items: Array<Record<string, { status: number }>> }).items.map(
            (item) => Object.values(item)[0]!.status,
          );
          pending = pending.filter((_, k) => statuses[k] === 429 || statuses[k]! >= 500);
          body = Buffer.from(ceilingBody(pending));
        }
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
