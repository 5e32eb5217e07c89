// The UI's server-side pieces on fixtures: the bounded history (rings, series bound, host rates),
// the journal search (filters, newest matches, scan bound), and the merge of several replicas'
// parts into one cluster view (freshest node wins, a silent peer is listed, attention order).
import test from 'ava';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerMetricRecord, HostMetricRecord, LogRecord, WireRecord } from '../../../common/schema/index.ts';
import { encodeBatchV2 } from '../../../common/wire.ts';
import { ByteLog } from '../../../common/byte-log.ts';
import { decodeLinesV2 } from '../../../common/wire-v2.ts';
import { encodeLinesV2 } from '../../../common/wire-v2-encoder.ts';
import { JournalSink } from '../../../aggregator/sinks/journal/journal.ts';
import { HistoryStore, sumSeries } from '../../../aggregator/ui/history-store.ts';
import { searchJournal } from '../../../aggregator/sinks/journal/journal-search.ts';
import { buildClusterView, type PartResult } from '../../../aggregator/ui/cluster-view.ts';
import type { Part } from '../../../aggregator/ui/part.ts';
import type { ContainerSummary } from '../../../aggregator/ui/ui-api.ts';
import { LogTail, TAIL_PINNED_MAX, TAIL_RECENT_MAX } from '../../../aggregator/ui/log-tail.ts';

const node = { id: 'node1', hostname: 'host-1' };
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

function metric(id: string, s: number, cpu: number): ContainerMetricRecord {
  return {
    kind: 'metric',
    scope: 'container',
    id: `m-${id}-${s}`,
    time: at(s),
    node,
    container: { id: id.padEnd(12, '0'), name: id, image: 'img', labels: {} },
    state: { status: 'running', health: 'none', restartCount: 0 },
    cpu: { usageSeconds: s },
    memory: { usageBytes: 100, workingSetBytes: 50 + s },
    rates: { windowSeconds: 1, onlineCpus: 2, cpuTotal: cpu, netRxBytes: 10, netTxBytes: 20 },
  };
}

test('history keeps a ring of the newest points per series, refuses series past the bound and counts them', (t) => {
  const h = new HistoryStore({ windowMs: 3_600_000, maxPoints: 3, maxSeries: 2, now: () => Date.parse(at(100)) });
  for (let s = 1; s <= 5; s++) h.observeContainer(metric('aaa', s, s / 10));
  h.observeContainer(metric('aaa', 2, 9)); // a retried, older record does not go back in time
  const a = h.container('aaa'.padEnd(12, '0'))!;
  t.deepEqual(
    a.t.map((x) => (x - Date.parse(at(0))) / 1000),
    [3, 4, 5],
  );
  t.deepEqual(
    a.cpu.map((x) => Number(x!.toFixed(2))),
    [0.3, 0.4, 0.5],
  );
  t.deepEqual(a.mem, [53, 54, 55]);
  t.deepEqual(a.ioRead, [null, null, null], 'absent rates are gaps, not zeros');
  h.observeContainer(metric('bbb', 1, 1));
  h.observeContainer(metric('ccc', 1, 1));
  t.is(h.size, 2);
  t.is(h.refusedSeries, 1);
  t.is(h.container('ccc'.padEnd(12, '0')), undefined);
});

test('series not written within the window are forgotten, making room for new ones', (t) => {
  let now = Date.parse(at(10));
  const h = new HistoryStore({ windowMs: 5_000, maxPoints: 10, maxSeries: 1, now: () => now });
  h.observeContainer(metric('old', 10, 1));
  now = Date.parse(at(30));
  h.observeContainer(metric('new', 30, 1));
  t.is(h.refusedSeries, 0);
  t.truthy(h.container('new'.padEnd(12, '0')));
  t.is(h.container('old'.padEnd(12, '0')), undefined);
});

