// How many primary shards and replicas each index family gets: parsed from a setting of the form
// "<default>[,<family>=<value>…]" (e.g. SWARMSCOPE_ES_SHARDS="1,logs=3"), rendered into the index
// settings of the templates the sink installs. Replicas may be a number or an auto-expand range.
import { DATASETS, type Dataset } from './index-name.ts';

/** A replica count ("1") or an auto-expand range ("0-1", "1-all") as Elasticsearch takes it. */
export type Replicas = string;
export type IndexCounts = Readonly<{
  shards: Readonly<Record<Dataset, number>>;
  replicas: Readonly<Record<Dataset, Replicas>>;
}>;

export const DEFAULT_SHARDS = '1';
/** One replica once a second data node exists, none on a single node (which stays green). */
export const DEFAULT_REPLICAS = '0-1';

const REPLICAS = /^(\d+|\d+-(\d+|all))$/;

/** Parses "<default>,<family>=<value>…"; problems are pushed, the default kept for what is wrong. */
export function parsePerFamily<T>(
  name: string,
  raw: string,
  parse: (value: string) => T | undefined,
  fallback: T,
  problems: string[],
): Record<Dataset, T> {
  const parts = raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  let base = fallback;
  const overrides: Partial<Record<Dataset, T>> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    const family = eq === -1 ? undefined : part.slice(0, eq).trim();
    const value = parse(eq === -1 ? part : part.slice(eq + 1).trim());
    if (value === undefined) {
      problems.push(`${name}=${raw}: "${part}" is not a valid value`);
    } else if (family === undefined) {
      base = value;
    } else if ((DATASETS as readonly string[]).includes(family)) {
      overrides[family as Dataset] = value;
    } else {
      problems.push(`${name}=${raw}: "${family}" is not an index family (${DATASETS.join(', ')})`);
    }
  }
  return Object.fromEntries(DATASETS.map((d) => [d, overrides[d] ?? base])) as Record<Dataset, T>;
}

export function parseIndexCounts(shards: string, replicas: string, problems: string[]): IndexCounts {
  return {
    shards: parsePerFamily(
      'SWARMSCOPE_ES_SHARDS',
      shards,
      (v) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 1024 ? Number(v) : undefined),
      1,
      problems,
    ),
    replicas: parsePerFamily(
      'SWARMSCOPE_ES_REPLICAS',
      replicas,
      (v) => (REPLICAS.test(v) ? v : undefined),
      DEFAULT_REPLICAS,
      problems,
    ),
  };
}

/** The index settings for a shard count and a replica count or auto-expand range. */
export function shardSettings(shards: number, replicas: Replicas): Record<string, unknown> {
  return /^\d+$/.test(replicas)
    ? { number_of_shards: shards, number_of_replicas: Number(replicas), auto_expand_replicas: false }
    : { number_of_shards: shards, auto_expand_replicas: replicas };
}
