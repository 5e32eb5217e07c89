// The exact oracle for metrics across aggregator replicas: scrape every replica's /metrics at once
// and check that each node and container series of the simulated fleet appears exactly once in
// the union, that every container of every node is there and nothing else is, and that the sum of
// a known gauge equals the truth. Series counts per container and host come from the declared rows.
import { CONTAINER_TABLE } from '../../aggregator/sinks/prometheus/container-metrics.ts';
import { HOST_SERIES } from '../../aggregator/sinks/prometheus/host-metrics.ts';
import type { TableRow } from '../../aggregator/sinks/prometheus/metric-table.ts';
import {
  containerRecord,
  hostRecord,
  simulatedContainerId,
  simulatedNodeId,
  simulatedUsageBytes,
} from './fleet-records.ts';

/** The truth: node name → its container count. */
export type Fleet = Map<string, number>;

export type ReplicaReport = {
  ok: boolean;
  problems: string[];
  /** Nodes whose series each replica exposes, in the order the URLs were given. */
  nodesPerReplica: number[];
  seriesPerReplica: number[];
  /** Which replica (URL) exposes each node key. */
  exposer: Map<string, string>;
};

function samplesOf<T>(rows: readonly TableRow<T>[], item: T): number {
  let n = 0;
  for (const row of rows) {
    const v = row.value(item);
    n += v === undefined ? 0 : typeof v === 'number' ? 1 : v.length;
  }
  return n;
}

const INSTANCE = /[{,]instance="([^"]*)"/;
const CONTAINER = /[{,]id="\/docker\/([0-9a-f]+)"/;

export async function scrapeAll(urls: readonly string[]): Promise<string[]> {
  return Promise.all(
    urls.map(async (u) => {
      const res = await fetch(`${u}/metrics`, { signal: AbortSignal.timeout(30_000) });
      if (!res.ok) throw new Error(`${u}/metrics answered ${res.status}`);
      return res.text();
    }),
  );
}

export function checkReplicas(urls: readonly string[], texts: readonly string[], fleet: Fleet): ReplicaReport {
  const problems: string[] = [];
  const node = { id: 'x'.repeat(25), hostname: 'x' };
  const perContainer = samplesOf(CONTAINER_TABLE.rows, containerRecord(node, 0, 1, new Date()));
  const perHost = samplesOf(HOST_SERIES, hostRecord(node, 1, new Date()));
  const hostNames = new Set(HOST_SERIES.map((r) => r.name));
  const truth = new Map<string, { name: string; ids: Set<string>; usage: number }>();
  for (const [name, n] of fleet) {
    const ids = new Set(Array.from({ length: n }, (_, i) => simulatedContainerId(name, i)));
    let usage = 0;
    for (let i = 0; i < n; i++) usage += simulatedUsageBytes(i);
    truth.set(simulatedNodeId(name), { name, ids, usage });
  }
  const seen = new Set<string>();
  const containerSeries = new Map<string, number>();
  const hostSeries = new Map<string, number>();
  const lastSeen = new Map<string, number>();
  const usage = new Map<string, number>();
  const exposer = new Map<string, string>();
  const nodesPerReplica: number[] = [];
  const seriesPerReplica: number[] = [];
  let duplicates = 0;
  texts.forEach((text, r) => {
    const nodes = new Set<string>();
    let series = 0;
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const instance = INSTANCE.exec(line)?.[1];
      if (instance === undefined) continue;
      series++;
      const key = line.slice(0, line.lastIndexOf(' '));
      if (seen.has(key)) {
        if (duplicates++ < 3) problems.push(`twice: ${key.slice(0, 160)}`);
      }
      seen.add(key);
      nodes.add(instance);
      const prev = exposer.get(instance);
      if (prev && prev !== urls[r]) problems.push(`node ${instance} exposed by ${prev} and ${urls[r]}`);
      exposer.set(instance, urls[r]!);
      const container = CONTAINER.exec(line)?.[1];
      if (container) {
        containerSeries.set(`${instance}/${container}`, (containerSeries.get(`${instance}/${container}`) ?? 0) + 1);
        if (line.startsWith('container_memory_usage_bytes{'))
          usage.set(instance, (usage.get(instance) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
      } else if (hostNames.has(line.slice(0, line.indexOf('{'))))
        hostSeries.set(instance, (hostSeries.get(instance) ?? 0) + 1);
      else if (line.startsWith('swarmscope_collector_last_seen_timestamp_seconds{'))
        lastSeen.set(instance, (lastSeen.get(instance) ?? 0) + 1);
    }
    nodesPerReplica.push(nodes.size);
    seriesPerReplica.push(series);
  });
  if (duplicates) problems.push(`${duplicates} series exposed more than once`);
  for (const instance of exposer.keys()) if (!truth.has(instance)) problems.push(`unexpected node ${instance}`);
  let missingNodes = 0;
  let wrongContainers = 0;
  for (const [key, t] of truth) {
    if (!exposer.has(key)) {
      if (missingNodes++ < 3) problems.push(`node ${t.name} (${key}) exposed by no replica`);
      continue;
    }
    for (const id of t.ids)
      if (containerSeries.get(`${key}/${id}`) !== perContainer && wrongContainers++ < 3)
        problems.push(
          `container ${t.name}/${id.slice(0, 12)}: ${containerSeries.get(`${key}/${id}`) ?? 0} of ${perContainer} series`,
        );
    let extra = 0;
    for (const k of containerSeries.keys()) if (k.startsWith(`${key}/`) && !t.ids.has(k.slice(key.length + 1))) extra++;
    if (extra) problems.push(`node ${t.name}: ${extra} containers that are not its own`);
    if (hostSeries.get(key) !== perHost)
      problems.push(`node ${t.name}: ${hostSeries.get(key) ?? 0} of ${perHost} host series`);
    if (lastSeen.get(key) !== 1) problems.push(`node ${t.name}: collector series ${lastSeen.get(key) ?? 0} times`);
    if (usage.get(key) !== t.usage)
      problems.push(`node ${t.name}: memory usage sums to ${usage.get(key)}, truth ${t.usage}`);
  }
  if (missingNodes) problems.push(`${missingNodes} nodes missing`);
  if (wrongContainers) problems.push(`${wrongContainers} containers with missing or extra series`);
  return { ok: problems.length === 0, problems, nodesPerReplica, seriesPerReplica, exposer };
}
