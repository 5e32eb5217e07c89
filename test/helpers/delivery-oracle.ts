// The exact delivery oracle: a full scan of what landed in Elasticsearch (every document, not a
// count or a cardinality estimate), compared with the (source, sequence) pairs the load generator
// produced: every one must be found exactly once; missing and duplicated ones are listed.
import type { Client } from '@elastic/elasticsearch';
import { esAdmin } from './elasticsearch.ts';
import type { SourceProgress } from './loadgen.ts';

export type OracleReport = { expected: number; found: number; missing: number; duplicates: number; unexpected: number; missingByKind: { logs: number; metrics: number }; examples: string[] };

type Src = { log?: { offset?: number }; container?: { name?: string }; host?: { name?: string }; swarmscope?: { agent?: { counters?: { loadgen_seq?: number } } } };

/** `es` defaults to the shared test Elasticsearch (admin user). */
export async function checkExactlyOnce(indexPrefix: string, produced: readonly SourceProgress[], es: Client = esAdmin()): Promise<OracleReport> {
  const index = `${indexPrefix}-logs-*,${indexPrefix}-agent-*`;
  await es.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
  const seen = new Map<string, number>();
  let found = 0;
  let after: unknown[] | undefined;
  for (;;) {
    const res = await es.search<Src>({
      index,
      size: 10_000,
      sort: ['_doc'],
      search_after: after as never,
      _source: ['log.offset', 'container.name', 'host.name', 'swarmscope.agent.counters.loadgen_seq'],
      ignore_unavailable: true,
      allow_no_indices: true,
    });
    const hits = res.hits.hits;
    for (const h of hits) {
      const s = h._source ?? {};
      const sample = s.swarmscope?.agent?.counters?.loadgen_seq;
      const key = s.log?.offset !== undefined ? `log|${s.container?.name}|${s.log.offset}` : sample !== undefined ? `metric|${s.host?.name?.replace(/-samples$/, '')}|${sample}` : undefined;
      if (key === undefined) continue;
      found++;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    if (hits.length < 10_000) break;
    after = hits[hits.length - 1]!.sort;
  }
  const report: OracleReport = { expected: 0, found, missing: 0, duplicates: 0, unexpected: 0, missingByKind: { logs: 0, metrics: 0 }, examples: [] };
  const expectedKeys = new Set<string>();
  for (const p of produced) {
    for (const [kind, n] of [['log', p.logs], ['metric', p.metrics]] as const) {
      for (let seq = 0; seq < n; seq++) {
        const key = `${kind}|${p.source}|${seq}`;
        expectedKeys.add(key);
        report.expected++;
        const c = seen.get(key) ?? 0;
        if (c === 0) {
          report.missing++;
          report.missingByKind[kind === 'log' ? 'logs' : 'metrics']++;
          if (report.examples.length < 5) report.examples.push(`missing ${key}`);
        } else if (c > 1) {
          report.duplicates += c - 1;
          if (report.examples.length < 5) report.examples.push(`${c}× ${key}`);
        }
      }
    }
  }
  for (const key of seen.keys()) if (!expectedKeys.has(key)) report.unexpected++;
  return report;
}
