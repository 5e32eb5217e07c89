// The collector's configuration: environment → validated, frozen object. Every key has its
// default here (documented in the README's configuration table); all problems are reported at once.
import { EnvReader } from '../common/env.ts';
import { SwarmscopeError } from '../common/errors.ts';
import { settingNames } from '../common/setting-names.ts';
import type { BackoffPolicy } from '../common/backoff.ts';
import type { AggregatorTls } from './pipeline/aggregator-client.ts';
import { entryProblems, parseEntries } from '../common/replica-set.ts';
import type { HeapSetting } from './heap-policy.ts';
import { BATCH_COMPRESSIONS, type BatchCompression } from '../common/wire.ts';

export type CollectorConfig = Readonly<{
  dockerHost: string;
  aggregatorUrls: string[];
  token: string;
  /** https aggregators: the CA to verify them with, and a client certificate for mTLS. */
  tls: AggregatorTls;
  intervalMs: number;
  dataDir: string;
  cgroupRoot: string;
  procRoot: string;
  /** The engine's data root as this process sees it; undefined = ask the engine (/info DockerRootDir). */
  dockerRoot: string | undefined;
  nodeName: string | undefined;
  reconcileIntervalMs: number;
  /** Bound on the tasks in one Swarm snapshot (managers only); older task history is cut first. */
  swarmMaxTasks: number;
  /** Container and host metrics: kept-open file bound, loopback counters, host source and its filesystem cadence. */
  metrics: {
    maxOpenFiles: number;
    networkLoopback: boolean;
    host: boolean;
    filesystemIntervalMs: number;
    /** The host's /sys and root filesystem as this process sees them (/host/sys, /host/root in the stack). */
    sysRoot: string;
    hostRoot: string;
    /** Prepended to reported filesystem mountpoints ('/rootfs' keeps swarmprom's queries). */
    mountpointPrefix: string;
  };
  /** Container logs (json-file from disk, other drivers through the API) and Docker events. */
  logs: {
    enabled: boolean;
    maxMessageBytes: number;
    pollIntervalMs: number;
    rescanIntervalMs: number;
    multilineMaxLines: number;
    multilineFlushMs: number;
    selector: string | undefined;
  };
  events: { enabled: boolean };
  queue: { maxBytes: number; maxAgeMs: number; fsync: 'batch' | 'off' };
  batch: { maxRecords: number; maxBytes: number; maxAgeMs: number; compression: BatchCompression };
  backoff: BackoffPolicy;
  requestTimeoutMs: number;
  shipConcurrency: number;
  logLevel: string;
  /** V8's heap policy in the `collector` and `all` commands (collector/heap-policy.ts). */
  heapPolicy: HeapSetting;
}>;

/** Batches in flight to the aggregator at once (the load generator uses the same default). */
export const DEFAULT_SHIP_CONCURRENCY = 4;

export function loadCollectorConfig(env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  const r = new EnvReader(env);
  const config = readCollectorConfig(r);
  r.refuseUnknown(settingNames());
  if (r.problems.length) {
    throw new SwarmscopeError('COL_ERR_CONFIG', `invalid collector configuration:\n  - ${r.problems.join('\n  - ')}`, {
      context: { problems: r.problems },
      remedy: 'fix the settings named above (README: Configuration); `swarmscope config` checks them without starting',
    });
  }
  return Object.freeze(config);
}

/**
 * Every collector setting read from `r`, problems left in `r.problems`. Each name is read
 * unconditionally: the names read are the list of known settings (common/setting-names.ts).
 */
