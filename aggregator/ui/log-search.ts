// Log search for the UI over whichever store holds the logs: Elasticsearch (the logs indices,
// phrase match on message, filters on ECS fields) or the local journal (journal-search.ts). Both
// answer the same LogLine shape, newest `limit` matches in time order.
import type { Client } from '@elastic/elasticsearch';
import type { LogRecord } from '../../common/schema/index.ts';
import { searchJournal, type LogQuery } from '../sinks/journal/journal-search.ts';
import type { LogLine } from './ui-api.ts';

export type { LogQuery };

export type LogSearchResult = { backend: 'elasticsearch' | 'journal'; lines: LogLine[]; partial: boolean };

export interface LogSearch {
  readonly backend: LogSearchResult['backend'];
  search(q: LogQuery): Promise<LogSearchResult>;
}

export const MAX_LIMIT = 1000;

export function lineOf(r: LogRecord): LogLine {
  return {
    id: r.id,
    time: r.time,
    stream: r.stream,
    message: r.message,
    containerId: r.container.id,
    containerName: r.container.name,
    service: r.container.labels['com.docker.swarm.service.name'] ?? '',
    hostname: r.node.hostname,
  };
}

export class JournalLogSearch implements LogSearch {
  readonly backend = 'journal' as const;
  private readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  async search(q: LogQuery): Promise<LogSearchResult> {
    const r = await searchJournal(this.dir, q);
    return { backend: this.backend, lines: r.records.map(lineOf), partial: r.partial };
  }
}

type LogDoc = {
  '@timestamp': string;
  message: string;
  stream: string;
  container?: { id: string; name: string };
  service?: { name?: string };
  host?: { name: string };
  event?: { id?: string };
};

export class EsLogSearch implements LogSearch {
  readonly backend = 'elasticsearch' as const;
  private readonly client: Client;
  private readonly index: string;
  constructor(client: Client, indexPrefix: string) {
    this.client = client;
    this.index = `${indexPrefix}-logs-*`;
  }

  async search(q: LogQuery): Promise<LogSearchResult> {
    const filter: object[] = [];
    if (q.text) filter.push({ match_phrase: { message: q.text } });
    if (q.stream) filter.push({ term: { stream: q.stream } });
    if (q.containerId) filter.push({ prefix: { 'container.id': q.containerId } });
    if (q.service) filter.push({ term: { 'service.name': q.service } });
    for (const [k, v] of q.labels ?? []) filter.push({ term: { [`container.labels.${k}`]: v } });
    if (q.fromMs !== undefined || q.toMs !== undefined)
      filter.push({
        range: {
          '@timestamp': {
            ...(q.fromMs !== undefined ? { gte: new Date(q.fromMs).toISOString() } : {}),
            ...(q.toMs !== undefined ? { lte: new Date(q.toMs).toISOString() } : {}),
          },
        },
      });
    const res = await this.client.search<LogDoc>({
      index: this.index,
      ignore_unavailable: true,
      allow_no_indices: true,
      size: q.limit,
      query: { bool: { filter } },
      sort: [{ '@timestamp': { order: 'desc' } }, { 'log.offset': { order: 'desc', unmapped_type: 'long' } }],
      track_total_hits: false,
    });
    const lines = res.hits.hits
      .map((h): LogLine => {
        const d = h._source!;
        return {
          id: d.event?.id ?? h._id!,
          time: d['@timestamp'],
          stream: d.stream,
          message: d.message,
          containerId: d.container?.id ?? '',
          containerName: d.container?.name ?? '',
          service: d.service?.name ?? '',
          hostname: d.host?.name ?? '',
        };
      })
      .reverse();
    return { backend: this.backend, lines, partial: false };
  }
}
