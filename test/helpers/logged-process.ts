// `node bin/swarmscope.ts <command>` as a child process whose whole output (stdout: the pino log;
// stderr) is kept, for tests that read what a component logged.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.ts';

const entry = fileURLToPath(new URL('../../bin/swarmscope.ts', import.meta.url));

export type LoggedProcess = {
  child: ChildProcess;
  /** Everything written so far (the last `keepChars` characters). */
  output: () => string;
  /** Lines written so far, all of them counted. */
  lines: () => number;
  stop: () => Promise<void>;
};

export function startLogged(args: string[], env: Record<string, string>, keepChars = 2_000_000): LoggedProcess {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let lines = 0;
  const keep = (d: string) => {
    lines += d.split('\n').length - 1;
    text = (text + d).slice(-keepChars);
  };
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  return {
    child,
    output: () => text,
    lines: () => lines,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Waits until `url`/healthz answers (or the process exits, which fails with its output). */
export async function waitHealthy(p: LoggedProcess, url: string): Promise<void> {
  await waitFor(
    async () => {
      if (p.child.exitCode !== null) throw new Error(`exited with ${p.child.exitCode}: ${p.output().slice(-2000)}`);
      const res = await fetch(`${url}/healthz`).catch(() => undefined);
      return res?.ok ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: `${url}/healthz` },
  );
}
