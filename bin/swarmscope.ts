#!/usr/bin/env node
// The entry point: `all` (collector + aggregator on this machine, the quick start), `collector`,
// `aggregator` (as the stack runs them), `replay` (local journal → Elasticsearch),
// `dead-letter list|replay` (records Elasticsearch refused) and `config` (the effective settings).
// The only place that calls process.exit.
import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger, type Logger } from '../common/logger.ts';
import { SwarmscopeError } from '../common/errors.ts';
import { loadAggregatorConfig, readAggregatorConfig, type AggregatorConfig } from '../aggregator/config.ts';
import { loadCollectorConfig, readCollectorConfig } from '../collector/config.ts';
import { EnvReader, redact } from '../common/env.ts';
import { settingNames } from '../common/setting-names.ts';
import type { AgentStatus } from '../collector/agent.ts';

// Each command loads only what it runs: a collector never loads fastify, the Elasticsearch client or
// prom-client (tens of MiB of resident code and heap on every node).
const collectorAgent = async () => (await import('../collector/agent.ts')).Agent;
const esSink = async () => (await import('../aggregator/sinks/elasticsearch/sink.ts')).ElasticsearchSink;

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const program = new Command('swarmscope')
  .description('Monitoring and logging for Docker Swarm clusters')
  .version(version, '-V, --version');

function fail(err: unknown): never {
  const message = err instanceof SwarmscopeError ? err.message : ((err as Error).stack ?? String(err));
  process.stderr.write(`swarmscope: ${message}\n`);
  process.exit(err instanceof SwarmscopeError && /CONFIG/.test(err.code) ? 2 : 1);
}

function onSignals(close: () => Promise<void>): void {
  let closing = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      if (closing) return;
      closing = true;
      close().then(() => process.exit(0), fail);
    });
  }
}

/** `npm start` needs no token set up by hand: one is made once and kept in the data dir (mode 0600). */
async function localToken(dataDir: string): Promise<string> {
  const file = join(dataDir, 'token');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(dataDir, { recursive: true });
    const token = randomBytes(24).toString('base64url');
    await writeFile(file, token + '\n', { mode: 0o600 });
    return token;
  }
}

async function startAggregator(config: AggregatorConfig, log: Logger) {
  const { buildApp } = await import('../aggregator/app.ts');
  const agg = await buildApp(config, log);
  const address = await agg.app.listen({ host: config.listen.host, port: config.listen.port });
  return { agg, address };
}

function describeDocker(status: AgentStatus): string {
  return 'error' in status.docker
    ? `none usable at ${status.docker.endpoint} (${status.docker.error.split('\n')[0]}); sampling only this collector's own pipeline`
    : `Docker Engine ${status.docker.version} at ${status.docker.endpoint}, swarm ${status.docker.swarm}, node ${status.node.hostname}${status.node.id ? ` (${status.node.id})` : ''}`;
}

function describeSink(config: AggregatorConfig): string {
  return config.elasticsearch
    ? `Elasticsearch at ${config.elasticsearch.urls.join(', ')} (indices ${config.elasticsearch.indexPrefix}-*)`
    : `no Elasticsearch configured (SWARMSCOPE_ES_URL): documents go to the local journal ${join(config.dataDir, 'journal')}; replay later with \`npm run replay\``;
}