test("a node's CPU, memory and IO rates come from consecutive host records", (t) => {
  const h = new HistoryStore({ windowMs: 3_600_000, maxPoints: 10, maxSeries: 10, now: () => Date.parse(at(100)) });
  const host = (s: number, busy: number, idle: number, written: number): HostMetricRecord => ({
    kind: 'metric',
    scope: 'host',
    id: `h-${s}`,
    time: at(s),
    node,
    host: {
      cpus: [
        { cpu: 'cpu0', user: busy / 2, nice: 0, system: 0, idle: idle / 2, iowait: 0, irq: 0, softirq: 0, steal: 0 },
        { cpu: 'cpu1', user: busy / 2, nice: 0, system: 0, idle: idle / 2, iowait: 0, irq: 0, softirq: 0, steal: 0 },
      ],
      memory: { MemTotal: 1000, MemAvailable: 400 },
      disks: [
        {
          device: 'sda',
          reads: 0,
          readBytes: 0,
          readSeconds: 0,
          writes: 0,
          writtenBytes: written,
          writeSeconds: 0,
          ioNow: 0,
          ioSeconds: 0,
          ioWeightedSeconds: 0,
        },
      ],
    },
  });
  h.observeHost(host(10, 100, 100, 0));
  h.observeHost(host(12, 102, 100, 4096)); // 2 s: 2 busy of 2 total cpu-seconds → 2 cores... of 2
  const s = h.node('node1')!;
  t.is(s.t.length, 1, 'the first record only sets the baseline');
  t.is(s.cpu[0], 2);
  t.is(s.mem[0], 600);
  t.is(s.ioWrite[0], 2048);
});

test("a service's series is its containers' summed on a common time step", (t) => {
  const a = {
    t: [1000, 2000],
    cpu: [1, 2],
    mem: [10, 20],
    netRx: [null, 1],
    netTx: [0, 0],
    ioRead: [0, 0],
    ioWrite: [0, 0],
  };
  const b = {
    t: [1040, 2030],
    cpu: [0.5, 0.5],
    mem: [1, 1],
    netRx: [null, null],
    netTx: [0, 0],
    ioRead: [0, 0],
    ioWrite: [0, 0],
  };
  const sum = sumSeries([a, b], 1000);
  t.deepEqual(sum.t, [1000, 2000]);
  t.deepEqual(sum.cpu, [1.5, 2.5]);
  t.deepEqual(sum.mem, [11, 21]);
  t.deepEqual(sum.netRx, [null, 1], 'a step where no container has a value stays a gap');
});

function log(i: number, message: string, stream: 'stdout' | 'stderr', service: string, s: number): LogRecord {
  return {
    kind: 'log',
    id: `log-${i}-xxxxx`,
    time: at(s),
    node,
    container: {
      id: `c${service}`.padEnd(64, '0'),
      name: service,
      image: 'img',
      labels: { 'com.docker.swarm.service.name': service, team: service === 'web' ? 'a' : 'b' },
    },
    stream,
    message,
    origin: { source: 'json-file' },
  };
}

/** Two segments as journals wrote them before frames (version 1 lines, one bad), or one segment of two frames. */
const journalWriters = {
  'version 1 lines': async (dir: string, seg1: WireRecord[], seg2: WireRecord[]) => {
    await writeFile(join(dir, 'journal-000000000001.ndjson'), seg1.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await writeFile(
      join(dir, 'journal-000000000002.ndjson'),
      seg2.map((r) => JSON.stringify(r)).join('\n') + '\nnot json\n',
    );
  },
  frames: async (dir: string, seg1: WireRecord[], seg2: WireRecord[]) => {
    const j = new JournalSink({ dir, maxBytes: 1 << 20 });
    await j.start();
    await j.write(seg1, '1', { body: await encodeBatchV2(seg1), compression: 'gzip' });
    await j.write(seg2, '2', { body: await encodeBatchV2(seg2), compression: 'gzip' });
    await j.close();
  },
};

for (const [format, write] of Object.entries(journalWriters))
  test(`journal search (${format}) filters by text, stream, service, label and time, newest matches first kept, in time order`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'swarmscope-journal-'));
    const seg1 = [log(1, 'GET /a 200', 'stdout', 'web', 1), log(2, 'boom: Disk full', 'stderr', 'db', 2)];
    const seg2: WireRecord[] = [
      log(3, 'GET /b 500', 'stdout', 'web', 3),
      log(4, 'disk FULL again', 'stderr', 'db', 4),
      { kind: 'inventory', id: 'inv-xxxxxx', time: at(4), node, intervalMs: 1000, containerIds: [] },
      log(5, 'GET /c 200', 'stdout', 'web', 5),
    ];
    await write(dir, seg1, seg2);
    const ids = async (q: Parameters<typeof searchJournal>[1]) =>
      (await searchJournal(dir, q)).records.map((r) => r.id);
    t.deepEqual(
      await ids({ text: 'disk full', limit: 10 }),
      ['log-2-xxxxx', 'log-4-xxxxx'],
      'case-insensitive, both segments, in time order',
    );
    t.deepEqual(await ids({ service: 'web', limit: 2 }), ['log-3-xxxxx', 'log-5-xxxxx'], 'the newest two');
    t.deepEqual(await ids({ stream: 'stderr', limit: 10 }), ['log-2-xxxxx', 'log-4-xxxxx']);
    t.deepEqual(await ids({ labels: [['team', 'a']], text: '200', limit: 10 }), ['log-1-xxxxx', 'log-5-xxxxx']);
    t.deepEqual(await ids({ fromMs: Date.parse(at(2)), toMs: Date.parse(at(3)), limit: 10 }), [
      'log-2-xxxxx',
      'log-3-xxxxx',
    ]);
    t.deepEqual(await ids({ containerId: 'cdb', limit: 10 }), ['log-2-xxxxx', 'log-4-xxxxx'], 'a container id prefix');
    const bounded = await searchJournal(dir, { text: 'GET', limit: 10 }, 10);
    t.true(bounded.partial, 'the scan bound stops at the newest segment (frame) and says so');
    t.deepEqual(
      bounded.records.map((r) => r.id),
      ['log-3-xxxxx', 'log-5-xxxxx'],
    );
  });