export function readCollectorConfig(r: EnvReader): CollectorConfig {
  const token = r.secret('SWARMSCOPE_TOKEN');
  if (!token)
    r.problems.push('SWARMSCOPE_TOKEN (or SWARMSCOPE_TOKEN_FILE) is required: the bearer token the aggregator expects');
  // URLs or dns+URL entries (common/replica-set.ts); several replicas are routed to by ownership.
  const urls = parseEntries(r.string('SWARMSCOPE_AGGREGATOR_URL', 'http://127.0.0.1:9280'));
  for (const p of entryProblems(urls)) r.problems.push(`SWARMSCOPE_AGGREGATOR_URL: ${p}`);
  const fsync = r.string('SWARMSCOPE_QUEUE_FSYNC', 'batch');
  if (fsync !== 'batch' && fsync !== 'off') r.problems.push(`SWARMSCOPE_QUEUE_FSYNC=${fsync}: expected batch or off`);
  const compression = r.string('SWARMSCOPE_BATCH_COMPRESSION', 'zstd') as BatchCompression;
  if (!BATCH_COMPRESSIONS.includes(compression))
    r.problems.push(`SWARMSCOPE_BATCH_COMPRESSION=${compression}: expected zstd or gzip`);
  const heapPolicy = r.string('SWARMSCOPE_HEAP_POLICY', 'auto');
  if (heapPolicy !== 'auto' && heapPolicy !== 'memory' && heapPolicy !== 'throughput')
    r.problems.push(`SWARMSCOPE_HEAP_POLICY=${heapPolicy}: expected auto, memory or throughput`);
  const tls = {
    caFile: r.file('SWARMSCOPE_AGGREGATOR_CA_FILE'),
    certFile: r.file('SWARMSCOPE_CLIENT_CERT_FILE'),
    keyFile: r.file('SWARMSCOPE_CLIENT_KEY_FILE'),
  };
  if (!tls.certFile !== !tls.keyFile)
    r.problems.push(
      'SWARMSCOPE_CLIENT_CERT_FILE and SWARMSCOPE_CLIENT_KEY_FILE go together (mTLS): set both, or neither',
    );
  const config: CollectorConfig = {
    dockerHost: r.string('DOCKER_HOST', 'unix:///var/run/docker.sock'),
    aggregatorUrls: urls,
    token: token ?? '',
    tls,
    intervalMs: r.durationMs('SWARMSCOPE_INTERVAL', '10s'),
    dataDir: r.string('SWARMSCOPE_DATA_DIR', '.swarmscope'),
    cgroupRoot: r.string('SWARMSCOPE_CGROUP_ROOT', '/sys/fs/cgroup'),
    procRoot: r.string('SWARMSCOPE_PROC_ROOT', '/proc'),
    dockerRoot: r.optional('SWARMSCOPE_DOCKER_ROOT'),
    nodeName: r.optional('SWARMSCOPE_NODE_NAME'),
    reconcileIntervalMs: r.durationMs('SWARMSCOPE_RECONCILE_INTERVAL', '60s'),
    swarmMaxTasks: r.int('SWARMSCOPE_SWARM_MAX_TASKS', 5000, 1),
    metrics: {
      maxOpenFiles: r.int('SWARMSCOPE_MAX_OPEN_FILES', 8192, 0),
      networkLoopback: r.bool('SWARMSCOPE_NETWORK_LOOPBACK', false),
      host: r.bool('SWARMSCOPE_HOST_METRICS', true),
      filesystemIntervalMs: r.durationMs('SWARMSCOPE_FILESYSTEM_INTERVAL', '60s'),
      sysRoot: r.string('SWARMSCOPE_SYS_ROOT', '/sys'),
      hostRoot: r.string('SWARMSCOPE_HOST_ROOT', '/'),
      mountpointPrefix: r.string('SWARMSCOPE_FILESYSTEM_MOUNTPOINT_PREFIX', ''),
    },
    logs: {
      enabled: r.bool('SWARMSCOPE_LOGS', true),
      maxMessageBytes: r.bytes('SWARMSCOPE_LOG_MAX_MESSAGE_BYTES', '1MiB'),
      pollIntervalMs: r.durationMs('SWARMSCOPE_LOGS_POLL_INTERVAL', '1s'),
      rescanIntervalMs: r.durationMs('SWARMSCOPE_LOGS_RESCAN_INTERVAL', '250ms'),
      multilineMaxLines: r.int('SWARMSCOPE_MULTILINE_MAX_LINES', 500, 1),
      multilineFlushMs: r.durationMs('SWARMSCOPE_MULTILINE_FLUSH_TIMEOUT', '2s'),
      selector: r.optional('SWARMSCOPE_LOGS_SELECTOR'),
    },
    events: { enabled: r.bool('SWARMSCOPE_EVENTS', true) },
    queue: {
      maxBytes: r.bytes('SWARMSCOPE_QUEUE_MAX_BYTES', '256MiB'),
      maxAgeMs: r.durationMs('SWARMSCOPE_QUEUE_MAX_AGE', '24h'),
      fsync: fsync === 'off' ? 'off' : 'batch',
    },
    batch: {
      maxRecords: r.int('SWARMSCOPE_BATCH_MAX_RECORDS', 5000, 1),
      maxBytes: r.bytes('SWARMSCOPE_BATCH_MAX_BYTES', '4MiB'),
      maxAgeMs: r.durationMs('SWARMSCOPE_BATCH_MAX_AGE', '250ms'),
      compression,
    },
    backoff: {
      initialDelayMs: r.durationMs('SWARMSCOPE_RETRY_INITIAL', '250ms'),
      maxDelayMs: r.durationMs('SWARMSCOPE_RETRY_MAX', '30s'),
      factor: 2,
    },
    requestTimeoutMs: r.durationMs('SWARMSCOPE_REQUEST_TIMEOUT', '60s'),
    shipConcurrency: r.int('SWARMSCOPE_SHIP_CONCURRENCY', DEFAULT_SHIP_CONCURRENCY, 1),
    logLevel: r.string('SWARMSCOPE_LOG_LEVEL', 'info'),
    heapPolicy: heapPolicy as HeapSetting,
  };
  const prefix = config.metrics.mountpointPrefix;
  if (prefix && !/^\/[^\s]*[^/\s]$/.test(prefix))
    r.problems.push(
      `SWARMSCOPE_FILESYSTEM_MOUNTPOINT_PREFIX=${prefix}: expected an absolute path such as /rootfs, or empty`,
    );
  if (config.intervalMs < 100)
    r.problems.push(`SWARMSCOPE_INTERVAL=${config.intervalMs}ms: the shortest interval is 100ms`);
  return config;
}
