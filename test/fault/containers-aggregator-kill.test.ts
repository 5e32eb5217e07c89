// The acceptance scenario with real containers: busybox containers write numbered lines at a
// steady rate, a real collector process tails them, and the aggregator process is killed with
// SIGKILL at random moments; every (container, line) is in Elasticsearch exactly once (full scan).
// Sized for the suite; bench/delivery-containers.ts runs 5,000 lines/s × 10 kills × 2 min.
import test from 'ava';
import { runContainersUnderKills } from '../helpers/containers-kill-run.ts';

const RATE = Number(process.env.SWARMSCOPE_FAULT_RATE ?? 1000);
const KILLS = Number(process.env.SWARMSCOPE_FAULT_KILLS ?? 4);
const SECONDS = Number(process.env.SWARMSCOPE_FAULT_SECONDS ?? 30);

test('every line real containers write reaches Elasticsearch exactly once although the aggregator is killed with SIGKILL again and again', async (t) => {
  const f = await runContainersUnderKills({
    containers: 4,
    rate: RATE,
    kills: KILLS,
    seconds: SECONDS,
    drainTimeoutMs: 300_000,
  });
  t.log(
    `${f.lines} lines at ${f.achievedRate}/s, ${f.kills} kills, backlog at end of writing ${f.backlogLinesAtEndOfWriting}, drained in ${f.drainSeconds.toFixed(1)} s, found ${f.report.found}`,
  );
  t.true(f.drained, 'every line became searchable and the collector emptied its log queue');
  t.is(f.report.expected, f.lines);
  t.true(f.achievedRate > RATE * 0.5, 'the containers kept (at least half) the asked rate');
  t.deepEqual(
    { missing: f.report.missing, duplicates: f.report.duplicates, unexpected: f.report.unexpected },
    { missing: 0, duplicates: 0, unexpected: 0 },
    f.report.examples.join('; '),
  );
});
