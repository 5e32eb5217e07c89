// A second, private Elasticsearch for tests that stop and start it (an outage), so the shared one
// keeps serving the other tests. It reuses the test environment's install (test/env/es-install.ts):
// same binaries, users and roles (a copy of its config dir), with its own port, data and logs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { esEnv, esHome } from '../env/es-install.ts';
import { systemDataDir } from '../env/paths.ts';
import { run } from '../env/processes.ts';
import { freePort } from './aggregator-process.ts';
import { testEnv } from './env.ts';
import { waitFor } from './wait.ts';

export type OwnElasticsearch = {
  url: string;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  remove: () => Promise<void>;
};

export async function startOwnElasticsearch(): Promise<OwnElasticsearch> {
  const name = `own-es-${randomBytes(3).toString('hex')}`;
  const root = join(systemDataDir, name);
  const conf = join(root, 'config');
  const uid = Number((await run('stat', ['-c', '%u', esHome])).trim());
  const gid = Number((await run('stat', ['-c', '%g', esHome])).trim());
  await mkdir(root, { recursive: true });
  await cp(join(esHome, 'config'), conf, { recursive: true });
  const [httpPort, transportPort] = [await freePort(), await freePort()];
  const yml = (await readFile(join(conf, 'elasticsearch.yml'), 'utf8'))
    .split('\n')
    .filter((l) => !/^(http\.port|cluster\.name|node\.name|path\.|transport\.port)/.test(l))
    .concat([
      `http.port: ${httpPort}`,
      `transport.port: ${transportPort}`,
      `cluster.name: ${name}`,
      `node.name: ${name}`,
      `path.data: ${join(root, 'data')}`,
      `path.logs: ${join(root, 'logs')}`,
      '',
    ])
    .join('\n');
  await writeFile(join(conf, 'elasticsearch.yml'), yml);
  await run('chown', ['-R', `${uid}:${gid}`, root]);
  await chown(root, uid, gid);
  const pidFile = join(root, 'es.pid');
  const url = `http://127.0.0.1:${httpPort}`;
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
        const res = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=2s`, {
          headers: { authorization: auth },
        }).catch(() => undefined);
        return res?.ok ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: `own Elasticsearch on ${url}` },
    );
  };
  const stop = async () => {
    const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    if (!pid) return;
    try {
      process.kill(pid, 'SIGTERM');
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
  };
  await start();
  return {
    url,
    start,
    stop,
    remove: async () => {
      await stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
