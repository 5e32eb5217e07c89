// The hostile-input campaign (test/helpers/abuse-campaign.ts) at full size: ≥ 100,000 bad requests
// of every kind, slow-loris and idle connections, while good clients keep shipping; prints the
// table the README's reliability section records. Run it alone on a quiet machine: node bench/abuse.ts
// Usage: node bench/abuse.ts [--requests 100000] [--rate 1000] [--idle 2000] [--slow 200] [--huge 5]
import { parseArgs } from 'node:util';
import { campaignTable, runCampaign, type CampaignOptions } from '../test/helpers/abuse-campaign.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '32' },
    good: { type: 'string', default: '4' },
    idle: { type: 'string', default: '2000' },
    slow: { type: 'string', default: '200' },
    huge: { type: 'string', default: '5' },
    baseline: { type: 'string', default: '10' },
    only: { type: 'string' },
    env: { type: 'string', multiple: true, default: [] },
  },
});
const opts: CampaignOptions = {
  requests: Number(values.requests),
  rate: Number(values.rate),
  concurrency: Number(values.concurrency),
  goodClients: Number(values.good),
  baselineMs: Number(values.baseline) * 1000,
  slowLoris: Number(values.slow),
  idleConnections: Number(values.idle),
  hugeLines: Number(values.huge),
  ...(values.only ? { only: values.only } : {}),
  env: Object.fromEntries(values.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
  log: (l) => process.stderr.write(`[abuse] ${l}\n`),
};
const result = await runCampaign(opts);
process.stdout.write(campaignTable(result, opts) + '\n');
const refusalLines = result.logText.split('\n').filter((l) => l.includes('refused')).length;
process.stdout.write(`\nrefusal summary lines in the aggregator's log: ${refusalLines}\n`);
process.exit(result.crashed ? 1 : 0);
