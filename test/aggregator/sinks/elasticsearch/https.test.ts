// Elasticsearch over HTTPS: a private Elasticsearch with xpack.security.http.ssl on (certificates
// made by openssl), the aggregator writing to it as the least-privilege writer with the CA file;
// without the CA it refuses the unknown certificate and answers 503 (the collector keeps the batch).
import test from 'ava';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Agent, fetch as undiciFetch } from 'undici';
import { toEventRecord } from '../../../../collector/sources/docker-events/event-record.ts';
import { INGEST_PATH, NDJSON } from '../../../../common/wire.ts';
import { startTestAggregator } from '../../../helpers/aggregator.ts';
import { testEnv } from '../../../helpers/env.ts';
import { startOwnElasticsearch } from '../../../helpers/own-elasticsearch.ts';
import { makeTestCertificates } from '../../../helpers/tls-certs.ts';

function batch(n: number): Buffer {
  const lines = [];
  for (let i = 0; i < n; i++)
    lines.push(
      JSON.stringify(
        toEventRecord(
          { id: '', hostname: 'https-test' },
          { Type: 'container', Action: 'start', timeNano: String(10n ** 18n + BigInt(i)) },
        ),
      ),
    );
  return gzipSync(lines.join('\n') + '\n');
}

const post = (url: string, token: string, body: Buffer) =>
  fetch(url + INGEST_PATH, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': NDJSON, 'content-encoding': 'gzip' },
    body,
  });

test('the aggregator writes to an HTTPS Elasticsearch verified with the CA file, and refuses it without', async (t) => {
  t.timeout(5 * 60_000);
  const certs = await makeTestCertificates();
  const es = await startOwnElasticsearch({
    tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, caFile: certs.caFile },
  });
  t.teardown(() => es.remove());
  t.regex(es.url, /^https:\/\//);

  const agg = await startTestAggregator({
    env: { SWARMSCOPE_ES_URL: es.url, SWARMSCOPE_ES_CA_FILE: certs.caFile },
  });
  t.teardown(() => agg.close());
  const res = await post(agg.url, agg.token, batch(5));
  t.is(res.status, 200, await res.clone().text());
  t.like(await res.json(), { accepted: 5 });

  const admin = `Basic ${Buffer.from(`${testEnv.esAdminUsername}:${testEnv.esAdminPassword}`).toString('base64')}`;
  const dispatcher = new Agent({ connect: { ca: readFileSync(certs.caFile) } });
  await undiciFetch(`${es.url}/${agg.indexPrefix}-*/_refresh`, {
    method: 'POST',
    headers: { authorization: admin },
    dispatcher,
  });
  const count = (await (
    await undiciFetch(`${es.url}/${agg.indexPrefix}-*/_count`, { headers: { authorization: admin }, dispatcher })
  ).json()) as { count: number };
  t.is(count.count, 5, 'the five records are in the HTTPS Elasticsearch');

  // The same Elasticsearch without the CA: the certificate is refused, nothing is written, 503.
  const noCa = await startTestAggregator({ env: { SWARMSCOPE_ES_URL: es.url, SWARMSCOPE_ES_RETRY_BUDGET: '1s' } });
  t.teardown(() => noCa.close());
  const refused = await post(noCa.url, noCa.token, batch(5));
  t.is(refused.status, 503);
  t.truthy(refused.headers.get('retry-after'));
  await dispatcher.close();
});
