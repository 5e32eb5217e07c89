// The UI on the real swarm, read in Chromium as a person would: a service deployed, scaled 2 → 5,
// rolled to a new image two tasks at a time with 10 s between, and one task made to fail its health
// check. Each step the engine reports shows on the cluster page, the visualizer and the service page
// within 5 s. Then screenshots of every page, and a stopped aggregator shows as a lost connection.
import test from 'ava';
import type { Page } from 'playwright-core';
import { DockerApi } from '../../collector/docker-api.ts';
import { startTestAggregator } from '../helpers/aggregator.ts';
import { CollectorProcess } from '../helpers/collector-process.ts';
import { docker } from '../helpers/docker.ts';
import { testEnv } from '../helpers/env.ts';
import { createService, removeServices, uniqueName } from '../helpers/swarm.ts';
import { screenshot, signIn, within } from '../helpers/ui.ts';
import { waitFor } from '../helpers/wait.ts';

const SHOWN_WITHIN_MS = 5_000;

type EngineService = {
  ID: string;
  ServiceStatus?: { RunningTasks: number; DesiredTasks: number };
  UpdateStatus?: { State: string };
};
type EngineTask = {
  ID: string;
  Slot?: number;
  DesiredState: string;
  Status: { State: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
  Spec: { ContainerSpec: { Image: string } };
};

/** The engine's own word on the service: the ground truth each page is compared with. */
async function engine(api: DockerApi, name: string) {
  const filter = encodeURIComponent(JSON.stringify({ name: [name] }));
  const [svc] = await api.get<EngineService[]>(`/services?status=true&filters=${filter}`);
  const tasks = await api.get<EngineTask[]>(
    `/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [name] }))}`,
  );
  return {
    id: svc?.ID ?? '',
    running: svc?.ServiceStatus?.RunningTasks ?? 0,
    desired: svc?.ServiceStatus?.DesiredTasks ?? 0,
    update: svc?.UpdateStatus?.State ?? '',
    tasks,
  };
}

const text = (page: Page, selector: string) => page.locator(selector).first().textContent({ timeout: 500 });
const count = (page: Page, selector: string) => page.locator(selector).count();

test('cluster page, visualizer and service page show deploy, scale 2→5, a rolling update and a failing health check within 5 s of the engine', async (t) => {
  t.timeout(600_000);
  const name = uniqueName('ui13');
  const v2 = `swarmscope-workload:${uniqueName('ui13v2')}`;
  const agg = await startTestAggregator({ es: false });
  // A collector process of its own (its rounds never wait on this process's browser driving), logs
  // off (a collector's first minutes ship every existing container's log backlog ahead of the Swarm state).
  const col = await CollectorProcess.start(
    { urls: [agg.url], token: agg.token },
    {
      SWARMSCOPE_LOGS: 'false',
      SWARMSCOPE_INTERVAL: '1s',
      SWARMSCOPE_BATCH_MAX_AGE: '200ms',
      SWARMSCOPE_RETRY_MAX: '2s',
    },
  );
  // Diagnostics for a failure: when each Swarm snapshot arrived and how old it was then.
  const arrivals: string[] = [];
  const apply = agg.state.swarm.apply.bind(agg.state.swarm);
  agg.state.swarm.apply = (r) => {
    if (r.type === 'snapshot') {
      arrivals.push(`${new Date().toISOString().slice(14, 23)}(+${Date.now() - Date.parse(r.time)})`);
      arrivals.splice(0, arrivals.length - 15);
    }
    apply(r);
  };
  const api = new DockerApi(testEnv.dockerHost);
  await api.negotiate();
  const ui = await signIn(agg.url, agg.token);
  let aggClosed = false;
  t.teardown(async () => {
    await removeServices([name]);
    await docker(['rmi', v2]).catch(() => undefined);
    await ui.close();
    await col.stop();
    if (!aggClosed) await agg.close();
    await api.close();
  });
  const lags: string[] = [];
  /** Waits for the engine to report a step, then for every page to show it within 5 s. */
  const step = async <T>(
    what: string,
    engineSays: (e: Awaited<ReturnType<typeof engine>>) => T | undefined | false,
    pages: Array<[string, () => Promise<boolean>]>,
  ): Promise<T> => {
    const truth = await waitFor(async () => engineSays(await engine(api, name)), {
      timeoutMs: 240_000,
      intervalMs: 200,
      what: `the engine to report ${what}`,
    });
    const shown = await Promise.all(
      pages.map(([page, probe]) =>
        within(SHOWN_WITHIN_MS, `${what} on the ${page}`, async () => (await probe()) || undefined).then(
          (r) => `${page} ${r.ms} ms`,
        ),
      ),
    ).catch(async (err: Error) => {
      // What the aggregator held at that moment, to tell a slow pipeline from a wrong page.
      const view = (await (
        await fetch(`${agg.url}/ui/api/cluster`, { headers: { authorization: `Bearer ${agg.token}` } })
      ).json()) as { swarm: unknown; services: Array<{ name: string; running: number; desired: number }> };
      t.log(
        `at ${new Date().toISOString()} the aggregator held: swarm ${JSON.stringify(view.swarm)}, ${JSON.stringify(view.services.find((s) => s.name === name))}`,
      );
      t.log(lags.join('\n'));
      t.log(`last snapshots arrived at (mm:ss.ms, +age ms): ${arrivals.join(' ')}`);
      throw err;
    });
    lags.push(`${what}: ${shown.join(', ')}`);
    return truth;
  };

  const cluster = await ui.open('/');
  const vis = await ui.open('/visualizer');
  const row = `tr[data-service="${name}"]`;
  const cards = (tone: string, image?: string) =>
    `.card[data-service="${name}"][data-tone="${tone}"]${image ? `[data-image="${image}"]` : ''}`;

  await createService(
    name,
    [
      '--replicas',
      '2',
      '--stop-grace-period',
      '1s',
      '--health-cmd',
      'test ! -e /tmp/unhealthy',
      '--health-interval',
      '1s',
      '--health-retries',
      '2',
    ],
    ['sleep', '100000'],
  );
  const { id } = await step('2 of 2 tasks running', (e) => e.running === 2 && e.desired === 2 && e, [
    ['cluster page', async () => (await text(cluster, `${row} .replicas`)) === '2/2'],
    ['visualizer', async () => (await count(vis, cards('running'))) === 2],
  ]);
  const svc = await ui.open(`/service/${id}`);
  await within(SHOWN_WITHIN_MS, 'the service page', async () => (await text(svc, 'dd.replicas')) === '2 / 2 running');

  await docker(['service', 'scale', '-d', `${name}=5`]);
  await step('scaled to 5 of 5 running', (e) => e.running === 5 && e.desired === 5, [
    ['cluster page', async () => (await text(cluster, `${row} .replicas`)) === '5/5'],
    ['visualizer', async () => (await count(vis, cards('running'))) === 5],
    ['service page', async () => (await text(svc, 'dd.replicas')) === '5 / 5 running'],
  ]);

  // The rolling update: the engine's state, and each batch of tasks on the new image.
  await docker(['tag', testEnv.workloadImage, v2]);
  await docker(['service', 'update', '-d', '--image', v2, '--update-parallelism', '2', '--update-delay', '10s', name]);
  await step('the update in progress', (e) => e.update === 'updating', [
    ['cluster page', async () => (await text(cluster, `${row} .update`)) === 'updating'],
    ['service page', async () => (await svc.locator('dd.update').getAttribute('data-update')) === 'updating'],
  ]);
  const onV2 = (e: Awaited<ReturnType<typeof engine>>) =>
    e.tasks.filter(
      (x) => x.DesiredState === 'running' && x.Status.State === 'running' && x.Spec.ContainerSpec.Image.startsWith(v2),
    ).length;
  for (let done = 0; done < 5;) {
    const k = await step(`more than ${done} tasks running the new image`, (e) => onV2(e) > done && onV2(e), [
      ['visualizer', async () => (await count(vis, cards('running', v2))) >= done + 1],
    ]);
    // The visualizer catches up with exactly the engine's count (both sides re-read: a batch's second task may follow).
    await within(
      SHOWN_WITHIN_MS,
      `the engine's count of new-image tasks (${k} or more)`,
      async () => (await count(vis, cards('running', v2))) === onV2(await engine(api, name)),
    );
    done = k;
  }
  await step('the update completed', (e) => e.update === 'completed' && e.running === 5, [
    ['cluster page', async () => (await text(cluster, `${row} .update`)) === 'completed'],
    ['service page', async () => (await svc.locator('dd.update').getAttribute('data-update')) === 'completed'],
    ['visualizer', async () => (await count(vis, cards('running', v2))) === 5],
  ]);
  await screenshot(cluster, 'cluster');
  await screenshot(vis, 'visualizer');
  await screenshot(svc, 'service');

  // One task fails its health check: the engine kills it and starts a replacement.
  const victim = (await engine(api, name)).tasks.find(
    (x) => x.DesiredState === 'running' && x.Status.State === 'running',
  )!;
  await docker(['exec', victim.Status.ContainerStatus!.ContainerID!, 'touch', '/tmp/unhealthy']);
  await step(
    'the task failed by its health check',
    (e) => e.tasks.find((x) => x.ID === victim.ID && x.Status.State === 'failed'),
    [
      ['visualizer', async () => (await count(vis, `${cards('failed')}[data-slot="${victim.Slot}"]`)) >= 1],
      ['service page', async () => (await count(svc, `tr[data-task="${victim.ID}"][data-state="failed"]`)) === 1],
      [
        'cluster page',
        async () =>
          (await cluster.locator('.attention li', { hasText: name }).allTextContents()).some((x) =>
            /failure|unhealthy/.test(x),
          ),
      ],
    ],
  );
  const failedRow = await text(svc, `tr[data-task="${victim.ID}"] td.error`);
  t.regex(failedRow ?? '', /unhealthy|exit/, 'the task row says why it failed');
  await screenshot(vis, 'visualizer-failed-task');
  await screenshot(cluster, 'cluster-attention');

  const node = await ui.open(
    `/node/${encodeURIComponent((await docker(['info', '--format', '{{.Swarm.NodeID}}'])).trim())}`,
  );
  await within(10_000, 'node charts', async () => (await count(node, '.chart canvas')) === 4);
  await screenshot(node, 'node');
  const container = await ui.open(`/container/${victim.Status.ContainerStatus!.ContainerID}`);
  await screenshot(container, 'container');

  t.log(lags.join('\n'));

  // A stopped aggregator shows plainly.
  await agg.close();
  aggClosed = true;
  await within(10_000, 'the lost-connection banner', async () =>
    (await cluster.locator('.banner').textContent({ timeout: 500 }))?.includes('Connection to the aggregator lost'),
  );
  t.is(await cluster.locator('[data-connection]').getAttribute('data-connection'), 'lost');
});
