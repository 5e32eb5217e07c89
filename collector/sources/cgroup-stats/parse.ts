// Parsers for the kernel's cgroup file formats: flat keyed ("key value" per line) and single values.
// Pure functions over text so that fixtures in the exact kernel formats test them.
import { readFile } from 'node:fs/promises';

/** A cgroup file's text, or undefined when the kernel or controller does not provide it. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** "key value\n" lines → map (cpu.stat, memory.stat, memory.events, cpuacct.stat). */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) out.set(line.slice(0, space), value);
  }
  return out;
}

/** A single integer, or undefined for "max" (v2's unlimited). */
export function parseSingle(text: string): number | undefined {
  const t = text.trim();
  if (t === 'max' || t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** v1 reports "unlimited" as a huge page-rounded number (≥ 2^62); treat it as no limit. */
export function v1Limit(value: number | undefined): number | undefined {
  return value === undefined || value >= 2 ** 62 ? undefined : value;
}
