import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { allArtefacts, staleFiles, writeArtefacts } from '../../dashboards/build.ts';

test('the checked-in generated files are current', async (t) => {
  t.deepEqual(await staleFiles(await allArtefacts()), []);
});

test('finds a generated file stale when it differs or is missing, and current once rewritten', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'swarmscope-dash-'));
  const artefacts = await allArtefacts();
  t.is((await staleFiles(artefacts, root)).length, artefacts.length);
  await writeArtefacts(artefacts, root);
  t.deepEqual(await staleFiles(artefacts, root), []);
  await writeFile(join(root, artefacts[0]!.path), '{}\n');
  t.deepEqual(await staleFiles(artefacts, root), [artefacts[0]!.path]);
});

test('includes the alert rules from dashboards/prometheus and the Grafana provisioning files', async (t) => {
  const paths = (await allArtefacts()).map((a) => a.path);
  t.true(paths.some((p) => p.startsWith('dashboards/prometheus/')));
  t.true(paths.includes('stack/grafana/provisioning/datasources/swarmscope.yml'));
  t.true(paths.includes('stack/grafana/provisioning/dashboards/swarmscope.yml'));
});
