import test from 'ava';
import type { LogRecord, WireRecord } from '../../../../common/schema/index.ts';
import { decodeLinesV2 } from '../../../../common/wire-v2.ts';
import { encodeLinesV2 } from '../../../../common/wire-v2-encoder.ts';
import { encodeRecord } from '../../../../aggregator/sinks/elasticsearch/encode.ts';
import { docText, type BulkItem } from '../../../../aggregator/sinks/elasticsearch/bulk-writer.ts';
import { bulkItems } from '../../../../aggregator/sinks/elasticsearch/sink.ts';
import { ECS_VERSION } from '../../../../aggregator/sinks/elasticsearch/encode-common.ts';
import { datasetOf } from '../../../../aggregator/sinks/elasticsearch/index-name.ts';
import { templateFor } from '../../../../aggregator/sinks/elasticsearch/templates.ts';

const node = { id: 'n0d3id', hostname: 'worker-1' };
const time = '2026-11-29T10:00:00.123456789Z';
const labels = {
  'com.docker.swarm.service.name': 'shop_web',
  'com.docker.swarm.service.id': 'svc1',
  'com.docker.swarm.task.name': 'shop_web.1.t4sk',
  'com.docker.swarm.task.id': 't4sk',
  'com.docker.swarm.node.id': 'n0d3id',
  'com.docker.stack.namespace': 'shop',
};
const container = { id: 'c'.repeat(64), name: 'shop_web.1.t4sk', image: 'web:1', labels };

const records: WireRecord[] = [
  {
    kind: 'log',
    id: 'log-1',
    time,
    node,
    container,
    stream: 'stderr',
    message: 'boom',
    origin: { source: 'json-file', file: '/var/lib/docker/containers/c/c-json.log', offset: 42 },
    truncated: true,
    originalLength: 20_000,
    multiline: { lines: 3 },
    json: { level: 'error' },
  },
  {
    kind: 'event',
    id: 'event-1',
    time,
    node,
    type: 'container',
    action: 'health_status: unhealthy',
    actor: { id: container.id, attributes: { name: container.name } },
    container,
    exitCode: 1,
  },
  {
    kind: 'metric',
    scope: 'container',
    id: 'metric-1',
    time,
    node,
    container,
    state: { status: 'running', health: 'healthy', restartCount: 0 },
    cpu: { usageSeconds: 12.5, userSeconds: 10, systemSeconds: 2.5 },
    memory: { usageBytes: 50, workingSetBytes: 40, limitBytes: 100 },
    blkio: [{ device: 'sda', major: 8, minor: 0, readBytes: 1, writeBytes: 2, readOps: 3, writeOps: 4 }],
    network: [
      {
        interface: 'eth0',
        rxBytes: 10,
        rxPackets: 1,
        rxErrors: 0,
        rxDropped: 0,
        txBytes: 20,
        txPackets: 2,
        txErrors: 0,
        txDropped: 0,
      },
    ],
    rates: { windowSeconds: 10, onlineCpus: 4, cpuTotal: 2, netRxBytes: 100, netTxBytes: 50, diskReadBytes: 7 },
  },
  {
    kind: 'metric',
    scope: 'host',
    id: 'host-1',
    time,
    node,
    host: {
      cpus: [{ cpu: 'cpu0', user: 1, nice: 0, system: 1, idle: 5, iowait: 0, irq: 0, softirq: 0, steal: 0 }],
      load: { load1: 0.5, load5: 0.4, load15: 0.3 },
      memory: { MemTotal: 100, MemFree: 50, MemAvailable: 70 },
    },
  },
  {
    kind: 'swarm',
    type: 'change',
    id: 'swarm-1',
    time,
    node,
    body: {
      action: 'task_failed',
      at: time,
      service: { id: 'svc1', name: 'shop_web', stack: 'shop' },
      task: { id: 't4sk', slot: 1, state: 'failed', exitCode: 1, error: 'exit 1', containerId: container.id },
      node: { id: 'n0d3id', hostname: 'worker-1' },
    },
  },
  {
    kind: 'swarm',
    type: 'snapshot',
    id: 'swarm-2',
    time,
    node,
    body: { clusterId: 'cl', services: [], tasks: [], nodes: [], tasksOmitted: 0 },
  },
  { kind: 'agent', id: 'agent-1', time, node, counters: { shipped_records: 3 }, gauges: { queue_bytes: 0 } },
];

