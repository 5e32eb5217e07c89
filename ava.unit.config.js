// `npm run test:unit`: the tests that need no service (no engine, Elasticsearch, Prometheus or
// installed tool), on fixtures and in-process servers only; seconds. `npm test` runs every test.
// A new test that needs nothing outside the process goes in one of these places.
export default {
  extensions: ['ts'],
  files: [
    'test/collector/pipeline/**/*.test.ts',
    // Its version 1 and 2 documents are compared in Elasticsearch: with every test (`npm test`).
    '!test/collector/pipeline/wire-version.test.ts',
    'test/collector/heap-policy.test.ts',
    'test/collector/sources/cgroup-stats/readers.test.ts',
    'test/collector/sources/container-logs/*.test.ts',
    'test/collector/sources/host/host-sampler.test.ts',
    'test/collector/sources/host/kernel-readers.test.ts',
    'test/collector/sources/swarm-state/*.test.ts',
    'test/common/byte-log.test.ts',
    'test/common/byte-scan.test.ts',
    'test/common/byte-writer.test.ts',
    'test/common/record-id.test.ts',
    'test/common/replica-set.test.ts',
    'test/aggregator/read-auth.test.ts',
    'test/aggregator/connection-bounds.test.ts',
    'test/aggregator/ui/ui-access.test.ts',
    'test/aggregator/ui/ui-data.test.ts',
    'test/aggregator/bounded-inflate.test.ts',
    'test/aggregator/sinks/journal.test.ts',
    'test/aggregator/sinks/prometheus/swarm-metrics.test.ts',
    'test/aggregator/sinks/prometheus/source-metrics.test.ts',
    'test/dashboards/build.test.ts',
    'test/dashboards/grafana/*.test.ts',
    'test/dashboards/kibana/fields.test.ts',
    'test/lint/*.test.ts',
    'test/properties/*.test.ts',
  ],
  timeout: '1m',
  concurrency: 4,
  workerThreads: false,
  require: ['./test/helpers/exit-when-done.ts'],
};
