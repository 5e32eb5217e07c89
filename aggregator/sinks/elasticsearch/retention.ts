// Retention: deletes swarmscope's daily indices older than the configured number of days.
// Works on any distribution (no ILM needed); run at start and then hourly.
import type { Client } from '@elastic/elasticsearch';
import { indexDay } from './index-name.ts';

export async function enforceRetention(
  client: Client,
  prefix: string,
  retentionDays: number,
  now: Date = new Date(),
): Promise<string[]> {
  const res = await client.cat.indices({ index: `${prefix}-*`, format: 'json', h: 'index' });
  const cutoff = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - retentionDays * 86_400_000;
  const old = res
    .map((r) => r.index ?? '')
    .filter((name) => {
      const parsed = indexDay(prefix, name);
      return parsed !== undefined && parsed.day.getTime() < cutoff;
    });
  if (old.length) await client.indices.delete({ index: old.join(',') });
  return old;
}
