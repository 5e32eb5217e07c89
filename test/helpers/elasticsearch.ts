// Reading what landed in Elasticsearch, as the admin user: refresh, and a full scan (search_after
// on _doc order, every hit) for exact oracles: never a count or a cardinality estimate.
import { Client } from '@elastic/elasticsearch';
import type { templateFor } from '../../aggregator/sinks/elasticsearch/templates.ts';
import { testEnv } from './env.ts';

let admin: Client | undefined;

export function esAdmin(): Client {
  admin ??= new Client({
    node: testEnv.esUrl,
    auth: { username: testEnv.esAdminUsername, password: testEnv.esAdminPassword },
    requestTimeout: 60_000,
  });
  return admin;
}

export type Hit<T> = { _id: string; _index: string; _source: T };

/** `source` limits the fields returned (a large oracle scan needs only a few). */
export async function scanAll<T = Record<string, unknown>>(
  index: string,
  query: Record<string, unknown> = { match_all: {} },
  source?: string[],
): Promise<Array<Hit<T>>> {
  const es = esAdmin();
  await es.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
  const exists = await es.indices.exists({ index, allow_no_indices: false }).catch(() => false);
  if (!exists) return [];
  // A point in time: pages of a search_after over a live index would otherwise see documents
  // move between segments (refresh, merge) and return some twice or not at all.
  const pit = await es.openPointInTime({ index, keep_alive: '1m', ignore_unavailable: true });
  const out: Array<Hit<T>> = [];
  let after: unknown[] | undefined;
  try {
    for (;;) {
      const res = await es.search<T>({
        query,
        _source: source,
        size: 5000,
        sort: ['_shard_doc'],
        search_after: after,
        pit: { id: pit.id, keep_alive: '1m' },
      });
      const hits = res.hits.hits as Array<Hit<T> & { sort?: unknown[] }>;
      out.push(...hits);
      if (hits.length < 5000) return out;
      after = hits[hits.length - 1]!.sort;
    }
  } finally {
    await es.closePointInTime({ id: pit.id }).catch(() => undefined);
  }
}

export async function deleteIndices(pattern: string): Promise<void> {
  await esAdmin()
    .indices.delete({ index: pattern, ignore_unavailable: true, allow_no_indices: true })
    .catch(() => undefined);
}

/** Installs one of the sink's index templates (benches index into their own prefixes). */
export async function putTemplate(template: ReturnType<typeof templateFor>): Promise<void> {
  await esAdmin().indices.putIndexTemplate(template as Parameters<Client['indices']['putIndexTemplate']>[0]);
}

/** Removes index templates by name or wildcard; none there is no error. */
export async function deleteTemplates(name: string): Promise<void> {
  await esAdmin()
    .indices.deleteIndexTemplate({ name })
    .catch(() => undefined);
}
