// Swarm services on the test engine for a test: unique names, the swarmscope.test label, removed
// after; readers of a service's state straight from the engine (the ground truth tests compare to).
import { randomBytes } from 'node:crypto';
import { DockerApi } from '../../collector/docker-api.ts';
import type { ApiTask } from '../../collector/sources/swarm-state/snapshot.ts';
import { docker } from './docker.ts';
import { testEnv } from './env.ts';

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** `docker service create -d` of the workload image (no network: nothing is published). */
export async function createService(name: string, args: string[], command: string[]): Promise<string> {
  return docker([
    'service',
    'create',
    '-d',
    '--quiet',
    '--name',
    name,
    '--label',
    'swarmscope.test=1',
    '--container-label',
    'swarmscope.test=1',
    ...args,
    testEnv.workloadImage,
    ...command,
  ]);
}

export async function removeServices(names: string[]): Promise<void> {
  if (names.length) await docker(['service', 'rm', ...names]).catch(() => undefined);
}

/** The engine's own task list for a service (one API call: a consistent view), every task it retains. */
export async function serviceTasks(
  name: string,
): Promise<
  Array<{ state: string; desired: string; error: string; exitCode: number | undefined; id: string; timestamp: string }>
> {
  const api = new DockerApi(testEnv.dockerHost);
  try {
    await api.negotiate();
    const tasks = await api.get<ApiTask[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [name] }))}`);
    return tasks.map((t) => ({
      id: t.ID,
      state: t.Status.State,
      desired: t.DesiredState,
      error: t.Status.Err ?? '',
      exitCode: t.Status.ContainerStatus?.ExitCode,
      timestamp: t.Status.Timestamp,
    }));
  } finally {
    await api.close();
  }
}

/** Parsed Prometheus exposition: every sample of `metric` with its labels. */
export async function scrape(
  url: string,
  metric: string,
): Promise<Array<{ labels: Record<string, string>; value: number }>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]),
    );
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}
