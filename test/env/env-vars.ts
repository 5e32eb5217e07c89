// The environment as variables: the names tests and the application read, the `TestEnv` they map to,
// and which already-running services the caller hands in through them (those are used, never started).
import { EnvError } from './env-error.ts';

export type TestEnv = {
  dockerHost: string;
  dockerRoot: string;
  esUrl: string;
  esUsername: string;
  esPassword: string;
  esAdminUsername: string;
  esAdminPassword: string;
  prometheusUrl: string;
  prometheusTargetsDir: string;
  alertmanagerUrl: string;
  workloadImage: string;
};

export const envVarNames = {
  dockerHost: 'DOCKER_HOST',
  dockerRoot: 'SWARMSCOPE_DOCKER_ROOT',
  esUrl: 'SWARMSCOPE_ES_URL',
  esUsername: 'SWARMSCOPE_ES_USERNAME',
  esPassword: 'SWARMSCOPE_ES_PASSWORD',
  esAdminUsername: 'ES_ADMIN_USERNAME',
  esAdminPassword: 'ES_ADMIN_PASSWORD',
  prometheusUrl: 'PROMETHEUS_URL',
  prometheusTargetsDir: 'SWARMSCOPE_PROMETHEUS_TARGETS_DIR',
  alertmanagerUrl: 'ALERTMANAGER_URL',
  workloadImage: 'SWARMSCOPE_WORKLOAD_IMAGE',
} as const satisfies Record<keyof TestEnv, string>;

export function toEnvVars(env: TestEnv): Record<string, string> {
  const entries = (Object.keys(envVarNames) as Array<keyof TestEnv>).map((key) => [envVarNames[key], env[key]]);
  return Object.fromEntries(entries) as Record<string, string>;
}

export type ExternalDocker = { dockerHost: string; dockerRoot?: string; workloadImage?: string };
export type ExternalElasticsearch = Pick<
  TestEnv,
  'esUrl' | 'esUsername' | 'esPassword' | 'esAdminUsername' | 'esAdminPassword'
>;
export type ExternalMonitoring = Pick<TestEnv, 'prometheusUrl' | 'prometheusTargetsDir' | 'alertmanagerUrl'>;
export type ExternalServices = {
  docker?: ExternalDocker;
  elasticsearch?: ExternalElasticsearch;
  monitoring?: ExternalMonitoring;
};

/**
 * The services named by the caller's variables. DOCKER_HOST, SWARMSCOPE_ES_URL and PROMETHEUS_URL each
 * switch one service to "use this one"; their companions must then be set too.
 */
export function externalServices(vars: NodeJS.ProcessEnv): ExternalServices {
  const services: ExternalServices = {};
  const dockerHost = vars[envVarNames.dockerHost];
  if (nonEmpty(dockerHost)) {
    services.docker = {
      dockerHost,
      dockerRoot: optional(vars, 'dockerRoot'),
      workloadImage: optional(vars, 'workloadImage'),
    };
  }
  if (nonEmpty(vars[envVarNames.esUrl])) {
    services.elasticsearch = required(vars, 'esUrl', [
      'esUrl',
      'esUsername',
      'esPassword',
      'esAdminUsername',
      'esAdminPassword',
    ]);
  }
  if (nonEmpty(vars[envVarNames.prometheusUrl])) {
    services.monitoring = required(vars, 'prometheusUrl', ['prometheusUrl', 'prometheusTargetsDir', 'alertmanagerUrl']);
  }
  return services;
}

function required<K extends keyof TestEnv>(
  vars: NodeJS.ProcessEnv,
  trigger: keyof TestEnv,
  keys: readonly K[],
): Pick<TestEnv, K> {
  const missing = keys.filter((key) => !nonEmpty(vars[envVarNames[key]])).map((key) => envVarNames[key]);
  if (missing.length > 0) {
    throw new EnvError(
      'ENV_ERR_EXTERNAL_CONFIG',
      `${envVarNames[trigger]} is set, so that service is reused, but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not`,
      `set ${missing.join(', ')} too, or unset ${envVarNames[trigger]} to let the test environment start its own`,
    );
  }
  return Object.fromEntries(keys.map((key) => [key, vars[envVarNames[key]]])) as Pick<TestEnv, K>;
}

function optional(vars: NodeJS.ProcessEnv, key: keyof TestEnv): string | undefined {
  const value = vars[envVarNames[key]];
  return nonEmpty(value) ? value : undefined;
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}