function container(id: string, over: Partial<ContainerSummary> = {}): ContainerSummary {
  return {
    id,
    name: id,
    image: 'img:1',
    nodeId: 'n1',
    hostname: 'host-1',
    service: '',
    serviceId: '',
    taskId: '',
    slot: '',
    stack: '',
    status: 'running',
    health: 'none',
    restarts: 0,
    oomKills: 0,
    startedAt: '',
    cpu: 0.1,
    mem: 1,
    memLimit: null,
    netRx: 0,
    netTx: 0,
    ioRead: 0,
    ioWrite: 0,
    time: at(0),
    ...over,
  };
}

function part(replica: string, nodes: Array<{ id: string; lastSeenMs: number; containers: ContainerSummary[] }>): Part {
  return {
    replica,
    generatedAtMs: 1_000_000,
    nodes: nodes.map((n) => ({
      key: n.id,
      nodeId: n.id,
      hostname: `host-${n.id}`,
      lastSeenMs: n.lastSeenMs,
      cpus: 2,
      cpuUsed: 0.5,
      memTotal: 100,
      memUsed: 50,
      diskTotal: null,
      diskUsed: null,
      load1: null,
      queueBytes: null,
      containers: n.containers,
    })),
    swarm: undefined,
    events: [],
  };
}

test('the cluster view merges every replica part: the freshest report of a node wins, a silent peer and silent collector need attention', (t) => {
  const now = 1_000_000;
  const results: PartResult[] = [
    {
      replica: 'a',
      fetchedAtMs: now,
      part: part('a', [
        { id: 'n1', lastSeenMs: now - 1_000, containers: [container('c1', { health: 'unhealthy' })] },
        { id: 'n2', lastSeenMs: now - 60_000, containers: [container('old')] },
      ]),
    },
    {
      replica: 'b',
      fetchedAtMs: now,
      part: part('b', [{ id: 'n2', lastSeenMs: now - 2_000, containers: [container('c2', { oomKills: 1 })] }]),
    },
    { replica: 'c', fetchedAtMs: now, error: 'connect ECONNREFUSED' },
  ];
  const v = buildClusterView(results, { configured: false, firing: [] }, now);
  t.deepEqual(
    v.nodes.map((n) => [n.id, n.replica, n.collector]),
    [
      ['n1', 'a', 'ok'],
      ['n2', 'b', 'ok'],
    ],
  );
  t.deepEqual(v.containers.map((c) => c.id).sort(), ['c1', 'c2'], 'the stale copy of n2 is not counted');
  t.deepEqual(
    v.parts.map((p) => [p.replica, p.ok, p.nodes]),
    [
      ['a', true, 2],
      ['b', true, 1],
      ['c', false, 0],
    ],
  );
  t.deepEqual(
    v.attention.map((a) => [a.severity, a.kind]),
    [
      ['critical', 'replica'],
      ['critical', 'health'],
      ['critical', 'oom'],
    ],
  );
  const silent = buildClusterView(
    [{ replica: 'a', fetchedAtMs: now, part: part('a', [{ id: 'n9', lastSeenMs: now - 45_000, containers: [] }]) }],
    { configured: true, firing: [{ name: 'NodeDown', severity: 'critical', summary: 'x', startsAt: at(0) }] },
    now,
  );
  t.deepEqual(
    silent.attention.map((a) => a.kind),
    ['alert', 'collector'],
  );
  t.regex(silent.attention[1]!.text, /silent for 45 s/);
});

