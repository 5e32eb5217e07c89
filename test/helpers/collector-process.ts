// A real collector as a child process (`node bin/swarmscope.ts collector`) against the test
// engine, with a private data dir: started, stopped, and measured from outside (CPU, RSS from
// /proc; its durable queue on disk) so that figures are the collector's own, not the test's.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heartbeatPath } from '../../collector/heartbeat.ts';
import { parseBatchFileName } from '../../collector/pipeline/disk-queue.ts';
import { procCpuSeconds, procRssBytes } from './aggregator-process.ts';
import { testEnv } from './env.ts';
import { waitFor } from './wait.ts';

const entry = fileURLToPath(new URL('../../bin/swarmscope.ts', import.meta.url));

export class CollectorProcess {
  readonly dataDir: string;
  private readonly env: NodeJS.ProcessEnv;
  private child: ChildProcess | undefined;
  stderr = '';

  private constructor(dataDir: string, env: NodeJS.ProcessEnv) {
    this.dataDir = dataDir;
    this.env = env;
  }

  /** Starts it and waits for its first sampling round (the heartbeat file). */
  static async start(
    aggregator: { urls: string[]; token: string },
    env: Record<string, string> = {},
  ): Promise<CollectorProcess> {
    const dataDir = await mkdtemp(join(tmpdir(), 'swarmscope-colp-'));
    const c = new CollectorProcess(dataDir, {
      ...process.env,
      DOCKER_HOST: testEnv.dockerHost,
      SWARMSCOPE_DOCKER_ROOT: testEnv.dockerRoot,
      SWARMSCOPE_AGGREGATOR_URL: aggregator.urls.join(','),
      SWARMSCOPE_TOKEN: aggregator.token,
      SWARMSCOPE_DATA_DIR: dataDir,
      SWARMSCOPE_LOG_LEVEL: process.env.SWARMSCOPE_TEST_LOG_LEVEL ?? 'warn',
      ...env,
    });
    const child = spawn(process.execPath, [entry, 'collector'], { env: c.env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (c.stderr = (c.stderr + d).slice(-20_000)));
    c.child = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`collector exited with ${child.exitCode}: ${c.stderr.slice(-2000)}`);
        return (await stat(heartbeatPath(dataDir)).catch(() => undefined)) ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the collector child process' },
    );
    return c;
  }

  get exitCode(): number | null {
    return this.child?.exitCode ?? null;
  }

  rssBytes(): number {
    return procRssBytes(this.child?.pid);
  }

  cpuSeconds(): number {
    return procCpuSeconds(this.child?.pid);
  }

  /** Batches and bytes in its durable queue on disk (not yet acknowledged), by class. */
  async queue(): Promise<{ batches: number; bytes: number; logBatches: number }> {
    const dir = join(this.dataDir, 'queue');
    const names = await readdir(dir).catch(() => [] as string[]);
    const out = { batches: 0, bytes: 0, logBatches: 0 };
    for (const name of names) {
      const parts = parseBatchFileName(name);
      if (!parts) continue;
      const st = await stat(join(dir, name)).catch(() => undefined);
      if (!st) continue; // acknowledged and removed meanwhile
      out.batches++;
      out.bytes += st.size;
      if (parts.cls === 'logs') out.logBatches++;
    }
    return out;
  }

  /** SIGTERM (a clean close), then its data dir is removed. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
