#!/usr/bin/env node
// Container health checks for the stack, kept small because Swarm runs them every few seconds on
// every node: `collector` checks that the sampling loop finished a round recently (its heartbeat
// file); `aggregator` asks the local /healthz. Exit 0 healthy, 1 unhealthy, one line of why.
import { get as httpsGet } from 'node:https';
import { parseDurationMs } from '../common/env.ts';
import { heartbeatAgeMs } from '../collector/heartbeat.ts';

async function collector(env: NodeJS.ProcessEnv): Promise<string> {
  const intervalMs = parseDurationMs(env.SWARMSCOPE_INTERVAL || '10s');
  // Three missed rounds, with room for a slow round on a busy node.
  const maxAgeMs = 3 * intervalMs + 30_000;
  const age = await heartbeatAgeMs(env.SWARMSCOPE_DATA_DIR || '.swarmscope');
  if (age === undefined) throw new Error('no sampling round has finished yet');
  if (age > maxAgeMs)
    throw new Error(`last sampling round finished ${Math.round(age / 1000)} s ago (limit ${maxAgeMs / 1000} s)`);
  return `sampling round finished ${Math.round(age / 1000)} s ago`;
}

async function aggregator(env: NodeJS.ProcessEnv): Promise<string> {
  const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(env.SWARMSCOPE_LISTEN || '127.0.0.1:9280');
  if (!m) throw new Error(`SWARMSCOPE_LISTEN=${env.SWARMSCOPE_LISTEN}: expected host:port`);
  const host =
    m[1] === '' || m[1] === '0.0.0.0'
      ? '127.0.0.1'
      : m[1] === '::'
        ? '[::1]'
        : m[1]!.includes(':')
          ? `[${m[1]}]`
          : m[1]!;
  // Over HTTPS the certificate names the service, not this loopback address: liveness only, so unverified.
  const status = env.SWARMSCOPE_TLS_CERT_FILE
    ? await httpsStatus(`https://${host}:${m[2]}/healthz`)
    : (await fetch(`http://${host}:${m[2]}/healthz`, { signal: AbortSignal.timeout(5_000) })).status;
  if (status !== 200) throw new Error(`/healthz answered ${status}`);
  return '/healthz answered 200';
}

function httpsStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { rejectUnauthorized: false, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

const checks: Record<string, (env: NodeJS.ProcessEnv) => Promise<string>> = { collector, aggregator };
const check = checks[process.argv[2] ?? ''];
if (!check) {
  process.stderr.write('usage: healthcheck.ts collector|aggregator\n');
  process.exit(2);
}
check(process.env).then(
  (ok) => {
    process.stdout.write(`healthy: ${ok}\n`);
    process.exit(0);
  },
  (err: Error) => {
    process.stdout.write(`unhealthy: ${err.message}\n`);
    process.exit(1);
  },
);
