// Proves the test environment is the real thing: a swarm-mode Docker Engine that runs the workload
// image, Elasticsearch with security on and a writer confined to swarmscope-*, and Prometheus and
// Alertmanager ready with our scrape job.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import test from 'ava';
import { engineJson, engineRequest, socketPathOf } from './docker-socket.ts';
import { esRequest } from './elasticsearch.ts';
import { testEnv } from '../helpers/env.ts';

const execFileAsync = promisify(execFile);
// The environment `npm test` brought up, from its variables: calling ensureEnv() here would restart
// Prometheus (wiping its data) under the tests running beside this file whenever a check misfired.
const env = testEnv;
const admin = { username: env.esAdminUsername, password: env.esAdminPassword };
const writer = { username: env.esUsername, password: env.esPassword };

test('the Docker Engine answers /_ping on its unix socket', async (t) => {
  const response = await engineRequest(socketPathOf(env.dockerHost), 'GET', '/_ping');
  t.is(response.status, 200);
  t.is(response.body, 'OK');
});

test('the engine is an active swarm manager whose data root is the one announced', async (t) => {
  const info = await engineJson<{
    DockerRootDir: string;
    Swarm: { LocalNodeState: string; ControlAvailable: boolean };
  }>(socketPathOf(env.dockerHost), '/info');
  t.is(info.Swarm.LocalNodeState, 'active');
  t.true(info.Swarm.ControlAvailable);
  t.is(info.DockerRootDir, env.dockerRoot);
});

test('the workload image runs a container without a network and prints a known line', async (t) => {
  const line = `swarmscope-envcheck-${randomBytes(4).toString('hex')}`;
  const { stdout } = await execFileAsync(
    'docker',
    ['run', '--rm', '--network', 'none', env.workloadImage, 'sh', '-c', `echo ${line}; seq 3 | tail -n 1`],
    {
      env: { ...process.env, DOCKER_HOST: env.dockerHost },
    },
  );
  t.is(stdout, `${line}\n3\n`);
});

test('Elasticsearch reports yellow or green health to the admin user', async (t) => {
  const response = await esRequest(env.esUrl, admin, 'GET', '/_cluster/health');
  t.is(response.status, 200);
  t.regex((response.body as { status: string }).status, /^(yellow|green)$/);
});

test('Elasticsearch refuses requests without credentials', async (t) => {
  const response = await fetch(`${env.esUrl}/_cluster/health`);
  t.is(response.status, 401);
});

test('the writer creates a swarmscope-* index and indexes a document into it', async (t) => {
  const index = `swarmscope-envcheck-${randomBytes(4).toString('hex')}`;
  t.teardown(async () => {
    await esRequest(env.esUrl, admin, 'DELETE', `/${index}`);
  });
  const created = await esRequest(env.esUrl, writer, 'PUT', `/${index}`, { settings: { number_of_replicas: 0 } });
  t.is(created.status, 200, JSON.stringify(created.body));
  const indexed = await esRequest(env.esUrl, writer, 'POST', `/${index}/_create/envcheck-1?refresh=true`, {
    '@timestamp': new Date().toISOString(),
    message: 'hello',
  });
  t.is(indexed.status, 201, JSON.stringify(indexed.body));
  const read = await esRequest(env.esUrl, writer, 'GET', `/${index}/_doc/envcheck-1`);
  t.is((read.body as { _source: { message: string } })._source.message, 'hello');
});

test('the writer is forbidden to create an index outside swarmscope-*', async (t) => {
  const index = `envcheck-outside-${randomBytes(4).toString('hex')}`;
  t.teardown(async () => {
    await esRequest(env.esUrl, admin, 'DELETE', `/${index}`);
  });
  const response = await esRequest(env.esUrl, writer, 'PUT', `/${index}`);
  t.is(response.status, 403);
});

test('Prometheus is ready and scrapes the swarmscope job from the targets directory', async (t) => {
  t.true((await fetch(`${env.prometheusUrl}/-/ready`)).ok);
  const config = (await (await fetch(`${env.prometheusUrl}/api/v1/status/config`)).json()) as {
    data: { yaml: string };
  };
  t.true(config.data.yaml.includes('job_name: swarmscope'));
  t.true(config.data.yaml.includes(env.prometheusTargetsDir));
});

test('Alertmanager is ready', async (t) => {
  t.true((await fetch(`${env.alertmanagerUrl}/-/ready`)).ok);
});
