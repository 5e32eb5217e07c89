// A real aggregator as a child process (`node bin/swarmscope.ts aggregator`) on a fixed loopback
// port, so that kill -9 is a real crash and a restart serves the same URL. Reads its RSS and
// CPU time from /proc for the figures.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.ts';

const entry = fileURLToPath(new URL('../../bin/swarmscope.ts', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class AggregatorProcess {
  readonly url: string;
  private readonly env: NodeJS.ProcessEnv;
  private child: ChildProcess | undefined;
  /** CPU seconds of processes that already exited (kill -9 loses nothing from the total). */
  private pastCpuSeconds = 0;
  stderr = '';

  private readonly entry: string;

  /** `entryPath`: another checkout's `bin/swarmscope.ts` (a bench comparing two trees); this one's by default. */
  constructor(port: number, env: Record<string, string>, entryPath = entry) {
    this.entry = entryPath;
    this.url = `http://127.0.0.1:${port}`;
    this.env = {
      ...process.env,
      SWARMSCOPE_LISTEN: `127.0.0.1:${port}`,
      SWARMSCOPE_LOG_LEVEL: process.env.SWARMSCOPE_TEST_LOG_LEVEL ?? 'warn',
      ...env,
    };
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [this.entry, 'aggregator'], {
      env: this.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-20_000)));
    this.child = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`aggregator exited with ${child.exitCode}: ${this.stderr.slice(-2000)}`);
        const res = await fetch(`${this.url}/healthz`).catch(() => undefined);
        return res?.ok ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `aggregator on ${this.url}` },
    );
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** A real crash: SIGKILL, then wait until the process is gone. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.pastCpuSeconds += this.cpuSeconds(false);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Resident memory now, in bytes (0 when not running). */
  rssBytes(): number {
    return procRssBytes(this.child?.pid);
  }

  /** User + system CPU seconds of this aggregator, across restarts when `total`. */
  cpuSeconds(total = true): number {
    const now = procCpuSeconds(this.child?.pid);
    return total ? this.pastCpuSeconds + now : now;
  }
}

/** Resident memory of a live process, in bytes (0 when it is gone). */
export function procRssBytes(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU seconds of a live process (0 when it is gone). */
export function procCpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return 0;
  }
}
