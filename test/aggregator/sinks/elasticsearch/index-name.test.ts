import test from 'ava';
import { indexNamer } from '../../../../aggregator/sinks/elasticsearch/index-name.ts';

test("each record is named its dataset's index of its own UTC day, whatever came before it", (t) => {
  const name = indexNamer('p');
  const cases: Array<[Parameters<typeof name>, string]> = [
    [['logs', '2026-12-01T23:59:59.999Z'], 'p-logs-2026.12.01'],
    [['logs', '2026-12-01T00:00:00Z'], 'p-logs-2026.12.01'],
    [['metrics', '2026-12-01T12:00:00Z'], 'p-metrics-2026.12.01'],
    [['logs', '2026-12-02T00:00:00.000000001Z'], 'p-logs-2026.12.02'],
    // Same first ten characters as the last, but two hours behind UTC: the next day's index.
    [['logs', '2026-12-02T23:30:00-02:00'], 'p-logs-2026.12.03'],
    [['logs', '2026-12-02T23:30:00+02:00'], 'p-logs-2026.12.02'],
    [['logs', '2026-12-02T23:30:00-02:00'], 'p-logs-2026.12.03'],
    [['logs', '2026-12-02T10:00:00Z'], 'p-logs-2026.12.02'],
  ];
  for (const [[dataset, time], want] of cases) t.is(name(dataset, time), want, `${dataset} ${time}`);
});
