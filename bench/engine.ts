// What the container benches share: the engine under test (DOCKER_HOST, the workload image), the
// docker CLI against it, a bounded-width runner, and a process's CPU time and resident set.
import './bench-env.ts'; // first: the test environment, brought up when not exported
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { compile, DIST } from '../stack/compile.ts';

const exec = promisify(execFile);
export const dockerHost = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
export const image = process.env.SWARMSCOPE_WORKLOAD_IMAGE || 'swarmscope-workload:latest';

export const docker = (args: string[]) =>
  exec('docker', args, { env: { ...process.env, DOCKER_HOST: dockerHost }, maxBuffer: 64 << 20 });

/** Runs f over items, `width` at a time. */
export async function pool<T>(items: T[], width: number, f: (t: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) await f(t);
    }),
  );
}

/** This process's CPU time (user + system), in seconds. */
export const processCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Resident set of a live process in bytes (VmRSS), 0 once it is gone. */
export function rssBytes(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * The collector's Node flags as the stack runs it: those of its service's entrypoint in
 * stack/swarmscope.yml (`node <flags> /app/dist/bin/swarmscope.js`), so benches start it the same way
 * (SWARMSCOPE_BENCH_COLLECTOR_FLAGS overrides, to compare).
 */
export const COLLECTOR_NODE_FLAGS = (
  process.env.SWARMSCOPE_BENCH_COLLECTOR_FLAGS?.split(' ') ?? stackCollectorFlags()
).filter(Boolean);

function stackCollectorFlags(): string[] {
  const stack = parse(readFileSync(new URL('../stack/swarmscope.yml', import.meta.url), 'utf8')) as {
    services: { collector: { entrypoint?: string[] } };
  };
  return (stack.services.collector.entrypoint ?? []).filter((a) => a.startsWith('--'));
}

/** The collector's entry as the image runs it: the server compiled to JavaScript (stack/compile.ts) into dist/, afresh. */
export async function compiledEntry(): Promise<string> {
  await compile();
  return join(DIST, 'bin', 'swarmscope.js');
}
