// Our Elasticsearch: started as its unprivileged user on 127.0.0.1 (security on, plain HTTP), waited
// for until yellow, with the least-privilege `swarmscope_writer` user the aggregator writes with
// checked to authenticate. Stopping deletes what tests wrote (swarmscope-* indices and templates) first.
import { join } from 'node:path';
import { EnvError } from './env-error.ts';
import {
  esAdminUsername,
  esClusterName,
  esEnv,
  esHome,
  esVersion,
  esWriterUsername,
  installElasticsearch,
  writeEsConfig,
  writerRoleName,
} from './es-install.ts';
import type { EsAccount } from './es-install.ts';
import { choosePort } from './env-state.ts';
import type { EnvState } from './env-state.ts';
import { progress } from './paths.ts';
import { livePid, logTail, stopProcess, tryRun, waitFor } from './processes.ts';

export type EsEndpoint = {
  url: string;
  adminUsername: string;
  adminPassword: string;
  writerUsername: string;
  writerPassword: string;
};
type Credentials = { username: string; password: string };
type EsResponse = { status: number; body: unknown };

const pidFile = join(esHome, 'elasticsearch.pid');
const serverLog = join(esHome, 'logs', `${esClusterName}.log`);
const processMarker = `-Des.path.home=${esHome}`;

/** Starts our Elasticsearch unless it runs; returns its endpoint and whether it was started now. */
export async function ensureElasticsearch(state: EnvState): Promise<{ endpoint: EsEndpoint; started: boolean }> {
  const running = await livePid(pidFile, processMarker);
  const reusedPort = running === undefined ? undefined : state.ports.elasticsearch;
  if (running !== undefined && reusedPort === undefined) await stopProcess(running, 60_000); // its port was forgotten
  // Cheap when nothing changed; a running node reloads users and roles from disk by itself.
  const account = await installElasticsearch({ admin: state.esAdminPassword, writer: state.esWriterPassword });
  const port = reusedPort ?? (await choosePort(state.ports.elasticsearch ?? 9200));
  state.ports.elasticsearch = port;
  await writeEsConfig(port, account);
  if (reusedPort === undefined) await startServer(port, account);
  const endpoint = endpointOf(state);
  await waitForHealth(endpoint);
  await checkWriter(endpoint);
  return { endpoint, started: reusedPort === undefined };
}

function endpointOf(state: EnvState): EsEndpoint {
  return {
    url: `http://127.0.0.1:${state.ports.elasticsearch}`,
    adminUsername: esAdminUsername,
    adminPassword: state.esAdminPassword,
    writerUsername: esWriterUsername,
    writerPassword: state.esWriterPassword,
  };
}

async function startServer(port: number, account: EsAccount): Promise<void> {
  progress(`starting Elasticsearch ${esVersion} on 127.0.0.1:${port} (log ${serverLog})`);
  // -d returns once the node has started (or failed to), leaving the server detached.
  const options = { uid: account.uid, gid: account.gid, env: esEnv(), cwd: esHome, timeoutMs: 300_000 };
  const result = await tryRun(join(esHome, 'bin', 'elasticsearch'), ['-d', '-p', pidFile], options);
  if (result.code !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new EnvError(
      'ENV_ERR_ES_START',
      `Elasticsearch exited with ${result.code}:\n${output}\n--- ${serverLog}:\n${await logTail(serverLog, 15)}`,
      `read ${serverLog}; check ES_JAVA_HOME=${options.env.ES_JAVA_HOME} is Java 17+`,
    );
  }
}

async function waitForHealth(endpoint: EsEndpoint): Promise<void> {
  const admin = { username: endpoint.adminUsername, password: endpoint.adminPassword };
  await waitFor(
    `Elasticsearch at ${endpoint.url} to be yellow or green`,
    async () => {
      const response = await esRequest(
        endpoint.url,
        admin,
        'GET',
        '/_cluster/health?wait_for_status=yellow&timeout=5s',
      );
      const status = (response.body as { status?: string }).status;
      if (response.status !== 200)
        throw new Error(`health answered ${response.status}: ${JSON.stringify(response.body)}`);
      return status === 'yellow' || status === 'green' ? status : undefined;
    },
    { timeoutMs: 120_000, remedy: `read ${serverLog}` },
  );
}

/** The writer must authenticate with its role: roles.yml and the users file are read from disk. */
async function checkWriter(endpoint: EsEndpoint): Promise<void> {
  const writer = { username: endpoint.writerUsername, password: endpoint.writerPassword };
  await waitFor(
    `${endpoint.writerUsername} to authenticate with role ${writerRoleName}`,
    async () => {
      const response = await esRequest(endpoint.url, writer, 'GET', '/_security/_authenticate');
      if (response.status !== 200)
        throw new Error(`_authenticate answered ${response.status}: ${JSON.stringify(response.body)}`);
      return (response.body as { roles?: string[] }).roles?.includes(writerRoleName) === true ? true : undefined;
    },
    { timeoutMs: 30_000, remedy: `check ${join(esHome, 'config')}/users, users_roles and roles.yml` },
  );
}

/** Deletes what tests wrote, then stops the server; returns whether one was running. */
export async function stopElasticsearch(state: EnvState): Promise<boolean> {
  const pid = await livePid(pidFile, processMarker);
  if (pid === undefined) return false;
  progress('deleting swarmscope-* indices and templates, stopping Elasticsearch');
  if (state.ports.elasticsearch !== undefined) await deleteTestData(endpointOf(state));
  await stopProcess(pid, 60_000);
  return true;
}

async function deleteTestData(endpoint: EsEndpoint): Promise<void> {
  const admin = { username: endpoint.adminUsername, password: endpoint.adminPassword };
  for (const path of [
    '/swarmscope-*?expand_wildcards=all',
    '/_index_template/swarmscope*',
    '/_component_template/swarmscope*',
  ]) {
    const response = await esRequest(endpoint.url, admin, 'DELETE', path).catch((error: unknown) => ({
      status: 0,
      body: String(error),
    }));
    if (response.status !== 200 && response.status !== 404) {
      progress(`warning: DELETE ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
  }
}

/** One JSON request with basic auth; the body of the answer is parsed when it is JSON. */
export async function esRequest(
  url: string,
  credentials: Credentials,
  method: string,
  path: string,
  body?: unknown,
): Promise<EsResponse> {
  const authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text.startsWith('{') || text.startsWith('[') ? (JSON.parse(text) as unknown) : text,
  };
}
