// Delivery figures with real containers (not a test): 4 busybox containers write numbered lines
// at 5,000 lines/s in total for 2 minutes, a real collector process tails them, and the real
// aggregator process is killed with SIGKILL 10 times at random moments (same port on restart).
// Prints the exact oracle (every (container, line) once, by a full scan), the backlog when
// writing ended, drain time, collector CPU and peak RSS, peak durable-queue size.
// Usage: eval "$(npm run -s env:up)"; node bench/delivery-containers.ts [seconds=120] [rate=5000] [kills=10]
import './bench-env.ts'; // first: the test environment, brought up when not exported
import { runContainersUnderKills } from '../test/helpers/containers-kill-run.ts';

const seconds = Number(process.argv[2] ?? 120);
const rate = Number(process.argv[3] ?? 5000);
const kills = Number(process.argv[4] ?? 10);
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

const f = await runContainersUnderKills({ containers: 4, rate, kills, seconds, drainTimeoutMs: 1_800_000 });
const r = f.report;
const out = {
  scenario: 'containers-kills',
  containers: 4,
  rate_lines_per_s: rate,
  achieved_rate_lines_per_s: f.achievedRate,
  seconds,
  kills: f.kills,
  lines: f.lines,
  exactly_once: r.missing === 0 && r.duplicates === 0 && r.unexpected === 0 && r.expected === f.lines,
  oracle: `expected ${r.expected}, found ${r.found}, missing ${r.missing}, duplicates ${r.duplicates}, unexpected ${r.unexpected}${r.examples.length ? ` (${r.examples.join('; ')})` : ''}`,
  backlog_lines_at_end_of_writing: f.backlogLinesAtEndOfWriting,
  drained: f.drained,
  drain_seconds_after_writing: Number(f.drainSeconds.toFixed(1)),
  collector_peak_queue: `${f.peakQueueBatches} batches, ${mib(f.peakQueueBytes)}`,
  collector_cpu_seconds: Number(f.collectorCpuSeconds.toFixed(1)),
  collector_cpu_seconds_per_100k_lines: Number(((f.collectorCpuSeconds / f.lines) * 100_000).toFixed(2)),
  collector_cpu_percent_of_one_core: Number(((f.collectorCpuSeconds / (seconds + f.drainSeconds)) * 100).toFixed(1)),
  collector_peak_rss: mib(f.collectorPeakRssBytes),
  aggregator_cpu_seconds_per_100k_lines: Number(((f.aggregatorCpuSeconds / f.lines) * 100_000).toFixed(2)),
};
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
process.exit(out.exactly_once ? 0 : 1);
