// TLS between collectors and the aggregator: HTTPS from a certificate and key, collectors that
// verify it with a CA file, and mutual TLS where ingest needs a client certificate the configured
// CA signed. Certificates are made by openssl for each run.
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { AggregatorClient } from '../../collector/pipeline/aggregator-client.ts';
import { INGEST_PATH, NDJSON } from '../../common/wire.ts';
import { startTestAggregator, type TestAggregator } from '../helpers/aggregator.ts';
import { startTestCollector } from '../helpers/collector.ts';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-certs.ts';
import { waitFor } from '../helpers/wait.ts';

let certs: TestCertificates;
test.before(async () => {
  certs = await makeTestCertificates();
});

const light = { SWARMSCOPE_LOGS: 'false', SWARMSCOPE_EVENTS: 'false', SWARMSCOPE_HOST_METRICS: 'false' };

async function okBatches(agg: TestAggregator): Promise<number> {
  const m = await agg.registry.getSingleMetric('swarmscope_ingest_batches_total')!.get();
  return m.values.filter((v) => v.labels.outcome === 'ok').reduce((a, v) => a + v.value, 0);
}

/** An empty batch through the collector's own client (its TLS settings), so a refusal is its answer. */
async function post(url: string, client: AggregatorClient, token: string) {
  try {
    const res = await client.post(
      url + INGEST_PATH,
      { 'content-type': NDJSON, authorization: `Bearer ${token}` },
      Buffer.alloc(0),
      10_000,
    );
    return { status: res.status, body: res.text };
  } catch (err) {
    return { status: 0, body: (err as Error & { code?: string }).code ?? (err as Error).message };
  } finally {
    client.close();
  }
}

test('over HTTPS a collector that verifies with the CA file ships; a client without the CA cannot connect', async (t) => {
  const agg = await startTestAggregator({
    es: false,
    env: { SWARMSCOPE_TLS_CERT_FILE: certs.serverCertFile, SWARMSCOPE_TLS_KEY_FILE: certs.serverKeyFile },
  });
  t.teardown(() => agg.close());
  t.regex(agg.url, /^https:\/\//);
  const col = await startTestCollector(agg, { ...light, SWARMSCOPE_AGGREGATOR_CA_FILE: certs.caFile });
  t.teardown(() => col.close());
  await waitFor(async () => ((await okBatches(agg)) > 0 ? true : undefined), {
    timeoutMs: 30_000,
    what: 'a batch acknowledged over HTTPS',
  });
  // The system CAs do not know the test CA: the handshake fails before any byte of the request.
  const unverified = await post(agg.url, new AggregatorClient({ connections: 1 }), agg.token);
  t.is(unverified.status, 0);
  t.regex(unverified.body, /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  // Plain HTTP to the TLS port gets no answer a client could take for an acknowledgement.
  const plain = await fetch(agg.url.replace('https:', 'http:') + '/healthz').catch(() => undefined);
  t.not(plain?.status, 200);
});

test('with mTLS, ingest needs a client certificate the client CA signed; /healthz and the health check need none', async (t) => {
  const agg = await startTestAggregator({
    es: false,
    env: {
      SWARMSCOPE_TLS_CERT_FILE: certs.serverCertFile,
      SWARMSCOPE_TLS_KEY_FILE: certs.serverKeyFile,
      SWARMSCOPE_TLS_CLIENT_CA_FILE: certs.caFile,
    },
  });
  t.teardown(() => agg.close());
  const col = await startTestCollector(agg, {
    ...light,
    SWARMSCOPE_AGGREGATOR_CA_FILE: certs.caFile,
    SWARMSCOPE_CLIENT_CERT_FILE: certs.clientCertFile,
    SWARMSCOPE_CLIENT_KEY_FILE: certs.clientKeyFile,
  });
  t.teardown(() => col.close());
  await waitFor(async () => ((await okBatches(agg)) > 0 ? true : undefined), {
    timeoutMs: 30_000,
    what: 'a batch acknowledged over mTLS',
  });

  const none = await post(
    agg.url,
    new AggregatorClient({ connections: 1, tls: { caFile: certs.caFile, certFile: undefined, keyFile: undefined } }),
    agg.token,
  );
  t.is(none.status, 401);
  t.is(JSON.parse(none.body).error, 'client_certificate_required');
  const rogue = await post(
    agg.url,
    new AggregatorClient({
      connections: 1,
      tls: { caFile: certs.caFile, certFile: certs.rogueCertFile, keyFile: certs.rogueKeyFile },
    }),
    agg.token,
  );
  t.is(rogue.status, 401);
  t.is(JSON.parse(rogue.body).error, 'client_certificate_required');

  const ca = readFileSync(certs.caFile);
  const health = await request(agg.url + '/healthz', { dispatcher: new Agent({ connect: { ca } }) });
  t.is(health.statusCode, 200);
  await health.body.dump();

  const port = new URL(agg.url).port;
  const script = fileURLToPath(new URL('../../bin/healthcheck.ts', import.meta.url));
  const code = await new Promise<number>((resolve) =>
    execFile(
      process.execPath,
      [script, 'aggregator'],
      {
        env: {
          PATH: process.env.PATH ?? '',
          SWARMSCOPE_LISTEN: `127.0.0.1:${port}`,
          SWARMSCOPE_TLS_CERT_FILE: certs.serverCertFile,
        },
      },
      (err) => resolve(err ? ((err as { code?: number }).code ?? 1) : 0),
    ),
  );
  t.is(code, 0, 'the container health check speaks HTTPS without a client certificate');
});
