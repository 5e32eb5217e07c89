// Ownership across three replicas talking over real loopback HTTP, on a clock the test moves: a
// node moving between replicas (its collector cut off from its owner, or its owner coming back) is
// never exposed by two replicas at once; the price is a gap of about one probe interval.
import test from 'ava';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { Ownership, HELD_PATH } from '../../aggregator/ownership.ts';
import { ReplicaSet, rendezvousOrder } from '../../common/replica-set.ts';
import { createLogger } from '../../common/logger.ts';

const PROBE_MS = 1000;
const HOLD_MS = 3000;

type Replica = { url: string; own: Ownership; held: Map<string, { seen: number; since: number }>; server: Server };

async function replicas(n: number, now: () => number): Promise<Replica[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, async () => {
      const server = createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return server;
    }),
  );
  const urls = servers.map((s) => `http://127.0.0.1:${(s.address() as { port: number }).port}`);
  return servers.map((server, i) => {
    const held = new Map<string, { seen: number; since: number }>();
    const own = new Ownership({
      replicas: new ReplicaSet({ entries: urls }),
      self: urls[i],
      listenPort: 0,
      token: 't',
      holdMs: HOLD_MS,
      probeIntervalMs: PROBE_MS,
      log: createLogger({ name: 'ownership-test', level: 'silent' }),
      now,
    });
    server.on('request', (req, res) => {
      if (req.url !== HELD_PATH) return res.writeHead(404).end();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(own.held([...held].map(([k, v]) => [k, v.seen]))));
    });
    return { url: urls[i]!, own, held, server };
  });
}

/** A key whose rendezvous order over the replicas is [second, third, first]. */
function keyOwnedBy(rs: Replica[], first: number, second: number): string {
  const urls = rs.map((r) => r.url);
  for (let i = 0; ; i++) {
    const order = rendezvousOrder(`node-${i}`, urls);
    if (order[0] === urls[first] && order[1] === urls[second]) return `node-${i}`;
  }
}

const exposers = (rs: Replica[], key: string) =>
  rs
    .filter((r) => r.held.has(key) && r.own.exposes(key, r.held.get(key)!.seen, r.held.get(key)!.since))
    .map((r) => r.url);

const probeAll = (rs: Replica[]) => Promise.all(rs.map((r) => r.own.probe()));

test('a collector cut off from its owner moves to the next replica with a short gap and never two exposing', async (t) => {
  let now = 100_000;
  const rs = await replicas(3, () => now);
  t.teardown(() => rs.forEach((r) => r.server.close()));
  const [, b, c] = rs as [Replica, Replica, Replica];
  const x = keyOwnedBy(rs, 1, 2);
  b.held.set(x, { seen: now, since: now - 60_000 });
  await probeAll(rs);
  t.deepEqual(exposers(rs, x), [b.url]);

  // From now on the collector reaches only c: it sends there every second.
  const timeline: string[] = [];
  let gapSteps = 0;
  for (let step = 1; step <= 8; step++) {
    now += PROBE_MS;
    c.held.set(x, { seen: now, since: c.held.get(x)?.since ?? now });
    const during = exposers(rs, x);
    await probeAll(rs);
    const after = exposers(rs, x);
    for (const e of [during, after]) {
      t.true(e.length <= 1, `step ${step}: ${e.join(' and ')}`);
      if (e.length === 0) gapSteps++;
    }
    timeline.push(after.map((u) => (u === b.url ? 'b' : 'c')).join('') || '-');
  }
  t.log(`exposed by, each second: ${timeline.join(' ')} (b holds until its copy is ${HOLD_MS} ms old)`);
  t.deepEqual(exposers(rs, x), [c.url], 'the replica that receives the node exposes it');
  t.true(gapSteps <= 2, `a gap of at most one probe interval (${gapSteps} half-steps)`);
});

test('a node going back to its owner is handed over without two replicas exposing it', async (t) => {
  let now = 100_000;
  const rs = await replicas(3, () => now);
  t.teardown(() => rs.forEach((r) => r.server.close()));
  const [, b, c] = rs as [Replica, Replica, Replica];
  const x = keyOwnedBy(rs, 1, 2);
  c.held.set(x, { seen: now, since: now - 60_000 });
  await probeAll(rs);
  t.deepEqual(exposers(rs, x), [c.url]);

  // The owner is reachable again: the collector sends to b, and c's copy ages.
  const since = now + 500;
  const timeline: string[] = [];
  for (let step = 1; step <= 8; step++) {
    now += 500;
    b.held.set(x, { seen: now, since });
    const e = exposers(rs, x);
    t.true(e.length <= 1, `step ${step}: ${e.join(' and ')}`);
    timeline.push(e.map((u) => (u === b.url ? 'b' : 'c')).join('') || '-');
    if (step % 2 === 0) await probeAll(rs);
  }
  t.log(`exposed by, every half second: ${timeline.join(' ')}`);
  t.deepEqual(exposers(rs, x), [b.url]);
});

test('a replica that stops answering holds nothing: the next one in order exposes what it receives', async (t) => {
  let now = 100_000;
  const rs = await replicas(3, () => now);
  t.teardown(() => rs.forEach((r) => r.server.close()));
  const [, b, c] = rs as [Replica, Replica, Replica];
  const x = keyOwnedBy(rs, 1, 2);
  b.held.set(x, { seen: now, since: now - 60_000 });
  c.held.set(x, { seen: now, since: now });
  await probeAll(rs);
  t.deepEqual(exposers(rs, x), [b.url]);
  b.server.close();
  b.server.closeAllConnections();
  b.held.clear();
  now += PROBE_MS;
  await probeAll(rs);
  t.deepEqual(exposers(rs, x), [c.url]);
  t.is(c.own.peersUp(), 1);
});
