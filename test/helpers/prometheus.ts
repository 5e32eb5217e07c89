// The test Prometheus: point it at an aggregator (file_sd target file) and query its HTTP API.
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testEnv } from './env.ts';

export type PromSeries = { metric: Record<string, string>; value: [number, string] };

/** Makes Prometheus scrape `address` (host:port) under job swarmscope; returns a function that stops it. */
export async function scrapeTarget(name: string, address: string, labels: Record<string, string> = {}): Promise<() => Promise<void>> {
  const file = join(testEnv.prometheusTargetsDir, `${name}.json`);
  await writeFile(`${file}.tmp`, JSON.stringify([{ targets: [address], labels: { test: name, ...labels } }]));
  await rename(`${file}.tmp`, file);
  return () => rm(file, { force: true });
}

export async function promQuery(expr: string): Promise<PromSeries[]> {
  const res = await fetch(`${testEnv.prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: PromSeries[] } };
  if (body.status !== 'success') throw new Error(`PromQL ${expr} failed: ${body.error}`);
  return body.data.result;
}
