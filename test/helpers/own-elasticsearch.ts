// A second, private Elasticsearch for tests that stop and start it (an outage), so the shared one
// keeps serving the other tests; or a private cluster of several such nodes on loopback (one node to
// kill). It reuses the test environment's install (test/env/es-install.ts): same binaries, users and
// roles (a copy of its config dir), with its own ports, data and logs per node.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { esEnv, esHome } from '../env/es-install.ts';
import { systemDataDir } from '../env/paths.ts';
import { run } from '../env/processes.ts';
import { freePort } from './aggregator-process.ts';
import { testEnv } from './env.ts';
import { waitFor } from './wait.ts';

export type OwnElasticsearch = {
  url: string;
  /** SIGTERM, waited for. */
  stop: () => Promise<void>;
  /** SIGKILL, waited for: the node dies as a crashed machine's would. */
  kill: () => Promise<void>;
  start: () => Promise<void>;
  remove: () => Promise<void>;
};

export type OwnCluster = { urls: string[]; nodes: OwnElasticsearch[]; remove: () => Promise<void> };

type NodePlan = { name: string; root: string; httpPort: number; transportPort: number };

/** HTTPS on the node's HTTP port with this certificate and key (the CA is for the health wait). */
export type OwnTls = { certFile: string; keyFile: string; caFile: string };

export async function startOwnElasticsearch(opts: { tls?: OwnTls } = {}): Promise<OwnElasticsearch> {
  const plan = await planNode(`own-es-${randomBytes(3).toString('hex')}`);
  const node = await prepareNode(plan, plan.name, [], '512m', 1, opts.tls);
  await startOrRemove([node]);
  return node;
}

/**
 * `count` nodes of one cluster on loopback, security on as in the shared one. The first node is the
 * only master-eligible one (two master-eligible nodes cannot lose either and keep a quorum), the
 * others hold data only: kill one of those. Each node gets `heap` (default 512m).
 */
export async function startOwnCluster(count: number, heap = '512m'): Promise<OwnCluster> {
  const cluster = `own-esc-${randomBytes(3).toString('hex')}`;
  const plans: NodePlan[] = [];
  for (let i = 0; i < count; i++) plans.push(await planNode(`${cluster}-${i}`));
  const seeds = plans.map((p) => `127.0.0.1:${p.transportPort}`);
  const nodes: OwnElasticsearch[] = [];
  for (const [i, plan] of plans.entries()) {
    nodes.push(
      await prepareNode(
        plan,
        cluster,
        [
          `discovery.seed_hosts: ${JSON.stringify(seeds)}`,
          i === 0 ? `cluster.initial_master_nodes: ${JSON.stringify([plans[0]!.name])}` : '',
          `node.roles: ${JSON.stringify(i === 0 ? ['master', 'data', 'ingest'] : ['data', 'ingest'])}`,
        ],
        heap,
        count,
      ),
    );
  }
  await startOrRemove(nodes);
  return {
    urls: nodes.map((n) => n.url),
    nodes,
    remove: async () => {
      for (const n of nodes.slice().reverse()) await n.remove();
    },
  };
}

/**
 * Starts the nodes; if one fails, removes them all before the error goes on (a node that had
 * started was left running for the rest of the run when its peer could not bind its port).
 */
async function startOrRemove(nodes: OwnElasticsearch[]): Promise<void> {
  const started = await Promise.allSettled(nodes.map((n) => n.start()));
  const failed = started.find((r) => r.status === 'rejected');
  if (!failed) return;
  await Promise.all(nodes.map((n) => n.remove().catch(() => undefined)));
  throw failed.reason;
}

async function planNode(name: string): Promise<NodePlan> {
  return {
    name,
    root: join(systemDataDir, name),
    httpPort: await portBelowEphemeralRange(),
    transportPort: await portBelowEphemeralRange(),
  };
}

/** Ports handed out in this process: one is not bound until its node starts. */
const chosen = new Set<number>();

/**
 * A free port below the kernel's ephemeral range. Elasticsearch binds seconds after its ports are
 * chosen, and a port of that range (what listening on port 0 gives) can meanwhile become the local
 * port of any outgoing connection: a node then failed to start with "Address already in use" on
 * its HTTP port (45053) while other tests ran. Falls back to port 0's when the range starts low.
 */
