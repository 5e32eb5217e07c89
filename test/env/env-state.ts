// The environment's remembered state: generated Elasticsearch passwords and chosen loopback ports,
// the machine-wide lock that keeps two starts from racing, and port selection. Elasticsearch and
// Docker are machine-wide, so Elasticsearch's part is kept with its installation, the rest per checkout.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvError } from './env-error.ts';
import { progress, stateDir, systemDataDir, systemRunDir } from './paths.ts';
import { isAlive } from './processes.ts';

export type PortName = 'elasticsearch' | 'prometheus' | 'alertmanager';
export type EnvState = {
  esAdminPassword: string;
  esWriterPassword: string;
  ports: Partial<Record<PortName, number>>;
};
type CheckoutState = { ports: Partial<Record<'prometheus' | 'alertmanager', number>> };
type ElasticsearchState = { esAdminPassword: string; esWriterPassword: string; port?: number };

/** Prometheus and Alertmanager ports: each checkout runs its own pair. */
const checkoutStateFile = join(stateDir, 'state.json');
/** Passwords baked into the machine-wide Elasticsearch's users file, and its port. */
const elasticsearchStateFile = join(systemDataDir, 'elasticsearch-state.json');
const lockDir = join(systemRunDir, 'lock');
const lockWaitMs = 20 * 60_000;

/** Reads the state, creating it (with fresh random passwords) on first use. */
export async function loadState(): Promise<EnvState> {
  const checkout = await readJson<CheckoutState>(checkoutStateFile, { ports: {} });
  const es = await readJson<ElasticsearchState>(elasticsearchStateFile, {
    esAdminPassword: newPassword(),
    esWriterPassword: newPassword(),
  });
  return {
    esAdminPassword: es.esAdminPassword,
    esWriterPassword: es.esWriterPassword,
    ports: { ...checkout.ports, elasticsearch: es.port },
  };
}

export async function saveState(state: EnvState): Promise<void> {
  const { elasticsearch, ...monitoringPorts } = state.ports;
  await writeJson(checkoutStateFile, { ports: monitoringPorts } satisfies CheckoutState);
  await writeJson(elasticsearchStateFile, {
    esAdminPassword: state.esAdminPassword,
    esWriterPassword: state.esWriterPassword,
    port: elasticsearch,
  } satisfies ElasticsearchState);
}

async function readJson<T>(file: string, initial: T): Promise<T> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? initial : (JSON.parse(text) as T);
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

function newPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Runs `action` while holding /run/swarmscope-test/lock; a lock left by a dead process is taken over. */
export async function withEnvLock<T>(action: () => Promise<T>): Promise<T> {
  await acquireLock();
  try {
    return await action();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function acquireLock(): Promise<void> {
  await mkdir(systemRunDir, { recursive: true });
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
      throw new EnvError(
        'ENV_ERR_LOCK',
        `${lockDir} is held by pid ${holder}`,
        `wait for that process, or remove ${lockDir} if it is gone`,
      );
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
