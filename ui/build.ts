// Builds the UI's production assets into aggregator/ui/assets/ (checked in, so the aggregator
// needs no build tools at run time): ui/src/main.ts bundled and minified by esbuild, and
// ui/src/style.css with uPlot's stylesheet. `--check` builds in memory and fails when the
// checked-in files differ (CI runs it, as for the dashboards).
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
export const OUT_DIR = join(root, 'aggregator', 'ui', 'assets');

export async function buildUi(): Promise<Map<string, Buffer>> {
  const js = await build({
    entryPoints: [join(root, 'ui', 'src', 'main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome111', 'firefox111', 'safari16.4'],
    write: false,
    legalComments: 'none',
    logLevel: 'error',
  });
  const uplotCss = createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css');
  const css = await build({
    stdin: {
      contents: `${await readFile(uplotCss, 'utf8')}\n${await readFile(join(root, 'ui', 'src', 'style.css'), 'utf8')}`,
      loader: 'css',
    },
    minify: true,
    write: false,
    logLevel: 'error',
  });
  return new Map([
    ['app.js', Buffer.from(js.outputFiles[0]!.contents)],
    ['app.css', Buffer.from(css.outputFiles[0]!.contents)],
  ]);
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const files = await buildUi();
  let stale = 0;
  for (const [name, body] of files) {
    const path = join(OUT_DIR, name);
    if (check) {
      const current = await readFile(path).catch(() => undefined);
      if (!current?.equals(body)) {
        stale++;
        process.stderr.write(`${path} is stale: run \`npm run ui:build\` and commit it\n`);
      }
    } else {
      await mkdir(OUT_DIR, { recursive: true });
      await writeFile(path, body);
    }
    process.stdout.write(`${name}: ${body.length} bytes, ${gzipSync(body, { level: 9 }).length} gzipped\n`);
  }
  if (stale) process.exit(1);
}

if (import.meta.filename === process.argv[1]) await main();
