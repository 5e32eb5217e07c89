// A private multi-node Swarm for stack tests: one dockerd per node, each in its own network
// namespace (veth into a bridge of ours, 10.x addresses we choose), UTS namespace (its own host
// name) and mount namespace (its own /var/lib/docker and /run, so the stack's host paths —
// /var/run/docker.sock, /var/lib/docker/containers — mean that node's). Never touches the shared
// test engine. close() removes everything it made, and create() first sweeps what a crashed run left.
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, readdir, readlink, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { waitFor } from '../helpers/wait.ts';

const exec = promisify(execFile);
const LIB = '/var/lib/swarmscope-stack-test';
const RUN = '/run/swarmscope-stack-test';
/** The mount point each node's own data root is bound on (created on the host if missing, removed after). */
const DOCKER_ROOT = '/var/lib/docker';

export type SwarmNode = {
  index: number;
  hostname: string;
  ip: string;
  host: string;
  pid: number;
  mntNs: string;
  dir: string;
  log: string;
};

async function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await exec(cmd, args, {
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 300_000,
    });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr || e.message).trim().slice(-2000)}`);
  }
}

async function alive(pid: number): Promise<boolean> {
  const s = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const state = s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3);
  return s !== '' && state !== 'Z';
}

async function stopPid(pid: number, graceMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (await alive(pid))) await sleep(200);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

export class TestSwarm {
  readonly id: string;
  readonly subnet: string;
  readonly bridge: string;
  readonly bridgeIp: string;
  readonly nodes: SwarmNode[] = [];
  private createdDockerRoot = false;
  private joinToken = '';

  private constructor(id: string, subnet: string) {
    this.id = id;
    this.subnet = subnet;
    this.bridge = `ssb${id}`;
    this.bridgeIp = `${subnet}.1`;
  }

  static async create(): Promise<TestSwarm> {
    await sweepLeftovers();
    const swarm = new TestSwarm(randomBytes(3).toString('hex'), `10.${randomInt(200, 250)}.${randomInt(1, 250)}`);
    await mkdir(join(LIB, swarm.id), { recursive: true });
    await mkdir(join(RUN, swarm.id), { recursive: true });
    await writeFile(join(LIB, swarm.id, 'owner'), `${process.pid}\n`);
    try {
      await stat(DOCKER_ROOT);
    } catch {
      await mkdir(DOCKER_ROOT);
      swarm.createdDockerRoot = true;
      await writeFile(join(LIB, swarm.id, 'created-docker-root'), '');
    }
    await sh('ip', ['link', 'add', swarm.bridge, 'type', 'bridge']);
    await sh('ip', ['addr', 'add', `${swarm.bridgeIp}/24`, 'dev', swarm.bridge]);
    await sh('ip', ['link', 'set', swarm.bridge, 'up']);
    return swarm;
  }

  /** Starts a node's dockerd (not yet in the swarm). */
  async addNode(): Promise<SwarmNode> {
    const index = this.nodes.length;
    const ns = `ssn-${this.id}-${index}`;
    const veth = `ssv${this.id}${index}`;
    const ip = `${this.subnet}.${10 + index}`;
    const hostname = `ssnode-${this.id}-${index}`;
    const lib = join(LIB, this.id, `n${index}`);
    const run = join(RUN, this.id, `n${index}`);
    await mkdir(lib, { recursive: true });
    await mkdir(run, { recursive: true });
    await sh('ip', ['netns', 'add', ns]);
    await sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`]);
    await sh('ip', ['link', 'set', veth, 'master', this.bridge, 'up']);
    await sh('ip', ['link', 'set', `${veth}p`, 'netns', ns]);
    await sh('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', `${veth}p`]);
    await sh('ip', ['-n', ns, 'link', 'set', `${veth}p`, 'up']);
    await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const log = join(LIB, this.id, `n${index}.log`);
    const script = [
      `hostname ${hostname}`,
      `mount --bind ${lib} ${DOCKER_ROOT}`,
      `mount --bind ${run} /run`,
      'exec dockerd --bridge=none --iptables=false --ip-forward=false --ip-masq=false --data-root=/var/lib/docker --exec-root=/run/docker ' +
        '--host=unix:///run/docker.sock --pidfile=/run/docker.pid --containerd-namespace=ssnode --containerd-plugins-namespace=ssnode-plugins --log-driver=json-file',
    ].join(' && ');
    // nsenter --net, not `ip netns exec` (which remounts /sys and hides the cgroup tree).
    const fd = openSync(log, 'a');
    const child = spawn(
      'nsenter',
      [
        `--net=/var/run/netns/${ns}`,
        '--',
        'unshare',
        '--uts',
        '--mount',
        '--propagation',
        'private',
        '--',
        '/bin/sh',
        '-c',
        script,
      ],
      { detached: true, stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    child.unref();
    const pid = child.pid!;
    await writeFile(join(LIB, this.id, `n${index}.pid`), `${pid}\n`);
    const host = `unix://${run}/docker.sock`;
    await waitFor(
      async () => (await sh('docker', ['version', '--format', '{{.Server.Version}}'], { DOCKER_HOST: host })) !== '',
      { timeoutMs: 90_000, intervalMs: 500, what: `dockerd of node ${index} (log ${log})` },
    );
    const mntNs = await readlink(`/proc/${pid}/ns/mnt`);
    const node: SwarmNode = { index, hostname, ip, host, pid, mntNs, dir: lib, log };
    this.nodes.push(node);
    return node;
  }

  docker(node: SwarmNode, args: string[]): Promise<string> {
    return sh('docker', args, { DOCKER_HOST: node.host });
  }

  /** The first node inits the swarm; every later one joins as a worker. */
  async joinSwarm(node: SwarmNode): Promise<void> {
    const addr = [`--advertise-addr`, node.ip, '--listen-addr', `${node.ip}:2377`];
    if (node.index === 0) {
      await this.docker(node, ['swarm', 'init', ...addr]);
      this.joinToken = await this.docker(node, ['swarm', 'join-token', '-q', 'worker']);
      return;
    }
    await this.docker(node, ['swarm', 'join', '--token', this.joinToken, ...addr, `${this.nodes[0]!.ip}:2377`]);
  }

  get manager(): SwarmNode {
    return this.nodes[0]!;
  }

  async close(): Promise<void> {
    for (const node of this.nodes) await stopNode(node.pid, node.mntNs);
    await removeNetwork(this.id, this.bridge);
    await removeDirs(this.id, this.createdDockerRoot);
  }
}

