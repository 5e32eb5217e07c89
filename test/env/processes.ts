// Child processes of the test environment: run a command to completion, start a daemon detached with
// its output in a log file, and find, wait for or stop a daemon through its pid file.
// It knows nothing about any particular service.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvError } from './env-error.ts';

export type RunOptions = {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  timeoutMs?: number;
};
export type RunResult = { code: number; stdout: string; stderr: string };

/** Runs a command to completion; a non-zero exit is returned, not thrown. */
export function tryRun(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      uid: options.uid,
      gid: options.gid,
      timeout: options.timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      reject(
        new EnvError(
          'ENV_ERR_COMMAND',
          `cannot run ${command}: ${error.message}`,
          `check that ${command} is installed and on PATH`,
          { cause: error },
        ),
      );
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === null ? 1 : 128), stdout, stderr }));
  });
}

/** Runs a command and throws with the tail of its output when it exits non-zero. */
export async function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
  remedy = 'see the output above',
): Promise<string> {
  const result = await tryRun(command, args, options);
  if (result.code !== 0) {
    const output = tail(`${result.stdout}\n${result.stderr}`, 20);
    throw new EnvError(
      'ENV_ERR_COMMAND',
      `\`${command} ${args.join(' ')}\` exited with ${result.code}:\n${output}`,
      remedy,
    );
  }
  return result.stdout;
}

export type DaemonOptions = { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string };

/** Starts a long-lived process in its own session, output appended to `logFile`; returns its pid. */
export function spawnDaemon(command: string, args: readonly string[], options: DaemonOptions): number {
  const logFd = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    child.on('error', () => undefined); // a failed spawn shows as a missing pid below
    child.unref();
    if (child.pid === undefined) {
      throw new EnvError(
        'ENV_ERR_COMMAND',
        `cannot start ${command}`,
        `check that ${command} is installed and executable`,
      );
    }
    return child.pid;
  } finally {
    closeSync(logFd);
  }
}

/** True while the process exists and is not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * The pid recorded in `pidFile` if that process is alive and its command line contains `marker`
 * (so a recycled pid belonging to something else is never taken for our daemon).
 */
export async function livePid(pidFile: string, marker: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(pidFile, 'utf8').catch(() => ''), 10);
  if (!Number.isInteger(pid) || pid <= 0 || !(await isAlive(pid))) return undefined;
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return commandLine.replaceAll('\0', ' ').includes(marker) ? pid : undefined;
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs: number): Promise<void> {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) return;
    await sleep(100);
  }
  signal(pid, 'SIGKILL');
  while (await isAlive(pid)) await sleep(50);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export type WaitOptions = {
  timeoutMs: number;
  remedy: string;
  intervalMs?: number;
  /** Returns a reason to stop waiting early (the daemon died), or undefined to keep waiting. */
  giveUpIf?: () => Promise<string | undefined>;
};

/** Polls `probe` until it returns a value; probe errors count as "not yet" and the last is reported. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastProblem = 'no answer yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    const reason = await options.giveUpIf?.();
    if (reason !== undefined) {
      throw new EnvError('ENV_ERR_TIMEOUT', `gave up waiting for ${what}: ${reason}`, options.remedy);
    }
    if (Date.now() >= deadline) {
      throw new EnvError(
        'ENV_ERR_TIMEOUT',
        `${what} not ready after ${options.timeoutMs} ms (last: ${lastProblem})`,
        options.remedy,
      );
    }
    await sleep(options.intervalMs ?? 200);
  }
}

/** The last `lines` lines of a log file, for error messages; empty if it cannot be read. */
export async function logTail(file: string, lines = 30): Promise<string> {
  return tail(await readFile(file, 'utf8').catch(() => ''), lines);
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
