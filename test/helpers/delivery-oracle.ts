// The exact delivery oracle: a full scan of what landed in Elasticsearch (every document, not a
// count or a cardinality estimate), compared with the (source, sequence) pairs the load generator
// produced: every one must be found exactly once; missing and duplicated ones are listed.
import type { Client } from '@elastic/elasticsearch';
import { esAdmin, scanAll } from './elasticsearch.ts';
import type { SourceProgress } from './loadgen.ts';

export type OracleReport = {
  expected: number;
  found: number;
  missing: number;
  duplicates: number;
  unexpected: number;
  missingByKind: { logs: number; metrics: number };
  examples: string[];
};

type Src = {
  log?: { offset?: number };
  container?: { name?: string };
  host?: { name?: string };
  swarmscope?: { agent?: { counters?: { loadgen_seq?: number } } };
};

/** `es` defaults to the shared test Elasticsearch (admin user). */
export async function checkExactlyOnce(
  indexPrefix: string,
  produced: readonly SourceProgress[],
  es: Client = esAdmin(),
): Promise<OracleReport> {
  const index = `${indexPrefix}-logs-*,${indexPrefix}-agent-*`;
  await es.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
  const seen = new Map<string, number>();
  let found = 0;
  let after: unknown[] | undefined;
  // A point in time sorted by _shard_doc: with several shards (and replica copies answering pages
  // in turn) plain _doc order is no total order, and search_after pages would skip and repeat hits.
  const pit = await es.openPointInTime({ index, keep_alive: '2m', ignore_unavailable: true });
  for (;;) {
    const res = await es.search<Src>({
      size: 10_000,
      sort: ['_shard_doc'],
      search_after: after as never,
      pit: { id: pit.id, keep_alive: '2m' },
      _source: ['log.offset', 'container.name', 'host.name', 'swarmscope.agent.counters.loadgen_seq'],
    });
    const hits = res.hits.hits;
    for (const h of hits) {
      const s = h._source ?? {};
      const sample = s.swarmscope?.agent?.counters?.loadgen_seq;
      const key =
        s.log?.offset !== undefined
          ? `log|${s.container?.name}|${s.log.offset}`
          : sample !== undefined
            ? `metric|${s.host?.name?.replace(/-samples$/, '')}|${sample}`
            : undefined;
      if (key === undefined) continue;
      found++;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    if (hits.length < 10_000) break;
    after = hits[hits.length - 1]!.sort;
  }
  await es.closePointInTime({ id: pit.id }).catch(() => undefined);
  const report: OracleReport = {
    expected: 0,
    found,
    missing: 0,
    duplicates: 0,
    unexpected: 0,
    missingByKind: { logs: 0, metrics: 0 },
    examples: [],
  };
  const expectedKeys = new Set<string>();
  for (const p of produced) {
    for (const [kind, n] of [
      ['log', p.logs],
      ['metric', p.metrics],
    ] as const) {
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

export type LinesReport = {
  expected: number;
  found: number;
  missing: number;
  duplicates: number;
  unexpected: number;
  examples: string[];
};

/**
 * The same oracle for real containers that wrote the lines 1..lines (test/helpers/numbered-writers.ts):
 * a full scan of the log documents, every (container name, line number) found exactly once.
 */
export async function checkLinesExactlyOnce(
  indexPrefix: string,
  writers: ReadonlyArray<{ name: string; lines: number }>,
): Promise<LinesReport> {
  const hits = await scanAll<{ message?: string; container?: { name?: string } }>(
    `${indexPrefix}-logs-*`,
    { match_all: {} },
    ['message', 'container.name'],
  );
  const seen = new Map<string, number>();
  for (const h of hits) {
    const key = `${h._source.container?.name}|${h._source.message}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const report: LinesReport = {
    expected: 0,
    found: hits.length,
    missing: 0,
    duplicates: 0,
    unexpected: 0,
    examples: [],
  };
  const expectedKeys = new Set<string>();
  for (const w of writers) {
    for (let n = 1; n <= w.lines; n++) {
      const key = `${w.name}|${n}`;
      expectedKeys.add(key);
      report.expected++;
      const c = seen.get(key) ?? 0;
      if (c === 0) report.missing++;
      else if (c > 1) report.duplicates += c - 1;
      if (c !== 1 && report.examples.length < 5) report.examples.push(`${c}× ${key}`);
    }
  }
  for (const [key, c] of seen) {
    if (expectedKeys.has(key)) continue;
    report.unexpected += c;
    if (report.examples.length < 8) report.examples.push(`unexpected ${key}`);
  }
  return report;
}
