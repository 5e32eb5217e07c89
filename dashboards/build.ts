// `npm run dashboards`: regenerates every generated artefact (Grafana dashboards, Kibana saved
// objects, Grafana provisioning files, and the alert rules when dashboards/prometheus/ has a
// generator) and writes them; `--check` writes nothing and exits 1 when a checked-in file is stale.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { grafanaArtefacts } from './grafana/artefacts.ts';
import { kibanaArtefacts } from './kibana/artefacts.ts';

export type Artefact = { path: string; content: string };

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The alert-rules generator's artefacts, when it exists and exports generate(): Artefact[]. */
async function prometheusArtefacts(): Promise<Artefact[]> {
  const file = join(repoRoot, 'dashboards', 'prometheus', 'build.ts');
  if (!existsSync(file)) return [];
  const mod = (await import(pathToFileURL(file).href)) as { generate?: () => Artefact[] | Promise<Artefact[]> };
  return typeof mod.generate === 'function' ? await mod.generate() : [];
}

export async function allArtefacts(): Promise<Artefact[]> {
  return [...grafanaArtefacts(), ...kibanaArtefacts(), ...(await prometheusArtefacts())];
}

/** Paths (relative to root) whose content on disk differs from what the generators produce. */
export async function staleFiles(artefacts: readonly Artefact[], root = repoRoot): Promise<string[]> {
  const stale: string[] = [];
  for (const a of artefacts) {
    const onDisk = await readFile(join(root, a.path), 'utf8').catch(() => undefined);
    if (onDisk !== a.content) stale.push(a.path);
  }
  return stale;
}

export async function writeArtefacts(artefacts: readonly Artefact[], root = repoRoot): Promise<void> {
  for (const a of artefacts) {
    const file = join(root, a.path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, a.content);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const artefacts = await allArtefacts();
  if (process.argv.includes('--check')) {
    const stale = await staleFiles(artefacts);
    for (const path of stale) process.stderr.write(`stale: ${path} (run npm run dashboards and commit the result)\n`);
    process.stdout.write(`${artefacts.length - stale.length}/${artefacts.length} generated files are current\n`);
    process.exitCode = stale.length ? 1 : 0;
  } else {
    await writeArtefacts(artefacts);
    for (const a of artefacts) process.stdout.write(`wrote ${relative(process.cwd(), join(repoRoot, a.path))}\n`);
  }
}
