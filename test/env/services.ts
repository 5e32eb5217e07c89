// The test environment as a whole: `ensureEnv` brings up (or reuses) Docker with Swarm, Elasticsearch,
// Prometheus and Alertmanager and returns where they are; `stopEnv` stops only what we started.
// Each service lives in its own module; this one wires them and honours services handed in by variables.
import {
  dockerHost as ownDockerHost,
  dockerRoot as ownDockerRoot,
  ensureDockerEngine,
  ensureSwarm,
  stopDockerEngine,
} from './docker-engine.ts';
import { engineJson, socketPathOf } from './docker-socket.ts';
import { ensureElasticsearch, esRequest, stopElasticsearch } from './elasticsearch.ts';
import { EnvError } from './env-error.ts';
import { loadState, saveState, withEnvLock } from './env-state.ts';
import type { EnvState } from './env-state.ts';
import { externalServices } from './env-vars.ts';
import type {
  ExternalDocker,
  ExternalElasticsearch,
  ExternalMonitoring,
  ExternalServices,
  TestEnv,
} from './env-vars.ts';
import { ensureMonitoring, prometheusTargetsDir, stopMonitoring } from './prometheus.ts';
import type { MonitoringName } from './prometheus.ts';
import { ensureSystemPackages } from './system-packages.ts';
import { ensureWorkloadImage } from './workload-image.ts';

export type { TestEnv } from './env-vars.ts';
export type ServiceName = 'docker' | 'elasticsearch' | MonitoringName;
export const allServices: readonly ServiceName[] = ['docker', 'elasticsearch', 'prometheus', 'alertmanager'];

type DockerPart = Pick<TestEnv, 'dockerHost' | 'dockerRoot' | 'workloadImage'>;
type EsPart = Pick<TestEnv, 'esUrl' | 'esUsername' | 'esPassword' | 'esAdminUsername' | 'esAdminPassword'>;
type MonitoringPart = Pick<TestEnv, 'prometheusUrl' | 'prometheusTargetsDir' | 'alertmanagerUrl'>;

/** Brings the environment up, reusing whatever already runs; fast when everything does. */
export async function ensureEnv(): Promise<TestEnv> {
  return ensureEnvSession([]);
}

/**
 * Like `ensureEnv`, and appends to `started` each service this call started (also when it then fails),
 * so a test run can stop exactly those.
 */
export async function ensureEnvSession(started: ServiceName[]): Promise<TestEnv> {
  const external = externalServices(process.env);
  if (external.docker !== undefined && external.elasticsearch !== undefined && external.monitoring !== undefined) {
    return assemble(
      externalDocker(external.docker),
      externalElasticsearch(external.elasticsearch),
      externalMonitoring(external.monitoring),
    );
  }
  return withEnvLock(() => startOwn(external, started));
}

async function startOwn(external: ExternalServices, started: ServiceName[]): Promise<TestEnv> {
  await ensureSystemPackages();
  const state = await loadState();
  try {
    return await assemble(
      external.docker === undefined ? ownDocker(started) : externalDocker(external.docker),
      external.elasticsearch === undefined
        ? ownElasticsearch(state, started)
        : externalElasticsearch(external.elasticsearch),
      external.monitoring === undefined ? ownMonitoring(state, started) : externalMonitoring(external.monitoring),
    );
  } finally {
    await saveState(state);
  }
}

async function assemble(
  docker: Promise<DockerPart>,
  es: Promise<EsPart>,
  monitoring: Promise<MonitoringPart>,
): Promise<TestEnv> {
  const results = await Promise.allSettled([docker, es, monitoring]);
  throwIfAnyFailed(results);
  const [dockerPart, esPart, monitoringPart] = results;
  return { ...valueOf(dockerPart), ...valueOf(esPart), ...valueOf(monitoringPart) };
}

async function ownDocker(started: ServiceName[]): Promise<DockerPart> {
  if (await ensureDockerEngine()) started.push('docker');
  const socket = socketPathOf(ownDockerHost);
  await ensureSwarm(socket, ownDockerHost, true);
  const workloadImage = await ensureWorkloadImage(socket, ownDockerHost);
  return { dockerHost: ownDockerHost, dockerRoot: ownDockerRoot, workloadImage };
}