test('a tail opened after a line was accepted still gets it (it may not be searchable yet), and live lines after it', (t) => {
  const tail = new LogTail();
  tail.observe([log(1, 'before the page', 'stdout', 'web', 1), log(2, 'other service', 'stdout', 'db', 2)]);
  let woken = 0;
  const sub = tail.subscribe({ service: 'web', limit: 10 }, () => woken++)!;
  t.deepEqual(
    sub.pending.map((l) => l.message),
    ['before the page'],
    'seeded from the recent lines, only those matching',
  );
  t.is(woken, 0, 'not woken while the caller sets up its stream');
  tail.observe([log(3, 'live', 'stdout', 'web', 3)]);
  t.deepEqual(
    sub.pending.map((l) => l.message),
    ['before the page', 'live'],
  );
  t.is(woken, 1);
});

/** Version 2 bytes of `lines`, decoded as the ingest route decodes them: messages left in the batch. */
function asIngested(lines: WireRecord[]): WireRecord[] {
  const d = decodeLinesV2(encodeLinesV2(lines), { messagesAsBytes: true });
  if ('reason' in d) throw new Error(d.reason);
  return d.records;
}

const fileLine = (i: number): LogRecord => ({
  ...log(i, `line ${i} é`, 'stdout', 'web', i),
  origin: { source: 'json-file', file: '/f', offset: i },
});

test('a tail opened later gets the newest TAIL_RECENT_MAX lines of a large batch, messages read from its bytes', (t) => {
  const tail = new LogTail();
  const n = TAIL_RECENT_MAX + 5;
  const lines = Array.from({ length: n }, (_, i) => fileLine(i));
  const records = asIngested(lines);
  t.true(records.every((r) => r instanceof ByteLog));
  tail.observe(records);
  const sub = tail.subscribe({ service: 'web', limit: n }, () => {})!;
  t.deepEqual(
    sub.pending.map((l) => l.message),
    lines.slice(n - TAIL_RECENT_MAX).map((l) => l.message),
  );
});

test('the recent lines keep at most TAIL_PINNED_MAX of batches alive: older lines let theirs go, messages intact', (t) => {
  const tail = new LogTail();
  // Each batch: one log line among 1 MiB of other records, as a node's metrics would be.
  const filler = (i: number): WireRecord => ({
    kind: 'agent',
    id: `agent-${i}-xxxxx`,
    time: at(i),
    node,
    counters: Object.fromEntries(Array.from({ length: 2_000 }, (_, k) => [`counter_${k}_`.padEnd(500, 'x'), k])),
    gauges: {},
  });
  const batches = 40;
  const lines: LogRecord[] = [];
  const held: ByteLog[] = [];
  for (let b = 0; b < batches; b++) {
    lines.push(fileLine(b));
    const records = asIngested([filler(b), lines[b]!]);
    held.push(records[1] as ByteLog);
    tail.observe(records);
  }
  const alive = new Set(held.map((r) => r.batch).filter((x) => x !== undefined));
  const bytes = [...alive].reduce((n, x) => n + x.byteLength, 0);
  t.true(bytes > 0 && bytes <= TAIL_PINNED_MAX, `${alive.size} batches, ${bytes} bytes alive`);
  t.true(alive.size < batches, 'the oldest lines let their batches go');
  t.is(held.at(-1)!.batch !== undefined, true, 'the newest still reads from its batch');
  const sub = tail.subscribe({ service: 'web', limit: batches }, () => {})!;
  t.deepEqual(
    sub.pending.map((l) => l.message),
    lines.map((l) => l.message),
  );
});

test('at the series bound, stale series are looked for at most once a second, not at every refused record', (t) => {
  let now = Date.parse(at(10));
  const h = new HistoryStore({ windowMs: 5_000, maxPoints: 10, maxSeries: 1, now: () => now });
  h.observeContainer(metric('old', 10, 1));
  now = Date.parse(at(14)) + 900;
  h.observeContainer(metric('xxx', 14, 1)); // refused: 'old' is still fresh (a sweep ran)
  now = Date.parse(at(15)) + 500;
  h.observeContainer(metric('yyy', 15, 1)); // refused: 'old' is stale now, but the last sweep was 0.6 s ago
  t.is(h.refusedSeries, 2);
  now = Date.parse(at(16));
  h.observeContainer(metric('zzz', 16, 1)); // a second later: swept, room made
  t.is(h.refusedSeries, 2);
  t.truthy(h.container('zzz'.padEnd(12, '0')));
  t.is(h.container('old'.padEnd(12, '0')), undefined);
});
