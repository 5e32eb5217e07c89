// A real collector agent for a test, in process, pointed at an aggregator and the test engine,
// with a private data dir (queue, checkpoints).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../../collector/agent.ts';
import { loadCollectorConfig } from '../../collector/config.ts';
import type { ContainerLogsSource } from '../../collector/sources/container-logs/container-logs-source.ts';
import type { ContainerLogs } from '../../collector/sources/container-logs/container-logs.ts';
import type { SourceFactory } from '../../collector/sources/source.ts';
import { createLogger } from '../../common/logger.ts';
import { testEnv } from './env.ts';
import { bounded } from './wait.ts';

/** log: when given, the collector's log at debug level (its last 2,000 lines) goes there instead of the test output. */
export async function startTestCollector(
  aggregator: { url: string; token: string },
  env: Record<string, string> = {},
  opts: { log?: string[]; sources?: readonly SourceFactory[] } = {},
): Promise<{ agent: Agent; dataDir: string; close: () => Promise<void> }> {
  const dataDir = env.SWARMSCOPE_DATA_DIR ?? (await mkdtemp(join(tmpdir(), 'swarmscope-col-')));
  const config = loadCollectorConfig({
    DOCKER_HOST: testEnv.dockerHost,
    SWARMSCOPE_DOCKER_ROOT: testEnv.dockerRoot,
    SWARMSCOPE_AGGREGATOR_URL: aggregator.url,
    SWARMSCOPE_TOKEN: aggregator.token,
    SWARMSCOPE_DATA_DIR: dataDir,
    SWARMSCOPE_INTERVAL: '1s',
    SWARMSCOPE_BATCH_MAX_AGE: '200ms',
    SWARMSCOPE_RETRY_MAX: '2s',
    ...env,
  });
  const kept = opts.log;
  const destination = kept && {
    write: (line: string) => {
      kept.push(line.trimEnd());
      kept.splice(0, kept.length - 2000);
    },
  };
  const agent = new Agent(
    config,
    createLogger({
      name: 'test-collector',
      level: kept ? 'debug' : (process.env.SWARMSCOPE_TEST_LOG_LEVEL ?? 'error'),
      ...(destination && { destination }),
    }),
    { sources: opts.sources },
  );
  await agent.start();
  return { agent, dataDir, close: () => bounded('closing the test collector', 30_000, agent.close()) };
}

/** The agent's container log source (tests ask it whether a container's logs are read and acknowledged). */
export function containerLogsOf(agent: Agent): ContainerLogs | undefined {
  return agent.source<ContainerLogsSource>('container-logs')?.logs;
}
