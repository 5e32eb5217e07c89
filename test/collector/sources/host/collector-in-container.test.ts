// The collector as the stack runs it: the project image, in a container on the test engine, with
// the mounts, user, capabilities and environment of stack/swarmscope.yml's collector service
// (host networking instead of the overlay, so it reaches a test aggregator on loopback). Its
// node_filesystem_* must describe the host's filesystems with the host's mountpoints: the host's
// root as "/", with the size statfs gives for "/" here, and none of the container's own mounts.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readFileSync, statfsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { buildProjectImage } from '../../../../stack/build-image.ts';
import { parseMountinfo } from '../../../../collector/sources/host/filesystems.ts';
import { startTestAggregator, type TestAggregator } from '../../../helpers/aggregator.ts';
import { docker } from '../../../helpers/docker.ts';
import { deleteIndices } from '../../../helpers/elasticsearch.ts';
import { testEnv } from '../../../helpers/env.ts';
import { waitFor } from '../../../helpers/wait.ts';

type Mount = { type: string; source?: string; target: string; read_only?: boolean; bind?: { propagation?: string } };
type Service = {
  user?: string;
  cap_drop?: string[];
  cap_add?: string[];
  read_only?: boolean;
  environment: Record<string, string>;
  volumes: Mount[];
};

const stackFile = fileURLToPath(new URL('../../../../stack/swarmscope.yml', import.meta.url));
const name = `i16p-collector-${randomBytes(3).toString('hex')}`;
const ctx: { agg?: TestAggregator } = {};

test.after.always(async () => {
  await docker(['rm', '-f', name]).catch(() => undefined);
  if (ctx.agg) {
    await ctx.agg.close();
    await deleteIndices(`${ctx.agg.indexPrefix}-*`).catch(() => undefined);
  }
});

/**
 * Docker refuses rslave propagation from a private mount: systemd hosts (where Swarm runs) make "/"
 * shared, this test machine's init does not. Here the bind is then made without it.
 */
const rootPropagates = /^\S+ \S+ \S+ \S+ \/ .*(shared|master):\d+.* - /m.test(
  readFileSync('/proc/1/mountinfo', 'utf8'),
);

/** `docker run` flags for the stack's collector service; the test engine's socket and data root replace the defaults. */
function runFlags(c: Service, agg: TestAggregator): string[] {
  const flags = ['--network', 'host', '--label', 'swarmscope.test=1'];
  if (c.user) flags.push('--user', c.user);
  for (const cap of c.cap_drop ?? []) flags.push('--cap-drop', cap);
  for (const cap of c.cap_add ?? []) flags.push('--cap-add', cap);
  if (c.read_only) flags.push('--read-only');
  for (const v of c.volumes) {
    if (v.type === 'tmpfs' || v.type === 'volume') {
      flags.push('--tmpfs', v.target);
      continue;
    }
    let source = v.source!;
    if (source === '/var/run/docker.sock') source = new URL(testEnv.dockerHost.replace(/^unix:/, 'file:')).pathname;
    if (source === '/var/lib/docker/containers') source = `${testEnv.dockerRoot}/containers`;
    const opts = [`type=bind`, `source=${source}`, `target=${v.target}`];
    if (v.read_only) opts.push('readonly');
    if (v.bind?.propagation && (v.source !== '/' || rootPropagates))
      opts.push(`bind-propagation=${v.bind.propagation}`);
    flags.push('--mount', opts.join(','));
  }
  const env: Record<string, string> = {
    ...c.environment,
    SWARMSCOPE_NODE_NAME: 'i16p-host',
    SWARMSCOPE_AGGREGATOR_URL: agg.url,
    SWARMSCOPE_TOKEN: agg.token,
    SWARMSCOPE_INTERVAL: '1s',
    SWARMSCOPE_FILESYSTEM_INTERVAL: '2s',
    SWARMSCOPE_LOGS: 'false',
    SWARMSCOPE_EVENTS: 'false',
  };
  delete env.SWARMSCOPE_TOKEN_FILE;
  for (const [k, v] of Object.entries(env)) flags.push('-e', `${k}=${v}`);
  return flags;
}

test('the collector in a container, mounted as the stack mounts it, reports the host root filesystem as "/"', async (t) => {
  t.timeout(600_000);
  const image = await buildProjectImage({ dockerHost: testEnv.dockerHost });
  const c = (parse(await readFile(stackFile, 'utf8')) as { services: { collector: Service } }).services.collector;
  t.true(
    c.volumes.some((v) => v.source === '/' && v.read_only),
    "the stack mounts the host's root read-only",
  );
  const agg = await startTestAggregator();
  ctx.agg = agg;
  await docker(['run', '-d', '--name', name, ...runFlags(c, agg), image, 'collector']);

  // What this host's root is, read here on the host: its device (PID 1's mount table) and size.
  const root = parseMountinfo(readFileSync('/proc/1/mountinfo', 'utf8')).find((m) => m.mountpoint === '/')!;
  const size = (() => {
    const s = statfsSync('/');
    return s.blocks * s.bsize;
  })();
  const series = (text: string, metric: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${metric}{`))
      .map((l) => ({
        labels: Object.fromEntries([...l.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])),
        value: Number(l.slice(l.lastIndexOf(' ') + 1)),
      }));
  let text = '';
  await waitFor(
    async () => {
      text = await (await fetch(`${agg.url}/metrics`)).text();
      return series(text, 'node_filesystem_size_bytes').some((s) => s.labels.node === 'i16p-host');
    },
    {
      timeoutMs: 120_000,
      intervalMs: 1000,
      what: `the containerised collector's filesystems on /metrics (logs: ${await docker(['logs', '--tail', '20', name]).catch((e: Error) => e.message)})`,
    },
  );
  const fs = series(text, 'node_filesystem_size_bytes').filter((s) => s.labels.node === 'i16p-host');
  const rootFs = fs.find((s) => s.labels.mountpoint === '/');
  t.truthy(rootFs, `no mountpoint "/" among ${JSON.stringify(fs.map((s) => s.labels.mountpoint))}`);
  t.is(rootFs!.labels.device, root.device);
  t.is(rootFs!.labels.fstype, root.fstype);
  t.is(rootFs!.value, size, "the size statfs gives for the host's /");
  t.false(
    fs.some((s) => s.labels.mountpoint!.startsWith('/host/') || s.labels.fstype === 'overlay'),
    "none of the container's own mounts (its overlay root, /host/* binds)",
  );
  // Interfaces and kernel counters come from the host too: the host's interfaces, not the container's.
  // Not the veth peers of other tests' containers: they come and go between the scrape and this read.
  const steady = (names: string[]) => names.filter((n) => !n.startsWith('veth')).sort();
  const ifaces = series(text, 'node_network_up')
    .filter((s) => s.labels.node === 'i16p-host')
    .map((s) => s.labels.device!);
  t.deepEqual(
    steady(ifaces),
    steady(
      readFileSync('/proc/net/dev', 'utf8')
        .split('\n')
        .slice(2)
        .filter(Boolean)
        .map((l) => l.split(':')[0]!.trim()),
    ),
  );
  t.true(
    series(text, 'node_uname_info').some((s) => s.labels.node === 'i16p-host' && s.labels.nodename === 'i16p-host'),
  );
});
