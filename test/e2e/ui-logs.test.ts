// The Logs page in Chromium, with Elasticsearch and with the local journal: a container writes
// known lines while its live tail is open (reached from the container page's link, as a person
// would): each line appears within 2 s of the time the engine stamped on it, and a search for one
// of them finds exactly that line.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { startTestAggregator } from '../helpers/aggregator.ts';
import { startTestCollector } from '../helpers/collector.ts';
import { docker, removeContainers, runContainer } from '../helpers/docker.ts';
import { screenshot, signIn, within } from '../helpers/ui.ts';
import { waitFor } from '../helpers/wait.ts';

const TAIL_WITHIN_MS = 2_000;
const LINES = 3;

for (const backend of ['elasticsearch', 'journal'] as const) {
  test(`with ${backend}: known lines reach the live tail within 2 s and a search finds exactly one of them`, async (t) => {
    t.timeout(300_000);
    const run = randomBytes(4).toString('hex');
    const label = `swarmscope.ui13.logs=${run}`;
    // Each step is logged with its time so that a run that fails says how far it got.
    const started = Date.now();
    const step = (what: string) => t.log(`${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);
    const agg = await startTestAggregator({ es: backend === 'elasticsearch' });
    step('aggregator up');
    // Only this test's container is followed: no other container's log backlog shares the pipeline.
    const col = await startTestCollector(agg, { SWARMSCOPE_LOGS_SELECTOR: label });
    const ui = await signIn(agg.url, agg.token);
    step('collector up, signed in');
    const ids: string[] = [];
    t.teardown(async () => {
      await removeContainers(ids);
      await ui.close();
      await col.close();
      await agg.close();
    });
    // The lines are written when the test says so (a file it creates), one every 300 ms.
    const marker = (i: number) => `ui13-${run}-line-${i}`;
    const script = `echo ui13-${run}-ready; while [ ! -e /tmp/go ]; do sleep 0.1; done; for i in $(seq 1 ${LINES}); do echo "ui13-${run}-line-$i of ${LINES}"; sleep 0.3; done; sleep 100000`;
    const id = await runContainer(['--label', label, '--name', `ui13-logs-${run}`], ['sh', '-c', script]);
    ids.push(id);
    step('container started');

    // The container page links to its live tail.
    const page = await ui.open(`/container/${id}`);
    await page.click('a.logs-link');
    await page.waitForURL(/\/logs\?container=/);
    await page.waitForSelector('[data-tail="live"]', { timeout: 30_000 });
    step('tail open');
    // When each line first shows on the page, by the browser's clock (the same clock the engine stamps with).
    // (A string: this file is typed for Node, the script runs in the page.)
    await page.evaluate(`window.seenAt = {};
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('.line .msg')) window.seenAt[el.textContent] ??= Date.now();
      }).observe(document.body, { childList: true, subtree: true, characterData: true });`);
    // The container's first line on the tail proves its log is followed; then the timed lines are written.
    await within(60_000, 'the ready line on the tail', async () =>
      (await page.locator('.line .msg').allTextContents()).includes(`ui13-${run}-ready`),
    );
    step('ready line shown');
    await docker(['exec', id, 'touch', '/tmp/go']);

    const seen = await within(30_000, `${LINES} lines on the tail`, async () => {
      const s = (await page.evaluate('window.seenAt')) as Record<string, number>;
      return Object.keys(s).filter((k) => k.startsWith(`ui13-${run}-line-`)).length === LINES ? s : undefined;
    });
    // The engine's own timestamp of each line (json-file "time").
    const written = new Map(
      (await docker(['logs', '-t', id]))
        .split('\n')
        .filter((l) => l.includes('-line-'))
        .map((l) => [l.slice(l.indexOf(' ') + 1), Date.parse(l.slice(0, l.indexOf(' ')))] as const),
    );
    const lags = [...written].map(([text, at]) => ({ text, lag: seen.value[text]! - at }));
    t.log(`${backend}: tail lag per line (ms): ${lags.map((l) => l.lag).join(', ')}`);
    t.is(lags.length, LINES);
    for (const l of lags) t.true(l.lag <= TAIL_WITHIN_MS, `${l.text} shown ${l.lag} ms after it was written`);
    t.is(await page.locator('.line').count(), LINES + 1, 'each line once (and the ready line)');
    await screenshot(page, backend === 'journal' ? 'logs-tail' : 'logs-tail-elasticsearch');

    // Search for one line: exactly it (Elasticsearch refreshes every second: wait until it is searchable).
    const wanted = `${marker(2)} of ${LINES}`;
    await waitFor(
      async () => {
        const res = await fetch(`${agg.url}/ui/api/logs?q=${encodeURIComponent(marker(2))}`, {
          headers: { authorization: `Bearer ${agg.token}` },
        });
        return ((await res.json()) as { lines: unknown[] }).lines.length > 0;
      },
      { timeoutMs: 30_000, what: 'the line searchable' },
    );
    const search = await ui.open(`/logs?q=${encodeURIComponent(marker(2))}`);
    await search.waitForSelector('.line', { timeout: 10_000 });
    const found = await search.locator('.line .msg').allTextContents();
    t.deepEqual(found, [wanted], 'exactly the line searched for');
    t.regex((await search.locator('.log-status').textContent()) ?? '', new RegExp(`1 line from ${backend}`));
    if (backend === 'journal') await screenshot(search, 'logs-search');
  });
}
