// The running test environment's coordinates, from the variables `npm test` (or
// `eval "$(npm run -s env:up)"`) exports. A test that needs a service fails with a clear remedy.
function need(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(`${name} is not set: run the tests with \`npm test\`, or first \`eval "$(npm run -s env:up)"\``);
  return v;
}

export const testEnv = {
  get dockerHost() {
    return need('DOCKER_HOST');
  },
  get dockerRoot() {
    return need('SWARMSCOPE_DOCKER_ROOT');
  },
  get esUrl() {
    return need('SWARMSCOPE_ES_URL');
  },
  get esUsername() {
    return need('SWARMSCOPE_ES_USERNAME');
  },
  get esPassword() {
    return need('SWARMSCOPE_ES_PASSWORD');
  },
  get esAdminUsername() {
    return need('ES_ADMIN_USERNAME');
  },
  get esAdminPassword() {
    return need('ES_ADMIN_PASSWORD');
  },
  get prometheusUrl() {
    return need('PROMETHEUS_URL');
  },
  get prometheusTargetsDir() {
    return need('SWARMSCOPE_PROMETHEUS_TARGETS_DIR');
  },
  get alertmanagerUrl() {
    return need('ALERTMANAGER_URL');
  },
  get workloadImage() {
    return process.env.SWARMSCOPE_WORKLOAD_IMAGE || 'swarmscope-workload:latest';
  },
};

/** The aggregator's Elasticsearch settings for the test cluster, as the least-privilege writer. */
export function esWriterEnv(indexPrefix?: string): Record<string, string> {
  return {
    SWARMSCOPE_ES_URL: testEnv.esUrl,
    SWARMSCOPE_ES_USERNAME: testEnv.esUsername,
    SWARMSCOPE_ES_PASSWORD: testEnv.esPassword,
    ...(indexPrefix ? { SWARMSCOPE_ES_INDEX_PREFIX: indexPrefix } : {}),
  };
}