function encode(r: WireRecord) {
  return encodeRecord(r, datasetOf(r)!) as Record<string, unknown>;
}

/** Dotted paths of every leaf value in a document (arrays of objects walked through). */
function leaves(v: unknown, prefix = ''): string[] {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v.flatMap((x) => leaves(x, prefix));
  if (v === null || typeof v !== 'object') return [prefix];
  return Object.entries(v).flatMap(([k, x]) => leaves(x, prefix ? `${prefix}.${k}` : k));
}

type Mapping = { type?: string; properties?: Record<string, Mapping>; enabled?: boolean };

/** How the template maps a path: explicitly, inside a flattened or disabled object, or not at all. */
function mappedBy(properties: Record<string, Mapping>, path: string): string | undefined {
  let props: Record<string, Mapping> | undefined = properties;
  for (const part of path.split('.')) {
    const m: Mapping | undefined = props?.[part];
    if (!m) return undefined;
    if (m.type === 'flattened' || m.enabled === false) return m.type ?? 'disabled';
    if (!m.properties) return m.type;
    props = m.properties;
  }
  return undefined;
}

/** Families whose numbers are mapped dynamically (Metricbeat's docker.* and system.*, the collectors' own counters). */
const DYNAMIC = /^(docker|system|swarmscope\.agent\.(counters|gauges))\./;

test('every document carries ecs.version, @timestamp, event.id and the node as host.name/host.id', (t) => {
  for (const r of records) {
    const d = encode(r) as {
      ecs: { version: string };
      '@timestamp': string;
      event: { id: string; dataset: string };
      host: { name: string; id: string };
    };
    t.is(d.ecs.version, ECS_VERSION, r.id);
    t.is(d['@timestamp'], time);
    t.is(d.event.id, r.id);
    t.deepEqual(d.host, { name: 'worker-1', id: 'n0d3id' });
  }
});

test('every field the encoders write is mapped by its template or lies in a dynamic numeric family', (t) => {
  for (const r of records) {
    const props = templateFor('pfx', datasetOf(r)!).template.mappings.properties as Record<string, Mapping>;
    const unmapped = leaves(encode(r)).filter((p) => !DYNAMIC.test(p) && mappedBy(props, p) === undefined);
    t.deepEqual(unmapped, [], r.id);
  }
});

test('no field sits in a made-up ECS-looking place: custom fields are under swarmscope.*', (t) => {
  const ecsRoots = new Set(['@timestamp', 'ecs', 'event', 'host', 'container', 'service', 'orchestrator', 'log']);
  const allowed = new Set([
    ...ecsRoots,
    'message',
    'error',
    'process',
    // Beats' names, kept so Metricbeat and Filebeat users' queries run unchanged.
    'docker',
    'system',
    'stream',
    'json',
    'swarmscope',
  ]);
  for (const r of records) for (const root of Object.keys(encode(r))) t.true(allowed.has(root), `${r.id}: ${root}`);
  const all = records.flatMap((r) => leaves(encode(r)));
  for (const legacy of [
    'orchestrator.service.name',
    'orchestrator.service.id',
    'orchestrator.node.id',
    'log.origin.source',
    'log.truncated',
    'swarmscope.node_id',
    'swarmscope.record_id',
    'container_health.status',
  ])
    t.false(all.includes(legacy), legacy);
});

test('a Swarm task container names its service as ECS service.* and its stack and task as orchestrator.*', (t) => {
  const d = encode(records[0]!) as Record<string, Record<string, unknown>>;
  t.deepEqual(d.service, { name: 'shop_web', id: 'svc1' });
  t.deepEqual(d.orchestrator, {
    type: 'swarm',
    namespace: 'shop',
    resource: { type: 'task', name: 'shop_web.1.t4sk', id: 't4sk', parent: { type: 'service' } },
  });
  t.deepEqual(d.log, { file: { path: '/var/lib/docker/containers/c/c-json.log' }, offset: 42 });
  t.like(d.swarmscope, {
    log: { source: 'json-file', truncated: true, original_length: 20_000, multiline: { lines: 3 } },
  });
});