async function portBelowEphemeralRange(): Promise<number> {
  const FLOOR = 20_000;
  const text = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '32768');
  const first = Number(text.trim().split(/\s+/)[0]);
  if (!(first > FLOOR + 1000)) return freePort();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = FLOOR + Math.floor(Math.random() * (first - FLOOR));
    if (!chosen.has(port) && (await canListen(port))) {
      chosen.add(port);
      return port;
    }
  }
  return freePort();
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function prepareNode(
  plan: NodePlan,
  clusterName: string,
  settings: string[],
  heap = '512m',
  waitForNodes = 1,
  tls?: OwnTls,
): Promise<OwnElasticsearch> {
  const { name, root, httpPort, transportPort } = plan;
  const conf = join(root, 'config');
  const uid = Number((await run('stat', ['-c', '%u', esHome])).trim());
  const gid = Number((await run('stat', ['-c', '%g', esHome])).trim());
  await mkdir(root, { recursive: true });
  await cp(join(esHome, 'config'), conf, { recursive: true });
  // Elasticsearch reads certificates only from inside its config directory.
  if (tls) {
    await cp(tls.certFile, join(conf, 'http.crt'));
    await cp(tls.keyFile, join(conf, 'http.key'));
  }
  const cluster = settings.some((l) => l.startsWith('discovery.seed_hosts'));
  const yml = (await readFile(join(conf, 'elasticsearch.yml'), 'utf8'))
    .split('\n')
    .filter((l) => !/^(http\.port|cluster\.name|node\.name|path\.|transport\.port)/.test(l))
    .filter((l) => !cluster || !l.startsWith('discovery.type'))
    .filter((l) => !tls || !l.startsWith('xpack.security.http.ssl'))
    .concat([
      `http.port: ${httpPort}`,
      `transport.port: ${transportPort}`,
      `cluster.name: ${clusterName}`,
      `node.name: ${name}`,
      `path.data: ${join(root, 'data')}`,
      `path.logs: ${join(root, 'logs')}`,
      ...settings.filter(Boolean),
      ...(tls
        ? [
            'xpack.security.http.ssl.enabled: true',
            'xpack.security.http.ssl.certificate: http.crt',
            'xpack.security.http.ssl.key: http.key',
          ]
        : []),
      '',
    ])
    .join('\n');
  await writeFile(join(conf, 'elasticsearch.yml'), yml);
  await writeFile(join(conf, 'jvm.options.d', 'swarmscope.options'), `-Xms${heap}\n-Xmx${heap}\n`);
  await run('chown', ['-R', `${uid}:${gid}`, root]);
  await chown(root, uid, gid);
  const pidFile = join(root, 'es.pid');
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${httpPort}`;
  const dispatcher = tls ? new Agent({ connect: { ca: await readFile(tls.caFile) } }) : undefined;
  const auth = `Basic ${Buffer.from(`${testEnv.esAdminUsername}:${testEnv.esAdminPassword}`).toString('base64')}`;

  const start = async () => {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(join(esHome, 'bin', 'elasticsearch'), ['-d', '-p', pidFile], {
        uid,
        gid,
        cwd: esHome,
        env: { ...esEnv(), ES_PATH_CONF: conf },
        stdio: 'ignore',
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`own Elasticsearch exited with ${code}; see ${root}/logs`)),
      );
    });
    await waitFor(
      async () => {
        const res = await undiciFetch(
          `${url}/_cluster/health?wait_for_status=yellow&wait_for_nodes=>=${waitForNodes}&timeout=2s`,
          { headers: { authorization: auth }, ...(dispatcher ? { dispatcher } : {}) },
        ).catch(() => undefined);
        return res?.ok ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: `own Elasticsearch on ${url}` },
    );
  };
  const end = async (signal: NodeJS.Signals) => {
    const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    if (!pid) return;
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    await waitFor(
      () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      { timeoutMs: 60_000, what: 'own Elasticsearch to exit' },
    );
    // A killed node leaves its pid file behind; a later start must not find it.
    await rm(pidFile, { force: true });
  };
  const stop = () => end('SIGTERM');
  return {
    url,
    start,
    stop,
    kill: () => end('SIGKILL'),
    remove: async () => {
      await stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
