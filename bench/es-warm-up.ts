// Warms Elasticsearch up before a bench measures anything that indexes into it: on one just started,
// the first 200,000-odd documents went in at ~0.55× of the rate of a warm one (JVM warm-up; two
// `logs-throughput.ts` runs back to back: 12,495 then 31,836 lines/s), and whichever row came first
// paid for it. Small log documents as the aggregator makes them, by the plain `_bulk` loop, into a
// throwaway index.
import { templateFor } from '../aggregator/sinks/elasticsearch/templates.ts';
import { bulkItems } from '../aggregator/sinks/elasticsearch/sink.ts';
import { logRecord, simulatedNodeId } from '../test/helpers/fleet-records.ts';
import { deleteIndices, esAdmin } from '../test/helpers/elasticsearch.ts';
import { bulkLoop } from './bulk-ceiling.ts';

/** Indexes `documents` (~10 s on the 2-vCPU machine for the default) and removes them; says so on stderr. */
export async function warmUpElasticsearch(run: string, documents = 300_000): Promise<void> {
  const prefix = `swarmscope-bench${run}warm`;
  const template = templateFor(prefix, 'logs');
  const es = esAdmin();
  await es.indices.putIndexTemplate(template as Parameters<typeof es.indices.putIndexTemplate>[0]);
  const node = { id: simulatedNodeId(prefix), hostname: prefix };
  const filler = 'x'.repeat(40);
  const records = Array.from({ length: documents }, (_, i) => logRecord(node, prefix, prefix, i, filler));
  try {
    const { docs, seconds } = await bulkLoop(bulkItems(prefix, records));
    process.stderr.write(
      `Elasticsearch warmed up: ${docs} log documents in ${seconds.toFixed(1)} s = ${Math.round(docs / seconds).toLocaleString('en')} docs/s\n`,
    );
  } finally {
    await deleteIndices(`${prefix}-*`);
    await es.indices.deleteIndexTemplate({ name: template.name }).catch(() => undefined);
  }
}