test("container metrics carry Metricbeat's docker.* and ECS's container.cpu/memory/network/disk", (t) => {
  const d = encode(records[2]!) as {
    docker: { cpu: { total: { pct: number; norm: { pct: number } } } };
    container: Record<string, unknown>;
  };
  t.is(d.docker.cpu.total.pct, 2);
  t.is(d.docker.cpu.total.norm.pct, 0.5);
  t.is((d.container.cpu as { usage: number }).usage, 0.5);
  t.is((d.container.memory as { usage: number }).usage, 0.5);
  t.deepEqual(d.container.network, { ingress: { bytes: 1000 }, egress: { bytes: 500 } });
  t.deepEqual(d.container.disk, { read: { bytes: 70 }, write: undefined });
  t.is(d.container.name, 'shop_web.1.t4sk');
});

test('a health_status event gives docker.healthcheck.status; a task failure names its container and node', (t) => {
  const e = encode(records[1]!) as { docker: { healthcheck: { status: string } } };
  t.is(e.docker.healthcheck.status, 'unhealthy');
  const s = encode(records[4]!) as {
    host: unknown;
    container: unknown;
    service: unknown;
    swarmscope: { swarm: { change: { task: { exit_code: number } } } };
  };
  t.deepEqual(s.host, { name: 'worker-1', id: 'n0d3id' });
  t.deepEqual(s.container, { id: container.id });
  t.deepEqual(s.service, { name: 'shop_web', id: 'svc1' });
  t.is(s.swarmscope.swarm.change.task.exit_code, 1);
});

test("a document's bytes are encodeRecord's document, a group's plain lines written from its template", (t) => {
  const log = records.find((r) => r.kind === 'log')! as LogRecord;
  const bare = { id: 'd'.repeat(64), name: 'lone', image: 'x:1', labels: {} };
  const plain = {
    kind: 'log' as const,
    time,
    node,
    container,
    stream: 'stdout' as const,
    origin: { source: 'json-file', file: '/var/lib/docker/containers/c/c-json.log', offset: 0 },
  };
  // Labels that hold a template's stand-in (a NUL, then `time`): that group's lines are written whole.
  const odd = { ...container, labels: { ...labels, note: '\u0000time' } };
  // Plain lines of one group (one container and node object): the first makes the template, the others reuse it.
  const lines: LogRecord[] = [
    { ...plain, id: 'plain-line-1', message: 'first' },
    {
      ...plain,
      id: 'plain-line-2',
      message: `${'x'.repeat(300)} "quoted" ✓ 😀`,
      origin: { ...plain.origin, offset: 7 },
    },
    { ...plain, id: 'plain-line-3', message: 'y'.repeat(400), origin: { ...plain.origin, offset: 123456789012 } },
    { ...plain, id: 'plain-line-odd', container: odd, message: 'odd <&> \u2028' },
  ];
  const variants: WireRecord[] = [
    ...records,
    ...lines,
    // A second line of the same container and node objects (as a version 2 group gives them), with extras.
    {
      ...log,
      id: 'log-second',
      message: 'two "quoted"\nlines',
      truncated: true,
      originalLength: 9,
      flags: ['partial_lost'],
    },
    { ...log, id: 'log-bare', node: { id: '', hostname: 'h' }, container: bare, origin: { source: 'api' } },
  ];
  const same = (items: BulkItem[], from: readonly WireRecord[]) => {
    const want = from.filter((r) => datasetOf(r));
    t.is(items.length, want.length);
    for (const [i, item] of items.entries()) {
      t.is(item.id, want[i]!.id);
      t.deepEqual(JSON.parse(docText(item)), JSON.parse(JSON.stringify(encode(want[i]!))), item.id);
    }
  };
  same(bulkItems('p', variants), variants);
  // Through a version 2 batch, messages copied as the JSON text the batch holds them in.
  const decoded = decodeLinesV2(
    encodeLinesV2([...lines, { ...lines[0]!, id: 'extras-line', multiline: { lines: 2 } }]),
  );
  if ('reason' in decoded) return t.fail(decoded.reason);
  t.truthy(decoded.messages.span(0), 'a plain line has its JSON text');
  t.is(decoded.messages.span(4), undefined, 'a line with extras does not');
  same(bulkItems('p', decoded.records, decoded.messages), decoded.records);
});
