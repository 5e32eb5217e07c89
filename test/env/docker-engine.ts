// Our private Docker Engine: a dockerd on its own socket, data root and exec root, with no bridge and
// no iptables, made a single-node swarm manager on loopback; stopped together with every service and
// container tests left behind. The swarm and the images stay in the data root so restarts are quick.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { engineJson, engineRequest } from './docker-socket.ts';
import { EnvError } from './env-error.ts';
import { choosePort } from './env-state.ts';
import { progress, stateDir, systemDataDir, systemRunDir } from './paths.ts';
import { isAlive, livePid, logTail, run, spawnDaemon, stopProcess, waitFor } from './processes.ts';

export const dockerRoot = join(systemDataDir, 'docker');
const execRoot = join(systemRunDir, 'exec');
const socketPath = join(systemRunDir, 'docker.sock');
// Next to the socket, not in .cache/env: the engine is machine-wide, and a lost pid file must not
// let a second dockerd start on the same data root.
const pidFile = join(systemRunDir, 'dockerd.pid');
const logFile = join(stateDir, 'dockerd.log');
export const dockerHost = `unix://${socketPath}`;

/** Starts our dockerd unless it is running; returns whether it was started now. */
export async function ensureDockerEngine(): Promise<boolean> {
  if ((await livePid(pidFile, socketPath)) !== undefined) {
    await waitForEngine();
    return false;
  }
  if (await answersPing()) {
    progress(`a dockerd without our pid file answers on ${socketPath}: using it, and leaving it running`);
    return false;
  }
  await Promise.all([
    mkdir(dockerRoot, { recursive: true }),
    mkdir(execRoot, { recursive: true }),
    mkdir(stateDir, { recursive: true }),
  ]);
  progress(`starting dockerd on ${socketPath} (data root ${dockerRoot}, log ${logFile})`);
  const pid = spawnDaemon('dockerd', daemonArgs(), { logFile });
  await waitForEngine(pid);
  return true;
}

function daemonArgs(): string[] {
  return [
    '--bridge=none',
    '--iptables=false',
    '--ip-forward=false',
    '--ip-masq=false',
    `--data-root=${dockerRoot}`,
    `--exec-root=${execRoot}`,
    `--host=unix://${socketPath}`,
    `--pidfile=${pidFile}`,
    // Own containerd namespaces, in case a system containerd is running and dockerd attaches to it.
    '--containerd-namespace=swarmscope-test',
    '--containerd-plugins-namespace=swarmscope-test-plugins',
    '--log-driver=json-file',
  ];
}

async function waitForEngine(pid?: number): Promise<void> {
  // A data root that has seen many test containers makes dockerd clean up stale network
  // sandboxes before it answers (seen: 73 s); a dead daemon still fails fast through giveUpIf.
  await waitFor('dockerd /_ping', async () => ((await answersPing()) ? true : undefined), {
    timeoutMs: 240_000,
    remedy: `read ${logFile}`,
    giveUpIf: async () =>
      pid !== undefined && !(await isAlive(pid)) ? `dockerd exited:\n${await logTail(logFile)}` : undefined,
  });
}

async function answersPing(): Promise<boolean> {
  const response = await engineRequest(socketPath, 'GET', '/_ping', 1_000).catch(() => undefined);
  return response?.status === 200;
}

type SwarmInfo = { Swarm: { LocalNodeState: string; ControlAvailable: boolean } };

/** Makes the engine a swarm manager; `mayInit` is false for an engine that is not ours. */
export async function ensureSwarm(engineSocket: string, host: string, mayInit: boolean): Promise<void> {
  const state = await waitFor(
    'a settled swarm state',
    async () => {
      const info = await engineJson<SwarmInfo>(engineSocket, '/info');
      return info.Swarm.LocalNodeState === 'pending' ? undefined : info.Swarm;
    },
    { timeoutMs: 60_000, remedy: `read ${logFile}` },
  );
  if (state.LocalNodeState === 'active' && state.ControlAvailable) return;
  if (state.LocalNodeState === 'inactive' && mayInit) {
    const port = await choosePort(2377); // another swarm on this host may hold the usual port
    progress(`initialising a single-node swarm on 127.0.0.1:${port}`);
    await docker(host, [
      'swarm',
      'init',
      '--advertise-addr',
      `127.0.0.1:${port}`,
      '--listen-addr',
      `127.0.0.1:${port}`,
    ]);
    return;
  }
  throw new EnvError(
    'ENV_ERR_DOCKER',
    `the engine at ${host} is not a swarm manager (state ${state.LocalNodeState})`,
    mayInit
      ? `stop the environment (npm run env:down) and remove ${join(dockerRoot, 'swarm')}`
      : `run \`docker swarm init --advertise-addr 127.0.0.1\` against ${host}, or unset DOCKER_HOST to use the test engine`,
  );
}

/** Runs the docker CLI against `host`. */
export function docker(host: string, args: readonly string[]): Promise<string> {
  return run(
    'docker',
    args,
    { env: { ...process.env, DOCKER_HOST: host } },
    `check the engine at ${host} (log ${logFile})`,
  );
}

/** Removes what tests left (services, containers, unused networks and volumes), then stops dockerd. */
export async function stopDockerEngine(): Promise<boolean> {
  const pid = await livePid(pidFile, socketPath);
  if (pid === undefined) return false;
  progress('removing test services and containers, stopping dockerd');
  // Leftovers must not keep the engine running: a failed cleanup is reported and the stop goes on.
  await removeLeftovers().catch((error: unknown) =>
    progress(
      `warning: cleanup before stopping dockerd failed: ${error instanceof Error ? error.message : String(error)}`,
    ),
  );
  await stopProcess(pid, 60_000);
  await stopOrphanedContainerd();
  return true;
}

async function removeLeftovers(): Promise<void> {
  const info = await engineJson<SwarmInfo>(socketPath, '/info');
  if (info.Swarm.ControlAvailable) await removeAll(['service', 'ls', '-q'], ['service', 'rm']);
  await removeAll(['ps', '-aq'], ['rm', '-f', '-v']);
  await docker(dockerHost, ['network', 'prune', '-f']);
  await docker(dockerHost, ['volume', 'prune', '-f']);
}

async function removeAll(list: readonly string[], remove: readonly string[]): Promise<void> {
  const ids = (await docker(dockerHost, list)).split('\n').filter(Boolean);
  if (ids.length > 0) await docker(dockerHost, [...remove, ...ids]);
}

/** dockerd stops the containerd it supervises; this only matters when dockerd had to be killed. */
async function stopOrphanedContainerd(): Promise<void> {
  const containerdPidFile = join(execRoot, 'containerd', 'containerd.pid');
  const pid = await livePid(containerdPidFile, 'containerd');
  if (pid !== undefined) await stopProcess(pid, 10_000);
}
