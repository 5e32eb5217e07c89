// Our private Docker Engine: a dockerd on its own socket, data root and exec root, with no bridge and
// no iptables, made a single-node swarm manager on loopback; stopped together with every service and
// container tests left behind. The swarm and the images stay in the data root so restarts are quick.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { engineJson, engineRequest } from './docker-socket.ts';
import { EnvError } from './env-error.ts';
import { progress, stateDir, systemDataDir, systemRunDir } from './paths.ts';
import { isAlive, livePid, logTail, run, spawnDaemon, stopProcess, waitFor } from './processes.ts';

export const dockerRoot = join(systemDataDir, 'docker');
const execRoot = join(systemRunDir, 'exec');
const socketPath = join(systemRunDir, 'docker.sock');
const pidFile = join(stateDir, 'dockerd.pid');
const logFile = join(stateDir, 'dockerd.log');
export const dockerHost = `unix://${socketPath}`;

/** Starts our dockerd unless it is running; returns whether it was started now. */
export async function ensureDockerEngine(): Promise<boolean> {
  if ((await livePid(pidFile, socketPath)) !== undefined) {
    await waitForEngine();
    return false;
  }
  await Promise.all([mkdir(dockerRoot, { recursive: true }), mkdir(execRoot, { recursive: true }), mkdir(stateDir, { recursive: true })]);
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
  await waitFor('dockerd /_ping', async () => ((await engineRequest(socketPath, 'GET', '/_ping', 1_000)).status === 200 ? true : undefined), {
    timeoutMs: 60_000,
    remedy: `read ${logFile}`,
    giveUpIf: async () => (pid !== undefined && !(await isAlive(pid)) ? `dockerd exited:\n${await logTail(logFile)}` : undefined),
  });
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
    progress('initialising a single-node swarm on 127.0.0.1');
    await docker(host, ['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', '127.0.0.1:2377']);
    return;
  }
  throw new EnvError(
    'ENV_ERR_DOCKER',
    `the engine at ${host} is not a swarm manager (state ${state.LocalNodeState})`,
    mayInit ? `stop the environment (npm run env:down) and remove ${join(dockerRoot, 'swarm')}` : `run \`docker swarm init --advertise-addr 127.0.0.1\` against ${host}, or unset DOCKER_HOST to use the test engine`,
  );
}

/** Runs the docker CLI against `host`. */
export function docker(host: string, args: readonly string[]): Promise<string> {
  return run('docker', args, { env: { ...process.env, DOCKER_HOST: host } }, `check the engine at ${host} (log ${logFile})`);
}

/** Removes what tests left (services, containers, unused networks and volumes), then stops dockerd. */
export async function stopDockerEngine(): Promise<boolean> {
  const pid = await livePid(pidFile, socketPath);
  if (pid === undefined) return false;
  progress('removing test services and containers, stopping dockerd');
  await removeLeftovers();
  await stopProcess(pid, 60_000);
  await stopOrphanedContainerd();
  return true;
}

async function removeLeftovers(): Promise<void> {
  const services = (await docker(dockerHost, ['service', 'ls', '-q'])).split('\n').filter(Boolean);
  if (services.length > 0) await docker(dockerHost, ['service', 'rm', ...services]);
  const containers = (await docker(dockerHost, ['ps', '-aq'])).split('\n').filter(Boolean);
  if (containers.length > 0) await docker(dockerHost, ['rm', '-f', '-v', ...containers]);
  await docker(dockerHost, ['network', 'prune', '-f']);
  await docker(dockerHost, ['volume', 'prune', '-f']);
}

/** dockerd stops the containerd it supervises; this only matters when dockerd had to be killed. */
async function stopOrphanedContainerd(): Promise<void> {
  const containerdPidFile = join(execRoot, 'containerd', 'containerd.pid');
  const pid = await livePid(containerdPidFile, 'containerd');
  if (pid !== undefined) await stopProcess(pid, 10_000);
}
