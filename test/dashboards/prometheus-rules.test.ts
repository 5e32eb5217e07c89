// The alert rule pack against the real tools: promtool checks and unit-tests the generated rules
// (every alert firing and quiet), amtool and promtool check the Alertmanager and scrape configs.
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../dashboards/build.ts';
import { generate, RULES_PATH, TESTS_PATH } from '../../dashboards/prometheus/build.ts';
import { RULE_GROUPS } from '../../dashboards/prometheus/alert-rules.ts';
import { CASES } from '../../dashboards/prometheus/rule-tests.ts';

const exec = promisify(execFile);
const dir = join(repoRoot, 'dashboards', 'prometheus');
const alerts = RULE_GROUPS.flatMap((g) => g.rules);

async function tool(bin: string, args: string[]): Promise<number> {
  try {
    await exec(bin, args, { cwd: repoRoot });
    return 0;
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    console.error(e.stdout, e.stderr);
    return e.code ?? 1;
  }
}

test('the checked-in rule and test files are what the generator makes', async (t) => {
  for (const a of generate())
    t.is(await readFile(join(repoRoot, a.path), 'utf8'), a.content, `${a.path} is stale: run npm run dashboards`);
});

test('promtool check rules accepts the rule pack', async (t) => {
  t.is(await tool('promtool', ['check', 'rules', RULES_PATH]), 0);
});

test('promtool test rules passes: every alert fires in its cases and stays quiet in the others', async (t) => {
  t.is(await tool('promtool', ['test', 'rules', TESTS_PATH]), 0);
});

test('every alert has a firing case and a quiet case', (t) => {
  for (const r of alerts) {
    t.true(
      CASES.some((c) => c.alert === r.alert && c.expect.length > 0),
      `${r.alert} has no firing case`,
    );
    t.true(
      CASES.some((c) => c.alert === r.alert && c.expect.length === 0),
      `${r.alert} has no quiet case`,
    );
  }
});

test('every alert has a severity, a scope and annotations naming where it happens', (t) => {
  for (const r of alerts) {
    t.true(['critical', 'warning', 'info'].includes(r.labels.severity), r.alert);
    t.truthy(r.annotations.summary, r.alert);
    const text = r.annotations.summary + r.annotations.description;
    if (r.labels.scope === 'container')
      for (const l of ['service', 'task', 'node'])
        t.true(text.includes(`$labels.${l}`), `${r.alert} does not name the ${l}`);
    if (r.labels.scope === 'service') t.true(text.includes('$labels.service'), `${r.alert} does not name the service`);
    if (r.labels.scope === 'node') t.true(text.includes('$labels.node'), `${r.alert} does not name the node`);
  }
});

test('the Alertmanager and scrape configurations pass amtool and promtool', async (t) => {
  t.is(await tool('amtool', ['check-config', join(dir, 'alertmanager.yml')]), 0);
  for (const file of ['prometheus.yml', 'prometheus-sharded.yml'])
    t.is(await tool('promtool', ['check', 'config', '--syntax-only', join(dir, file)]), 0, file);
});
