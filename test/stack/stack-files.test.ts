// The stack files as `docker stack config` reads them: every image named and pinned, every secret
// and config a service uses defined (and each config's file present), and the properties the
// deploy guide promises (global collector with read-only host mounts, start-first aggregator,
// health checks, limits, no password in the file). Needs only the docker CLI, not an engine.
import test from 'ava';
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const exec = promisify(execFile);
const stackDir = fileURLToPath(new URL('../../stack/', import.meta.url));

type Mount = { type: string; source?: string; target: string; read_only?: boolean };
type Ref = string | { source: string; target?: string; uid?: string; mode?: number };
type Service = {
  image?: string;
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
  cap_add?: string[];
  environment?: Record<string, string | null>;
  volumes?: Mount[];
  secrets?: Ref[];
  configs?: Ref[];
  networks?: Record<string, unknown> | string[];
  healthcheck?: { test?: string[] };
  deploy?: {
    mode?: string;
    replicas?: number;
    resources?: { limits?: { cpus?: string; memory?: string } };
    update_config?: { order?: string; parallelism?: number };
    placement?: { constraints?: string[] };
  };
};
type Stack = {
  services: Record<string, Service>;
  secrets?: Record<string, { external?: boolean; file?: string }>;
  configs?: Record<string, { file?: string }>;
};

async function stackConfig(file: string): Promise<Stack> {
  // Interpolation with an empty environment: the defaults in the file must stand on their own.
  const { stdout } = await exec('docker', ['stack', 'config', '-c', file], {
    cwd: stackDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' },
  });
  return parse(stdout) as Stack;
}

const refName = (r: Ref): string => (typeof r === 'string' ? r : r.source);
/** name:tag or name@sha256:…, with a tag that names a version. */
const PINNED = /^[a-z0-9./_-]+(:[0-9A-Za-z_.-]*\d[0-9A-Za-z_.-]*|@sha256:[0-9a-f]{64})$/;

for (const file of ['swarmscope.yml', 'demo.yml']) {
  test(`${file}: every image is named and pinned to a version`, async (t) => {
    const stack = await stackConfig(file);
    t.true(Object.keys(stack.services).length > 0);
    for (const [name, s] of Object.entries(stack.services)) {
      t.truthy(s.image, `${name} has an image`);
      t.regex(s.image ?? '', PINNED, `${name}: ${s.image}`);
      t.notRegex(s.image ?? '', /:latest$/, `${name}: ${s.image}`);
    }
  });

  test(`${file}: every secret and config a service uses is defined, and every config file exists`, async (t) => {
    const stack = await stackConfig(file);
    for (const [name, s] of Object.entries(stack.services)) {
      for (const r of s.secrets ?? []) t.truthy(stack.secrets?.[refName(r)], `${name} uses secret ${refName(r)}`);
      for (const r of s.configs ?? []) t.truthy(stack.configs?.[refName(r)], `${name} uses config ${refName(r)}`);
    }
    for (const [name, c] of Object.entries(stack.configs ?? {})) {
      t.truthy(c.file, `config ${name} has a file`);
      await t.notThrowsAsync(access(c.file!), `config ${name}: ${c.file}`);
    }
    // Secrets come from the operator (docker secret create), never from a file beside the stack.
    for (const [name, s] of Object.entries(stack.secrets ?? {})) t.true(s.external, `secret ${name} is external`);
  });

  test(`${file}: no password, token or key is written in the environment`, async (t) => {
    const stack = await stackConfig(file);
    for (const [name, s] of Object.entries(stack.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|TOKEN|SECRET|API_KEY/i.test(key) && !/(_FILE|__FILE)$/.test(key))
          t.fail(`${name}: ${key}=${value} is a secret in the environment`);
        if (/(_FILE|__FILE)$/.test(key)) t.regex(value ?? '', /^\/run\/secrets\//, `${name}: ${key}`);
      }
    }
    t.pass();
  });
}

test('swarmscope.yml: one collector per node, with only read-only access to the host and the node identity', async (t) => {
  const c = (await stackConfig('swarmscope.yml')).services.collector!;
  t.is(c.deploy?.mode, 'global');
  t.deepEqual(c.cap_drop, ['ALL']);
  t.deepEqual(c.cap_add, ['SYS_NICE'], 'only to raise the log pinning thread');
  t.true(c.read_only);
  const binds = (c.volumes ?? []).filter((v) => v.type === 'bind');
  t.deepEqual(binds.map((v) => v.source).sort(), [
    '/',
    '/proc',
    '/sys',
    '/sys/fs/cgroup',
    '/var/lib/docker/containers',
    '/var/run/docker.sock',
  ]);
  for (const b of binds) t.true(b.read_only, `${b.source} is mounted read-only`);
  t.is(c.environment?.SWARMSCOPE_NODE_NAME, '{{.Node.Hostname}}');
  t.deepEqual(c.healthcheck?.test, ['CMD', 'node', '/app/dist/bin/healthcheck.js', 'collector']);
  t.truthy(c.deploy?.resources?.limits?.memory);
  t.truthy(c.deploy?.resources?.limits?.cpus);
});

test('swarmscope.yml: the aggregator is replicated, non-root, health-checked and updated start-first', async (t) => {
  const stack = await stackConfig('swarmscope.yml');
  const a = stack.services.aggregator!;
  t.true((a.deploy?.replicas ?? 0) >= 2);
  t.is(a.deploy?.update_config?.order, 'start-first');
  t.not(a.user?.split(':')[0], '0');
  t.deepEqual(a.healthcheck?.test, ['CMD', 'node', '/app/dist/bin/healthcheck.js', 'aggregator']);
  t.truthy(a.deploy?.resources?.limits?.memory);
  // Every stack service has a memory limit, and the stateful ones are pinned to labelled nodes.
  for (const [name, s] of Object.entries(stack.services))
    t.truthy(s.deploy?.resources?.limits?.memory, `${name} has a memory limit`);
  for (const name of ['elasticsearch', 'prometheus'])
    t.true(
      (stack.services[name]!.deploy?.placement?.constraints ?? []).some((c) => c.startsWith('node.labels.')),
      name,
    );
});

test('demo.yml: a health-checked replicated web service, a dependent service, a global agent, a secret and rolling updates', async (t) => {
  const s = (await stackConfig('demo.yml')).services;
  t.true((s.web!.deploy?.replicas ?? 0) > 1);
  t.truthy(s.web!.healthcheck?.test);
  t.truthy(s.web!.deploy?.update_config?.order);
  t.true(Object.values(s).some((x) => x.deploy?.mode === 'global'));
  t.true(Object.values(s).some((x) => (x.secrets ?? []).length > 0));
  const onDemo = Object.entries(s).filter(([, x]) => x.networks && 'demo' in (x.networks as Record<string, unknown>));
  t.true(onDemo.length >= 2);
});