program
  .command('all', { isDefault: true })
  .description('collector and aggregator together on this machine')
  .action(async () => {
    const dataDir = process.env.SWARMSCOPE_DATA_DIR || '.swarmscope';
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SWARMSCOPE_TOKEN:
        process.env.SWARMSCOPE_TOKEN || (process.env.SWARMSCOPE_TOKEN_FILE ? '' : await localToken(dataDir)),
    };
    const aggConfig = loadAggregatorConfig(env);
    const log = createLogger({ name: 'swarmscope', level: aggConfig.logLevel });
    const { agg, address } = await startAggregator(aggConfig, log);
    // The address fastify reports carries the real port (SWARMSCOPE_LISTEN may ask for port 0).
    const local = new URL(address);
    if (local.hostname === '0.0.0.0') local.hostname = '127.0.0.1';
    const colConfig = loadCollectorConfig({
      ...env,
      SWARMSCOPE_AGGREGATOR_URL: env.SWARMSCOPE_AGGREGATOR_URL || local.origin,
    });
    const agent = new (await collectorAgent())(colConfig, log, { heapPolicy: colConfig.heapPolicy });
    const status = await agent.start();
    process.stdout.write(
      [
        'swarmscope is running',
        `  docker:        ${describeDocker(status)}`,
        `  data goes to:  ${describeSink(aggConfig)}`,
        ...(aggConfig.ui.enabled
          ? [
              `  web UI:        ${local.origin}/ (sign in with ${aggConfig.ui.password ? 'SWARMSCOPE_UI_PASSWORD or ' : ''}the token below)`,
            ]
          : []),
        `  metrics:       ${address}/metrics`,
        `  ingest:        ${address}/api/v1/ingest (token in ${env.SWARMSCOPE_TOKEN_FILE || (process.env.SWARMSCOPE_TOKEN ? 'SWARMSCOPE_TOKEN' : join(dataDir, 'token'))})`,
        `  sampling:      every ${colConfig.intervalMs} ms; queue in ${join(colConfig.dataDir, 'queue')}`,
        '',
      ].join('\n'),
    );
    onSignals(async () => {
      await agent.close();
      await agg.app.close();
    });
  });

program
  .command('collector')
  .description('only the per-node collector')
  .action(async () => {
    const config = loadCollectorConfig();
    const log = createLogger({ name: 'swarmscope-collector', level: config.logLevel });
    const agent = new (await collectorAgent())(config, log, { heapPolicy: config.heapPolicy });
    const status = await agent.start();
    log.info({ docker: status.docker, node: status.node, aggregators: config.aggregatorUrls }, 'collector started');
    onSignals(() => agent.close());
  });

program
  .command('aggregator')
  .description('only the aggregator')
  .action(async () => {
    const config = loadAggregatorConfig();
    const log = createLogger({ name: 'swarmscope-aggregator', level: config.logLevel });
    const { agg, address } = await startAggregator(config, log);
    log.info({ address, sink: agg.sink.name }, 'aggregator started');
    onSignals(() => agg.app.close());
  });

program
  .command('replay')
  .description('replay the local journal into Elasticsearch (SWARMSCOPE_ES_URL); segments are removed once held')
  .action(async () => {
    const config = loadAggregatorConfig({ ...process.env, SWARMSCOPE_TOKEN: process.env.SWARMSCOPE_TOKEN || 'replay' });
    if (!config.elasticsearch)
      throw new SwarmscopeError('AGG_ERR_CONFIG', 'replay needs SWARMSCOPE_ES_URL', {
        remedy: 'set SWARMSCOPE_ES_URL and credentials, then run again',
      });
    const log = createLogger({ name: 'swarmscope-replay', level: config.logLevel });
    const sink = new (await esSink())(config.elasticsearch, log);
    await sink.start();
    const { replayJournal } = await import('../aggregator/sinks/journal/replay.ts');
    const result = await replayJournal(join(config.dataDir, 'journal'), sink);
    await sink.close();
    process.stdout.write(
      `replayed ${result.records} records from ${result.segments} segments: ${result.held} held, ${result.setAside} set aside, ${result.invalid} invalid records skipped\n` +
        result.torn
          .map(
            (t) => `  cut short by a crash before its fsync (never acknowledged, sent again by its collector): ${t}\n`,
          )
          .join('') +
        result.open
          .map(
            (n) =>
              `  left: ${n} is still written to by a running aggregator; stop it or give it SWARMSCOPE_ES_URL, then replay again\n`,
          )
          .join(''),
    );
  });

