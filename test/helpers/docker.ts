// Driving the test Docker Engine with its own CLI (DOCKER_HOST from the test environment).
// Every container a test starts carries the label swarmscope.test so cleanup can find it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { testEnv } from './env.ts';

const exec = promisify(execFile);

export async function docker(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await exec('docker', args, {
      env: { ...process.env, DOCKER_HOST: testEnv.dockerHost },
      maxBuffer: 64 * 1024 * 1024,
      timeout: opts.timeoutMs ?? 120_000,
    });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`docker ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** `docker run -d` of the workload image (network none unless the args say otherwise); returns the full id. */
export async function runContainer(args: string[], command: string[]): Promise<string> {
  const network = args.some((a) => a.startsWith('--network')) ? [] : ['--network', 'none'];
  return docker(['run', '-d', '--label', 'swarmscope.test=1', ...network, ...args, testEnv.workloadImage, ...command]);
}

export async function removeContainers(ids: string[]): Promise<void> {
  if (ids.length) await docker(['rm', '-f', ...ids]).catch(() => undefined);
}

export async function inspect<T = Record<string, unknown>>(id: string): Promise<T> {
  return (JSON.parse(await docker(['inspect', id])) as T[])[0]!;
}
