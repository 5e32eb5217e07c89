// Which index a record goes to: prefix, dataset and the UTC day of the record's own time, so
// a retried record always lands in the index that already holds it.
import type { WireRecord } from '../../../common/schema/index.ts';

export type Dataset = 'metrics' | 'logs' | 'events' | 'swarm' | 'agent';

export const DATASETS: readonly Dataset[] = ['metrics', 'logs', 'events', 'swarm', 'agent'];

export function datasetOf(record: WireRecord): Dataset | undefined {
  switch (record.kind) {
    case 'metric':
      return 'metrics';
    case 'log':
      return 'logs';
    case 'event':
      return 'events';
    case 'swarm':
      return 'swarm';
    case 'agent':
      return 'agent';
    case 'inventory':
      return undefined;
  }
}

export function indexName(prefix: string, dataset: Dataset, time: string): string {
  // The record's date part is already UTC when it ends in Z; otherwise normalise through Date.
  const day = time.endsWith('Z') ? time.slice(0, 10) : new Date(time).toISOString().slice(0, 10);
  return `${prefix}-${dataset}-${day.replaceAll('-', '.')}`;
}

/** indexName for a run of records: most share dataset and day, so the last name is given again. */
export function indexNamer(prefix: string): (dataset: Dataset, time: string) => string {
  let last = { dataset: '', day: '', name: '' };
  return (dataset, time) => {
    const utc = time.endsWith('Z');
    if (utc && dataset === last.dataset && time.startsWith(last.day)) return last.name;
    const name = indexName(prefix, dataset, time);
    // A time with an offset is named afresh every time: its first ten characters are not its UTC day.
    last = { dataset: utc ? dataset : '', day: time.slice(0, 10), name };
    return name;
  };
}

/** The day an index holds, from its name; undefined for names this code did not make. */
export function indexDay(prefix: string, name: string): { dataset: string; day: Date } | undefined {
  const m = new RegExp(`^${prefix}-([a-z]+)-(\\d{4})\\.(\\d\\d)\\.(\\d\\d)$`).exec(name);
  return m ? { dataset: m[1]!, day: new Date(Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4]))) } : undefined;
}
