// The reduced hostile-input campaign (bench/abuse.ts runs the full one): 10,000 bad requests of
// every kind, slow-loris and idle connections, while good clients ship. Exact oracles only: no
// crash, every bad request answered with its right status and a reason, every record accepted is
// a good client's, every idle and slow-loris connection closed by the aggregator within its bound,
// RSS under the documented bound with the defaults, and the aggregator's log a few lines.
// Latency figures are printed, not asserted (speed belongs to the bench).
import test from 'ava';
import { BODY_RATE_GRACE_MS, readConnectionBounds } from '../../aggregator/connection-bounds-settings.ts';
import { EnvReader } from '../../common/env.ts';
import { campaignTable, runCampaign, stackAggregator, type CampaignOptions } from '../helpers/abuse-campaign.ts';

const MiB = 1024 * 1024;
/** README (Reliability: hostile input): the stack's limit less a 64 MiB margin, with the default settings. */
const RSS_BOUND = stackAggregator().memoryLimitBytes - 64 * MiB;
/** The default SWARMSCOPE_HEADERS_TIMEOUT the held connections meet, and slack for a loaded machine. */
const HEADERS_TIMEOUT_S = readConnectionBounds(new EnvReader({})).headersTimeoutMs / 1000;
const SLACK_S = 10;

test('10,000 hostile requests: no crash, right answers with reasons, nothing bad accepted, memory and log bounded', async (t) => {
  t.timeout(5 * 60_000);
  const opts: CampaignOptions = {
    requests: 10_000,
    rate: 1000,
    concurrency: 32,
    goodClients: 4,
    baselineMs: 3_000,
    slowLoris: 20,
    idleConnections: 500,
    hugeLines: 1,
  };
  const r = await runCampaign(opts);
  t.log('\n' + campaignTable(r, opts));
  t.false(r.crashed, `the aggregator exited: ${r.logText.slice(-2000)}`);
  t.true(r.sent >= 10_000);
  for (const k of r.kinds) {
    t.is(k.wrong, 0, `${k.kind}: ${JSON.stringify(k.answers)} (expected ${k.expected})`);
    t.is(k.noReason, 0, `${k.kind}: answers without a reason`);
  }
  t.true(r.goodAcked > 0);
  t.is(r.goodFailed, 0, 'every good batch acknowledged');
  t.is(r.acceptedRecords, r.goodRecords, 'the aggregator accepted exactly the good clients’ records');
  t.true(r.peakRssBytes < RSS_BOUND, `peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB`);
  // Closed by the aggregator, each within its bound: no request within the headers timeout (idle,
  // slow headers), a wrong token at once, a trickling body once past the rate bound's grace.
  const bounds: Record<string, number> = {
    'idle connections': HEADERS_TIMEOUT_S,
    'slow-loris headers': HEADERS_TIMEOUT_S,
    'slow-loris body (wrong token)': 0,
    'slow-loris body (ingest token)': BODY_RATE_GRACE_MS / 1000 + 1,
  };
  t.deepEqual(r.held.map((h) => h.name).sort(), Object.keys(bounds).sort());
  for (const h of r.held) {
    t.is(h.closedByServer, h.opened, `${h.name}: closed by the aggregator`);
    t.true(
      h.maxSecondsToClose <= bounds[h.name]! + SLACK_S,
      `${h.name}: slowest closed after ${h.maxSecondsToClose} s`,
    );
  }
  // Start-up, one refusal summary (or two across a minute boundary), the close: never a line per request.
  t.true(r.logLines <= 6, r.logText);
  t.false(r.logText.includes(r.token) || r.logText.includes(r.readToken), 'no token in the log');
});
