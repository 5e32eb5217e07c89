// A real aggregator for a test: buildApp + listen on 127.0.0.1:0, writing to the test
// Elasticsearch as the least-privilege user under an index prefix of its own.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type Aggregator } from '../../aggregator/app.ts';
import { loadAggregatorConfig } from '../../aggregator/config.ts';
import { createLogger } from '../../common/logger.ts';
import { esWriterEnv } from './env.ts';
import { bounded } from './wait.ts';

export type TestAggregator = Aggregator & {
  url: string;
  address: string;
  token: string;
  indexPrefix: string;
  close: () => Promise<void>;
};

export async function startTestAggregator(
  opts: { es?: boolean; env?: Record<string, string> } = {},
): Promise<TestAggregator> {
  const token = randomBytes(12).toString('hex');
  const indexPrefix = `swarmscope-t${randomBytes(4).toString('hex')}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'swarmscope-agg-'));
  const env: Record<string, string> = {
    SWARMSCOPE_TOKEN: token,
    SWARMSCOPE_LISTEN: '127.0.0.1:0',
    SWARMSCOPE_DATA_DIR: dataDir,
    SWARMSCOPE_ES_INDEX_PREFIX: indexPrefix,
    ...(opts.es === false ? {} : esWriterEnv()),
    ...opts.env,
  };
  const config = loadAggregatorConfig(env);
  const agg = await buildApp(
    config,
    createLogger({ name: 'test-aggregator', level: process.env.SWARMSCOPE_TEST_LOG_LEVEL ?? 'error' }),
  );
  const url = await agg.app.listen({ host: '127.0.0.1', port: 0 });
  // Closing waits for open requests (a browser's event streams among them); past the bound they are cut.
  const close = async () => {
    try {
      await bounded('closing the test aggregator', 30_000, agg.app.close());
    } catch (err) {
      agg.app.server.closeAllConnections();
      throw err;
    }
  };
  return { ...agg, url, address: url.replace(/^http:\/\//, ''), token, indexPrefix, close };
}
