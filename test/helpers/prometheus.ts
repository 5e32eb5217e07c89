// The test Prometheus: point it at an aggregator (file_sd target file) and query its HTTP API.
import { copyFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testEnv } from './env.ts';

export type PromSeries = { metric: Record<string, string>; value: [number, string] };

/** Makes Prometheus scrape `address` (host:port) under job swarmscope; returns a function that stops it. */
export async function scrapeTarget(
  name: string,
  address: string,
  labels: Record<string, string> = {},
): Promise<() => Promise<void>> {
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

export type PromRangeSeries = { metric: Record<string, string>; values: Array<[number, string]> };

export async function promQueryRange(
  expr: string,
  opts: { startS: number; endS: number; stepS: number },
): Promise<PromRangeSeries[]> {
  const q = new URLSearchParams({
    query: expr,
    start: String(opts.startS),
    end: String(opts.endS),
    step: String(opts.stepS),
  });
  const res = await fetch(`${testEnv.prometheusUrl}/api/v1/query_range?${q}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: PromRangeSeries[] } };
  if (body.status !== 'success') throw new Error(`PromQL range ${expr} failed: ${body.error}`);
  return body.data.result;
}

/** /api/v1/label/<label>/values?match[]=selector: what Grafana's label_values(selector, label) lists. */
export async function promLabelValues(label: string, selector: string): Promise<string[]> {
  const res = await fetch(
    `${testEnv.prometheusUrl}/api/v1/label/${encodeURIComponent(label)}/values?${new URLSearchParams({ 'match[]': selector })}`,
  );
  const body = (await res.json()) as { status: string; error?: string; data: string[] };
  if (body.status !== 'success') throw new Error(`label values ${label} of ${selector} failed: ${body.error}`);
  return body.data;
}

/** Loads a rule file into the test Prometheus (copied under `name`, then /-/reload); returns a function that unloads it. */
export async function loadRules(name: string, ruleFile: string): Promise<() => Promise<void>> {
  const file = join(testEnv.prometheusTargetsDir, '..', 'rules', `${name}.yml`);
  await copyFile(ruleFile, `${file}.tmp`);
  await rename(`${file}.tmp`, file);
  await reload();
  return async () => {
    await rm(file, { force: true });
    await reload();
  };
}

async function reload(): Promise<void> {
  const res = await fetch(`${testEnv.prometheusUrl}/-/reload`, { method: 'POST' });
  if (!res.ok) throw new Error(`Prometheus reload failed: ${res.status} ${await res.text()}`);
}
