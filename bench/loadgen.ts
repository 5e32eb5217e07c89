// Load generator CLI: N simulated collectors (the real collector pipeline each) sending
// deterministic records to an aggregator at a steady rate; prints progress and acknowledgement
// latency. Usage: node bench/loadgen.ts --url http://127.0.0.1:9280 --token T --collectors 20 --rate 5000 --seconds 60
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { Loadgen, percentile } from '../test/helpers/loadgen.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:9280' },
    token: { type: 'string', default: process.env.SWARMSCOPE_TOKEN ?? '' },
    collectors: { type: 'string', default: '20' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '60' },
  },
});
const load = new Loadgen({
  urls: values.url.split(','),
  token: values.token,
  collectors: Number(values.collectors),
  rate: Number(values.rate),
  run: `lg${randomBytes(3).toString('hex')}`,
});
await load.start();
const ticker = setInterval(
  () => process.stdout.write(`generated ${load.generated()}, queued ${load.queueBytes()} bytes\n`),
  5000,
);
await new Promise((r) => setTimeout(r, Number(values.seconds) * 1000));
clearInterval(ticker);
await load.stopGenerating();
const drained = await load.drain(300_000);
process.stdout.write(
  `generated ${load.generated()} records; drained ${drained}; ack latency p50 ${percentile(load.latenciesMs, 50)} ms p99 ${percentile(load.latenciesMs, 99)} ms\n`,
);
await load.close();