/** Stops a node's dockerd (it stops its containers and containerd), then anything left in its namespace. */
async function stopNode(pid: number, mntNs: string | undefined): Promise<void> {
  await stopPid(pid, 30_000);
  if (!mntNs) return;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if ((await readlink(`/proc/${entry}/ns/mnt`).catch(() => '')) === mntNs) await stopPid(Number(entry), 5_000);
  }
}

async function removeNetwork(id: string, bridge: string): Promise<void> {
  const namespaces = (await sh('ip', ['netns', 'list']).catch(() => ''))
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(`ssn-${id}-`));
  for (const ns of namespaces) await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
  await sh('ip', ['link', 'del', bridge]).catch(() => undefined);
}

async function removeDirs(id: string, createdDockerRoot: boolean): Promise<void> {
  await rm(join(LIB, id), { recursive: true, force: true });
  await rm(join(RUN, id), { recursive: true, force: true });
  if (createdDockerRoot) await rmdir(DOCKER_ROOT).catch(() => undefined);
}

/** Removes what an earlier run left when its owner process is gone (a crash or a killed worker). */
async function sweepLeftovers(): Promise<void> {
  for (const id of await readdir(LIB).catch(() => [] as string[])) {
    const owner = Number.parseInt(await readFile(join(LIB, id, 'owner'), 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && (await alive(owner))) continue;
    for (const f of (await readdir(join(LIB, id)).catch(() => [] as string[])).filter((n) => /^n\d+\.pid$/.test(n))) {
      const pid = Number.parseInt(await readFile(join(LIB, id, f), 'utf8'), 10);
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmd.includes('dockerd')) await stopNode(pid, await readlink(`/proc/${pid}/ns/mnt`).catch(() => undefined));
    }
    const createdRoot = await stat(join(LIB, id, 'created-docker-root')).then(
      () => true,
      () => false,
    );
    await removeNetwork(id, `ssb${id}`);
    await removeDirs(id, createdRoot);
  }
}
