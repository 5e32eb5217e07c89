#!/usr/bin/env node
// Compiles the server (bin, common, collector, aggregator) to JavaScript in dist/, as the image runs
// it: Node then never loads its TypeScript stripper (a 3.7 MiB bundle plus WebAssembly memory, in
// the main thread and again in every worker). Per-file transpilation, no type check (tsc --noEmit
// does that); `npm start` and the tests keep running the .ts sources directly.
//
//   node stack/compile.ts [--out dist] [--typescript /path/to/node_modules/typescript]
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type * as Typescript from 'typescript';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
/** What the server is made of; tests, benches and build tools stay TypeScript. */
const SOURCES = ['bin', 'common', 'collector', 'aggregator'];
/** Files the server reads beside its code (by paths relative to its modules). */
const ASSETS = ['aggregator/ui/assets'];
export const DIST = join(repoRoot, 'dist');

type Ts = typeof Typescript;

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(path);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) yield path;
  }
}

/**
 * Writes the compiled server into outDir (replacing what was there) and returns how many modules.
 * typescriptDir: where the `typescript` package is when it is not this repository's dependency
 * (the image's build stage installs only the compiler).
 */
export async function compile(outDir = DIST, typescriptDir?: string): Promise<number> {
  const from = typescriptDir ? pathToFileURL(join(typescriptDir, 'package.json')).href : import.meta.url;
  const ts = createRequire(from)(typescriptDir ?? 'typescript') as Ts;
  const compilerOptions = {
    module: ts.ModuleKind.ESNext,
    target: ts.ScriptTarget.ES2024,
    verbatimModuleSyntax: true,
    // './x.ts' → './x.js' in static and dynamic imports: the emitted tree runs as it is.
    rewriteRelativeImportExtensions: true,
    removeComments: true,
  };
  await rm(outDir, { recursive: true, force: true });
  let n = 0;
  for (const top of SOURCES) {
    for await (const file of tsFiles(join(repoRoot, top))) {
      const out = join(outDir, relative(repoRoot, file)).replace(/\.ts$/, '.js');
      const { outputText, diagnostics } = ts.transpileModule(await readFile(file, 'utf8'), {
        fileName: file,
        compilerOptions,
        reportDiagnostics: true,
      });
      if (diagnostics?.length)
        throw new Error(
          `${relative(repoRoot, file)}: ${ts.flattenDiagnosticMessageText(diagnostics[0]!.messageText, '\n')}`,
        );
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, outputText);
      n++;
    }
  }
  for (const a of ASSETS) await cp(join(repoRoot, a), join(outDir, a), { recursive: true });
  // bin/ reads its version from ../package.json; "type" makes the emitted .js modules ES modules.
  const { name, version } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as Record<
    string,
    string
  >;
  await writeFile(
    join(outDir, 'package.json'),
    JSON.stringify({ name, version, private: true, type: 'module' }, null, 2) + '\n',
  );
  return n;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, typescript: { type: 'string' } } });
  const outDir = values.out ? resolve(values.out) : DIST;
  const n = await compile(outDir, values.typescript);
  process.stdout.write(`compiled ${n} modules into ${relative(process.cwd(), outDir) || '.'}\n`);
}
