// Warms Elasticsearch up before a bench measures anything that indexes into it: on one just started,
// indexing runs at a fraction of its later rate for a minute or more (the JVM compiling, start-up
// work beside it; two `logs-throughput.ts` runs back to back: 12,495 then 31,836 lines/s), and
// whichever row came first paid for it. Small log documents as the aggregator makes them, by the
// plain `_bulk` loop, into a throwaway index, in rounds for a minute and until the rate stops rising.
import { templateFor } from '../aggregator/sinks/elasticsearch/templates.ts';
import { bulkItems } from '../aggregator/sinks/elasticsearch/sink.ts';
import { logRecord, simulatedNodeId } from '../test/helpers/fleet-records.ts';
import { deleteIndices, deleteTemplates, putTemplate } from '../test/helpers/elasticsearch.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { bulkLoop, ceilingItems } from './bulk-ceiling.ts';

const ROUND_DOCS = 50_000;
/** A round within this of the one before it: warm. */
const STEADY = 0.1;
/** Rounds go on at least this long: on one just started, the rate was still rising after 21 s (9k → 27k docs/s, 40k warm). */
const MIN_SECONDS = 60;
const MAX_SECONDS = 180;
/** Then a pause, for what the last round left to Elasticsearch and the disk to end. */
const SETTLE_MS = 10_000;

/**
 * Indexes rounds of documents until two in a row agree within 10 % (a minute at least, three at
 * most) and removes them; says on stderr what each round gave.
 */
export async function warmUpElasticsearch(run: string): Promise<void> {
  const prefix = `swarmscope-bench${run}warm`;
  const template = templateFor(prefix, 'logs');
  await putTemplate(template);
  const node = { id: simulatedNodeId(prefix), hostname: prefix };
  const filler = 'x'.repeat(40);
  const started = performance.now();
  const rates: number[] = [];
  try {
    for (let round = 0; ; round++) {
      const records = Array.from({ length: ROUND_DOCS }, (_, i) =>
        logRecord(node, prefix, prefix, round * ROUND_DOCS + i, filler),
      );
      const { docs, seconds } = await bulkLoop(ceilingItems(bulkItems(prefix, records)));
      // Each round into a fresh index: one that grew to a million documents left merges and disk
      // writes behind it that slowed the next row by a fifth (29,117 → 22,863 lines/s).
      await deleteIndices(`${prefix}-*`);
      rates.push(docs / seconds);
      const [before, last] = rates.slice(-2) as [number, number];
      const elapsed = (performance.now() - started) / 1000;
      const steady = elapsed >= MIN_SECONDS && Math.abs(last - before) <= STEADY * before;
      if (steady || elapsed > MAX_SECONDS) break;
    }
    await sleep(SETTLE_MS);
    process.stderr.write(
      `Elasticsearch warmed up in ${((performance.now() - started) / 1000).toFixed(0)} s: rounds of ${ROUND_DOCS} log documents at ${rates.map((r) => Math.round(r).toLocaleString('en')).join(', ')} docs/s\n`,
    );
  } finally {
    await deleteIndices(`${prefix}-*`);
    await deleteTemplates(template.name);
  }
}
