// Host metrics: the /proc parsers on files copied from this machine, and a live sample checked
// against /proc read directly and against node-exporter's names on the aggregator's /metrics.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import {
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseNetDev,
  parseProcStat,
  parseUptime,
} from '../../../../collector/readers/proc-parse.ts';
import { HostSampler } from '../../../../collector/sources/host/host-sampler.ts';
import { ClusterState } from '../../../../aggregator/sinks/prometheus/cluster-state.ts';
import { HOST_TABLE } from '../../../../aggregator/sinks/prometheus/host-metrics.ts';
import { Exposition } from '../../../../aggregator/sinks/prometheus/exposition.ts';
import { validateRecord } from '../../../../common/schema/index.ts';
import { createLogger } from '../../../../common/logger.ts';

const proc = fileURLToPath(new URL('../../../fixtures/proc/', import.meta.url));
const fixture = (name: string) => readFileSync(`${proc}${name}`, 'utf8');

test('parses /proc/stat per CPU in seconds, with boot time and counters', (t) => {
  const s = parseProcStat(fixture('stat'));
  const line = fixture('stat')
    .split('\n')
    .find((l) => l.startsWith('cpu0 '))!
    .split(/\s+/);
  t.true(s.cpus.length >= 1);
  t.is(s.cpus[0]!.cpu, '0');
  t.is(s.cpus[0]!.user, Number(line[1]) / 100);
  t.is(s.cpus[0]!.idle, Number(line[4]) / 100);
  t.true(s.bootTimeSeconds! > 1e9);
  t.true(s.contextSwitches! > 0);
});

test('parses meminfo into bytes, loadavg, uptime, diskstats without partitions, and net/dev', (t) => {
  const mem = parseMeminfo(fixture('meminfo'));
  t.is(mem.MemTotal, Number(/MemTotal:\s+(\d+)/.exec(fixture('meminfo'))![1]) * 1024);
  t.true('Active(anon)' in mem);
  t.false('HugePages_Total' in mem);
  t.truthy(parseLoadavg(fixture('loadavg')));
  t.true(parseUptime(fixture('uptime'))! > 0);
  t.deepEqual(
    parseDiskstats('254 0 vda 10 1 80 5 20 2 160 7 0 12 13 3 4 5 6 7 8\n254 1 vda1 1 0 8 1 2 0 16 1 0 1 1 0 0 0 0\n'),
    [
      {
        device: 'vda',
        major: 254,
        minor: 0,
        readsMerged: 1,
        writesMerged: 2,
        discards: 3,
        discardsMerged: 4,
        discardedSectors: 5,
        discardSeconds: 0.006,
        flushes: 7,
        flushSeconds: 0.008,
        reads: 10,
        readBytes: 80 * 512,
        readSeconds: 0.005,
        writes: 20,
        writtenBytes: 160 * 512,
        writeSeconds: 0.007,
        ioNow: 0,
        ioSeconds: 0.012,
        ioWeightedSeconds: 0.013,
      },
    ],
  );
  const lo = parseNetDev(fixture('net-dev')).find((i) => i.interface === 'lo')!;
  t.is(lo.rxBytes, lo.txBytes);
});

test('a live host sample is a valid record that agrees with /proc and renders under node-exporter names', async (t) => {
  const sampler = new HostSampler({
    procRoot: '/proc',
    filesystemIntervalMs: 60_000,
    log: createLogger({ name: 'test', level: 'silent' }),
  });
  const node = { id: 'n1', hostname: 'h1' };
  const r = await sampler.sample(node, new Date());
  await sampler.close();
  t.true(validateRecord(JSON.parse(JSON.stringify(r))).ok);
  t.is(r.host.cpus.length, cpus().length);
  t.is(r.host.memory.MemTotal, Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024);
  t.true(r.host.filesystems!.some((f) => f.mountpoint === '/' && f.sizeBytes > 0 && f.availBytes <= f.freeBytes));
  t.false(
    r.host.filesystems!.some((f) => f.fstype === 'overlay'),
    'container overlays are excluded, as node-exporter does',
  );

  const state = new ClusterState({ staleAfterMs: 60_000 });
  state.apply([r]);
  const exposition = new Exposition({ registry: new Registry(), state });
  exposition.addTable(HOST_TABLE);
  const text = Buffer.concat([...(await exposition.render())]).toString();
  t.regex(text, /^node_cpu_seconds_total\{node="h1",node_id="n1",instance="n1",cpu="0",mode="idle"\} \d/m);
  t.regex(text, /^node_memory_MemAvailable_bytes\{node="h1",node_id="n1",instance="n1"\} \d+/m);
  t.regex(text, /^node_memory_Active_anon_bytes\{/m);
  t.regex(
    text,
    /^node_filesystem_avail_bytes\{node="h1",node_id="n1",instance="n1",device="[^"]+",mountpoint="\/",fstype="[^"]+"\} \d+/m,
  );
  t.regex(text, /^node_load1\{/m);
  t.regex(text, /^node_boot_time_seconds\{/m);
  t.regex(text, /^node_network_receive_bytes_total\{node="h1",node_id="n1",instance="n1",device="lo"\} \d+/m);
});