async function externalDocker(docker: ExternalDocker): Promise<DockerPart> {
  const socket = socketPathOf(docker.dockerHost);
  const info = await engineJson<{ DockerRootDir: string }>(socket, '/info').catch((error: unknown) => {
    throw unreachable(`the Docker Engine at DOCKER_HOST=${docker.dockerHost}`, error);
  });
  await ensureSwarm(socket, docker.dockerHost, false);
  const workloadImage = docker.workloadImage ?? (await ensureWorkloadImage(socket, docker.dockerHost));
  return { dockerHost: docker.dockerHost, dockerRoot: docker.dockerRoot ?? info.DockerRootDir, workloadImage };
}

async function ownElasticsearch(state: EnvState, started: ServiceName[]): Promise<EsPart> {
  const { endpoint, started: startedNow } = await ensureElasticsearch(state);
  if (startedNow) started.push('elasticsearch');
  return {
    esUrl: endpoint.url,
    esUsername: endpoint.writerUsername,
    esPassword: endpoint.writerPassword,
    esAdminUsername: endpoint.adminUsername,
    esAdminPassword: endpoint.adminPassword,
  };
}

async function externalElasticsearch(es: ExternalElasticsearch): Promise<EsPart> {
  const admin = { username: es.esAdminUsername, password: es.esAdminPassword };
  const response = await esRequest(es.esUrl, admin, 'GET', '/_cluster/health').catch((error: unknown) => {
    throw unreachable(`Elasticsearch at SWARMSCOPE_ES_URL=${es.esUrl}`, error);
  });
  if (response.status !== 200) {
    throw unreachable(
      `Elasticsearch at SWARMSCOPE_ES_URL=${es.esUrl}`,
      `health as ES_ADMIN_USERNAME answered ${response.status}`,
    );
  }
  return es;
}

async function ownMonitoring(state: EnvState, started: ServiceName[]): Promise<MonitoringPart> {
  const endpoints = await ensureMonitoring(state);
  started.push(...endpoints.started);
  return { prometheusUrl: endpoints.prometheusUrl, alertmanagerUrl: endpoints.alertmanagerUrl, prometheusTargetsDir };
}

async function externalMonitoring(monitoring: ExternalMonitoring): Promise<MonitoringPart> {
  for (const url of [monitoring.prometheusUrl, monitoring.alertmanagerUrl]) {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(5_000) }).catch((error: unknown) => {
      throw unreachable(url, error);
    });
    if (!response.ok) throw unreachable(url, `/-/ready answered ${response.status}`);
  }
  return monitoring;
}

function unreachable(what: string, cause: unknown): EnvError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new EnvError(
    'ENV_ERR_EXTERNAL_UNREACHABLE',
    `cannot use ${what}: ${detail}`,
    'start that service, or unset its variables so the test environment starts its own',
    { cause },
  );
}

/** Stops the services we started (all of them, or those in `only`), with what tests left in them. */
export async function stopEnv(only: readonly ServiceName[] = allServices): Promise<void> {
  await withEnvLock(async () => {
    const state = await loadState();
    const results = await Promise.allSettled([
      only.includes('docker') ? stopDockerEngine() : Promise.resolve(false),
      only.includes('elasticsearch') ? stopElasticsearch(state) : Promise.resolve(false),
      stopMonitoring(only.filter((name): name is MonitoringName => name === 'prometheus' || name === 'alertmanager')),
    ]);
    throwIfAnyFailed(results);
  });
}

function throwIfAnyFailed(results: ReadonlyArray<PromiseSettledResult<unknown>>): void {
  const failures = results.filter((result) => result.status === 'rejected').map((result) => result.reason as unknown);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    const messages = failures.map((failure) => (failure instanceof Error ? failure.message : String(failure)));
    throw new AggregateError(failures, messages.join('\n\n'));
  }
}

function valueOf<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
