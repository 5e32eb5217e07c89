// The reduced hostile-input campaign (bench/abuse.ts runs the full one): 10,000 bad requests of
// every kind, slow-loris and idle connections, while good clients ship. Exact oracles only: no
// crash, every bad request answered with its right status and a reason, every record accepted is
// a good client's, RSS under the stack's 512 MiB limit, and the aggregator's log a few lines.
// Latency figures are printed, not asserted (speed belongs to the bench).
import test from 'ava';
import { campaignTable, runCampaign, type CampaignOptions } from '../helpers/abuse-campaign.ts';

const MiB = 1024 * 1024;

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
    // Half the default decoded-bytes bound: the test's RSS margin under 512 MiB on a loaded CI machine.
    env: { SWARMSCOPE_MAX_INFLIGHT_BYTES: '64MiB' },
  };
  const r = await runCampaign(opts);
  t.log('\n' + campaignTable(r, opts));
  t.false(r.crashed, `the aggregator exited: ${r.logText.slice(-2000)}`);
  t.true(r.sent >= 10_000);
  for (const k of r.kinds) {
    // A slow-loris client may still be dribbling when the short campaign ends; any answer it got must be right.
    const pending = k.kind.startsWith('slow-loris') ? (k.answers['no answer yet'] ?? 0) : 0;
    t.is(k.wrong - pending, 0, `${k.kind}: ${JSON.stringify(k.answers)} (expected ${k.expected})`);
    t.is(k.noReason, 0, `${k.kind}: answers without a reason`);
  }
  t.true(r.goodAcked > 0);
  t.is(r.goodFailed, 0, 'every good batch acknowledged');
  t.is(r.acceptedRecords, r.goodRecords, 'the aggregator accepted exactly the good clients’ records');
  t.true(r.peakRssBytes < 512 * MiB, `peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB`);
  // Start-up, one refusal summary (or two across a minute boundary), the close: never a line per request.
  t.true(r.logLines <= 6, r.logText);
  t.false(r.logText.includes(r.token) || r.logText.includes(r.readToken), 'no token in the log');
});
