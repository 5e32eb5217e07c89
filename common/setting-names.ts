// The names of every setting the collector and the aggregator read, found by running both config
// readers over an empty environment: one source of truth, so a setting added to either config.ts
// is known here without a list to keep in step. Both components accept both sides' names
// (`swarmscope all` and the test tooling give one environment to both).
import { EnvReader } from './env.ts';
import { readAggregatorConfig } from '../aggregator/config.ts';
import { readCollectorConfig } from '../collector/config.ts';

let names: ReadonlySet<string> | undefined;

export function settingNames(): ReadonlySet<string> {
  if (!names) {
    const r = new EnvReader({});
    readAggregatorConfig(r);
    readCollectorConfig(r);
    names = r.names;
  }
  return names;
}
