// What a collector process loads: the command line's own module graph and the agent's, and none of
// the aggregator's heavy packages, undici or typebox (each is MiBs of resident code and heap on
// every node), nor node:http through an ES import (whose namespace loads Node's own undici and
// http2). Found by a resolve hook in a child process, so the graph is the real one, not a list kept
// by hand.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOOK = `import { registerHooks } from 'node:module';
registerHooks({ resolve(spec, ctx, next) {
  const r = next(spec, ctx);
  process.stderr.write('RESOLVED ' + (ctx.conditions.includes('require') ? 'require ' : 'import ') + r.url + '\\n');
  return r;
} });
`;

test('the collector command loads none of prom-client, fastify, the Elasticsearch client, undici and typebox', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-modules-'));
  const hook = join(dir, 'hook.mjs');
  await writeFile(hook, HOOK);
  const bin = new URL('../../bin/swarmscope.ts', import.meta.url).href;
  const agent = new URL('../../collector/agent.ts', import.meta.url).href;
  // The agent is what the collector command imports; bin parses its arguments on import, and with
  // --version exits once its static imports (every command's) are loaded.
  const script = `process.argv = [process.argv[0], 'swarmscope', '--version']; await import(${JSON.stringify(agent)}); await import(${JSON.stringify(bin)});`;
  const stderr = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', hook, '--input-type=module', '-e', script],
      { timeout: 60_000 },
      (err, _out, errText) => (errText.includes('RESOLVED') ? resolve(errText) : reject(err ?? new Error(errText))),
    ),
  );
  const packages = new Set([...stderr.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((m) => m[1]!));
  t.log([...packages].sort().join(', '));
  t.true(packages.has('pino'), 'the graph was seen (the agent logs through pino)');
  for (const heavy of ['prom-client', 'fastify', '@elastic/elasticsearch', 'undici', 'typebox'])
    t.false(packages.has(heavy), heavy);
  t.true(stderr.includes('RESOLVED require node:http\n'), 'node:http was seen, through require');
  t.false(/RESOLVED import node:https?\n/.test(stderr), 'node:http and node:https are never imported');
});
