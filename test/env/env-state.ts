// The environment's remembered state in .cache/env/state.json (generated passwords and chosen ports),
// the lock that keeps two starts from racing, and loopback port selection.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvError } from './env-error.ts';
import { progress, stateDir } from './paths.ts';
import { isAlive } from './processes.ts';

export type PortName = 'elasticsearch' | 'prometheus' | 'alertmanager';
export type EnvState = {
  esAdminPassword: string;
  esWriterPassword: string;
  ports: Partial<Record<PortName, number>>;
};

const stateFile = join(stateDir, 'state.json');
const lockDir = join(stateDir, 'lock');
const lockWaitMs = 20 * 60_000;

/** Reads the state, creating it (with fresh random passwords) on first use. */
export async function loadState(): Promise<EnvState> {
  await mkdir(stateDir, { recursive: true });
  const text = await readFile(stateFile, 'utf8').catch(() => undefined);
  if (text !== undefined) return JSON.parse(text) as EnvState;
  const state: EnvState = { esAdminPassword: newPassword(), esWriterPassword: newPassword(), ports: {} };
  await saveState(state);
  return state;
}

export async function saveState(state: EnvState): Promise<void> {
  const temporary = `${stateFile}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, stateFile);
}

function newPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Runs `action` while holding .cache/env/lock; a lock left by a dead process is taken over. */
export async function withEnvLock<T>(action: () => Promise<T>): Promise<T> {
  await acquireLock();
  try {
    return await action();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function acquireLock(): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const deadline = Date.now() + lockWaitMs;
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(join(lockDir, 'pid'), 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && !(await isAlive(holder))) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new EnvError('ENV_ERR_LOCK', `${lockDir} is held by pid ${holder}`, `wait for that process, or remove ${lockDir} if it is gone`);
    }
    if (!announced) progress(`waiting for another environment start (pid ${holder}) to finish`);
    announced = true;
    await sleep(500);
  }
}

/** `preferred` if it is free on 127.0.0.1, otherwise a port the kernel picks. */
export async function choosePort(preferred: number): Promise<number> {
  return (await listenOnce(preferred)) ?? (await listenOnce(0)) ?? preferred;
}

function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(chosen));
    });
  });
}