const deadLetter = program
  .command('dead-letter')
  .description('records Elasticsearch refused (set aside with a reason): inspect and replay them');

/** The dead-letter commands need Elasticsearch only; no ingest token. */
function esConfigForTools() {
  const config = loadAggregatorConfig({ ...process.env, SWARMSCOPE_TOKEN: process.env.SWARMSCOPE_TOKEN || 'operator' });
  if (!config.elasticsearch)
    throw new SwarmscopeError('AGG_ERR_CONFIG', 'dead-letter needs SWARMSCOPE_ES_URL', {
      remedy: 'set SWARMSCOPE_ES_URL and credentials, then run again',
    });
  return { config, es: config.elasticsearch };
}

deadLetter
  .command('list')
  .description('one JSON line per set-aside record: id, time, reason, error type, target index, batch, record')
  .action(async () => {
    const { config, es } = esConfigForTools();
    const sink = new (await esSink())(es, createLogger({ name: 'swarmscope-dead-letter', level: config.logLevel }));
    const { listDeadLetters } = await import('../aggregator/sinks/elasticsearch/dead-letter.ts');
    let n = 0;
    for await (const entry of listDeadLetters(sink.client, es.indexPrefix)) {
      process.stdout.write(JSON.stringify(entry) + '\n');
      n++;
    }
    await sink.close();
    process.stderr.write(`${n} set-aside records in ${es.indexPrefix}-deadletter\n`);
  });

deadLetter
  .command('replay')
  .description(
    'write every set-aside record again (after fixing its cause); records now held leave the dead-letter index',
  )
  .action(async () => {
    const { config, es } = esConfigForTools();
    const sink = new (await esSink())(es, createLogger({ name: 'swarmscope-dead-letter', level: config.logLevel }));
    await sink.start();
    const { replayDeadLetters } = await import('../aggregator/sinks/elasticsearch/dead-letter.ts');
    const r = await replayDeadLetters(sink.client, es.indexPrefix, sink);
    await sink.close();
    process.stdout.write(
      `replayed ${r.replayed}: ${r.held} now held, ${r.stillRefused} refused again (kept), ${r.invalid} unreadable (kept)\n`,
    );
  });

program
  .command('config')
  .argument('[component]', 'all, collector or aggregator', 'all')
  .description(
    'print the effective configuration (defaults filled in, secrets redacted) as JSON; exit 0 if valid, 2 if not',
  )
  .action(async (component: string) => {
    if (!['all', 'collector', 'aggregator'].includes(component)) {
      process.stderr.write(`swarmscope config: unknown component ${component}; use all, collector or aggregator\n`);
      process.exit(2);
    }
    const env: NodeJS.ProcessEnv = { ...process.env };
    // `all` makes its token at first start (localToken): that is not a missing setting.
    if (component === 'all' && !env.SWARMSCOPE_TOKEN && !env.SWARMSCOPE_TOKEN_FILE)
      env.SWARMSCOPE_TOKEN = await readFile(join(env.SWARMSCOPE_DATA_DIR || '.swarmscope', 'token'), 'utf8').then(
        (t) => t.trim(),
        () => '(made at first start)',
      );
    const r = new EnvReader(env);
    const out: Record<string, unknown> = { version };
    if (component !== 'aggregator') out.collector = readCollectorConfig(r);
    if (component !== 'collector') out.aggregator = readAggregatorConfig(r);
    r.refuseUnknown(settingNames());
    // undefined → null: every setting shows, set or not.
    process.stdout.write(JSON.stringify(redact(out, r.secretValues), (_k, v: unknown) => v ?? null, 2) + '\n');
    const problems = [...new Set(r.problems)];
    if (problems.length) {
      process.stderr.write(
        `swarmscope: invalid configuration:\n  - ${redact(problems, r.secretValues).join('\n  - ')}\n`,
      );
      process.exit(2);
    }
  });

program.parseAsync().catch(fail);
