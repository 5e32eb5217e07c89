// Three aggregator replicas (real processes) and 60 simulated collectors speaking the wire protocol,
// each a node with a known number of containers, routed to its owner as collectors are. The union of
// the replicas' /metrics is checked exactly (every node and container series once, none missing,
// sums true), then one replica is killed (the sums are right again once its nodes moved) and brought
// back (ownership rebalances, the sums stay right). Times are measured and logged, never asserted.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AggregatorProcess, freePort } from '../helpers/aggregator-process.ts';
import { Loadgen } from '../helpers/loadgen.ts';
import { checkReplicas, scrapeAll, type Fleet, type ReplicaReport } from '../helpers/replica-oracle.ts';
import { simulatedNodeId } from '../helpers/fleet-records.ts';

const COLLECTORS = 60;
const INTERVAL_MS = 1000;
const containersOf = (i: number) => 3 + (i % 7);

/** Scrapes every URL at once until the oracle is satisfied; returns the report and how long it took. */
async function untilRight(urls: string[], fleet: Fleet, what: string, timeoutMs = 120_000) {
  const started = Date.now();
  let last: ReplicaReport | undefined;
  let wrong = 0;
  while (Date.now() - started < timeoutMs) {
    // The time counted is when the scrapes that were right began (the state they saw).
    const at = Date.now();
    last = checkReplicas(urls, await scrapeAll(urls), fleet);
    if (last.ok) return { report: last, ms: at - started, wrongScrapes: wrong };
    wrong++;
    await sleep(200);
  }
  throw new Error(`${what}: sums not right after ${timeoutMs} ms: ${last?.problems.slice(0, 8).join('; ')}`);
}

test('three replicas expose every node and container series exactly once, also after one is killed and comes back', async (t) => {
  const run = `own${randomBytes(3).toString('hex')}`;
  const token = randomBytes(12).toString('hex');
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-ownership-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  const replicas = ports.map(
    (port, i) =>
      new AggregatorProcess(port, {
        SWARMSCOPE_TOKEN: token,
        // The local journal stands in for Elasticsearch: indexing does not depend on ownership.
        SWARMSCOPE_DATA_DIR: join(dir, `replica${i}`),
        SWARMSCOPE_REPLICAS: urls.join(','),
        SWARMSCOPE_REPLICA_PROBE_INTERVAL: '500ms',
        SWARMSCOPE_OWNERSHIP_HOLD: '3s',
      }),
  );
  await Promise.all(replicas.map((r) => r.start()));
  const load = new Loadgen({
    urls,
    token,
    collectors: COLLECTORS,
    rate: 0,
    run,
    fsync: 'off',
    containers: containersOf,
    intervalMs: INTERVAL_MS,
    routing: { retryDownMs: 1000 },
    retryMaxMs: 1000,
  });
  t.teardown(async () => {
    await load.close();
    await Promise.all(replicas.map((r) => r.stop()));
    await rm(dir, { recursive: true, force: true });
  });
  const fleet: Fleet = new Map(Array.from({ length: COLLECTORS }, (_, i) => [`${run}-c${i}`, containersOf(i)]));
  const containers = [...fleet.values()].reduce((a, b) => a + b, 0);
  await load.start();

  const steady = await untilRight(urls, fleet, 'three replicas');
  t.log(
    `${COLLECTORS} nodes, ${containers} containers: nodes per replica ${steady.report.nodesPerReplica.join('/')}, series ${steady.report.seriesPerReplica.join('/')}`,
  );
  t.true(
    steady.report.nodesPerReplica.every((n) => n > 0),
    'every replica owns some nodes',
  );
  for (let i = 0; i < 3; i++) {
    await sleep(INTERVAL_MS);
    const r = checkReplicas(urls, await scrapeAll(urls), fleet);
    t.deepEqual(r.problems, [], 'sums stay right while nothing changes');
  }

  // http_sd: every node is a target once, at the replica that exposes it; its per-node scrape is its series only.
  const groups = (await (await fetch(`${urls[2]}/api/v1/targets`)).json()) as Array<{
    targets: string[];
    labels: Record<string, string>;
  }>;
  const nodeTargets = groups.filter((g) => g.labels.__param_node !== undefined);
  t.is(nodeTargets.length, COLLECTORS);
  const exposer = checkReplicas(urls, await scrapeAll(urls), fleet).exposer;
  for (const g of nodeTargets)
    t.is<string | undefined, string | undefined>(`http://${g.targets[0]}`, exposer.get(g.labels.__param_node ?? ''));
  t.is(groups.filter((g) => g.labels.__param_part === 'replica').length, 3);
  const one = simulatedNodeId(`${run}-c0`);
  const perNode = await (await fetch(`${exposer.get(one)}/metrics?node=${one}`)).text();
  const instances = new Set([...perNode.matchAll(/[{,]instance="([^"]*)"/g)].map((m) => m[1]));
  t.deepEqual([...instances], [one]);
  t.is(perNode.match(/^container_memory_usage_bytes\{id="\/docker\//gm)?.length, containersOf(0));

  // Kill one replica: its nodes move to their next replica in rendezvous order.
  await replicas[1]!.kill9();
  const left = [urls[0]!, urls[2]!];
  const afterKill = await untilRight(left, fleet, 'after a kill');
  t.log(
    `after the kill: sums right again in ${afterKill.ms} ms (${(afterKill.ms / INTERVAL_MS).toFixed(1)} intervals); nodes per replica ${afterKill.report.nodesPerReplica.join('/')}`,
  );
  t.is(
    afterKill.report.nodesPerReplica.reduce((a, b) => a + b, 0),
    COLLECTORS,
  );

  // Bring it back: it takes its nodes again, the others let them go. Collectors move back one by
  // one (each on its own next look at the replica set): the sums must be right at every scrape that
  // is counted, and within a minute every node is with its owner again.
  await replicas[1]!.start();
  const back = await (async () => {
    const started = Date.now();
    let wrongScrapes = 0;
    for (;;) {
      const r = await untilRight(urls, fleet, 'after the replica came back');
      wrongScrapes += r.wrongScrapes;
      const home = r.report.nodesPerReplica.every((n, i) => n === steady.report.nodesPerReplica[i]);
      if (home || Date.now() - started > 60_000) return { ...r, wrongScrapes, ms: Date.now() - started };
      await sleep(200);
    }
  })();
  t.log(
    `after the return: rebalanced and right in ${back.ms} ms (${back.wrongScrapes} scrapes seen wrong meanwhile); nodes per replica ${back.report.nodesPerReplica.join('/')}`,
  );
  t.deepEqual(back.report.nodesPerReplica, steady.report.nodesPerReplica, 'each node is back with its owner');
  for (let i = 0; i < 5; i++) {
    await sleep(INTERVAL_MS);
    const r = checkReplicas(urls, await scrapeAll(urls), fleet);
    t.deepEqual(r.problems, [], 'sums stay right after the rebalance');
  }
});
