// The aggregator's configuration: environment → validated, frozen object, defaults in one place
// (documented in the README's configuration table); all problems are reported at once.
import { EnvReader } from '../common/env.ts';
import { SwarmscopeError } from '../common/errors.ts';
import { settingNames } from '../common/setting-names.ts';
import { entryProblems, parseEntries } from '../common/replica-set.ts';
import type { ReadAuthConfig } from './read-auth.ts';
import type { AggregatorTlsConfig } from './tls.ts';
import { readConnectionBounds, type ConnectionBounds } from './connection-bounds-settings.ts';
import {
  DEFAULT_REPLICAS,
  DEFAULT_SHARDS,
  parseIndexCounts,
  type IndexCounts,
} from './sinks/elasticsearch/index-settings.ts';
import { ES_COMPRESSIONS, type EsCompression } from './sinks/elasticsearch/request-compression.ts';

export type ElasticsearchConfig = Readonly<{
  /** One or more nodes of one cluster; requests go round the pool, a failed node is skipped. */
  urls: readonly string[];
  /** Ask the cluster for its other nodes (at start and on a connection fault); off: only `urls`. */
  sniff: boolean;
  /** Primary shards and replicas per index family, applied by the index templates. */
  indexCounts: IndexCounts;
  username: string | undefined;
  password: string | undefined;
  apiKey: string | undefined;
  caFile: string | undefined;
  indexPrefix: string;
  retentionDays: number;
  /** How long one batch may wait on 429/5xx items before the aggregator answers 503. */
  itemRetryBudgetMs: number;
  requestTimeoutMs: number;
  /** `_bulk` requests in flight at once; batches arriving meanwhile share the next request. */
  bulkConcurrency: number;
  /** How `_bulk` request bodies are compressed. */
  compression: EsCompression;
}>;

/** The built-in web UI (aggregator/ui/, routes/ui.ts): read-only, behind a login. */
export type UiConfig = Readonly<{
  enabled: boolean;
  /** A read-only credential for the UI besides the ingest and read tokens (which are accepted too). */
  password: string | undefined;
  /** Recent stats kept per container and node for the UI's charts: how far back, how many points, how many series. */
  historyWindowMs: number;
  historyMaxPoints: number;
  historyMaxSeries: number;
  /** Other aggregator replicas (URLs or dns+URL, common/replica-set.ts), asked for their part of the cluster. */
  peers: string[];
  /** Alertmanager's base URL: firing alerts on the cluster page. */
  alertmanagerUrl: string | undefined;
}>;

export type AggregatorConfig = Readonly<{
  listen: { host: string; port: number };
  token: string;
  /** HTTPS (certificate + key) and optional mTLS for collectors (client CA). */
  tls: AggregatorTlsConfig;
  /** Credentials /metrics and data endpoints require (none configured: open). */
  read: ReadAuthConfig;
  dataDir: string;
  elasticsearch: ElasticsearchConfig | undefined;
  journal: { maxBytes: number };
  /** Memory bounds of ingest: per request (body, decoded body) and across requests in flight. */
  limits: { maxBodyBytes: number; maxDecompressedBytes: number; maxInflight: number; maxInflightBytes: number };
  /** How long a client may hold a connection without sending a request, and how many it may hold. */
  connections: ConnectionBounds;
  /** Container series of a node not refreshed for this long are removed (collector gone). */
  staleAfterMs: number;
  /** Container labels beyond the Swarm ones that become Prometheus labels (opt-in: cardinality). */
  extraContainerLabels: string[];
  ui: UiConfig;
  /**
   * Aggregator replicas (URLs or dns+URL, see common/replica-set.ts); empty = this one alone exposes
   * every node. selfUrl: this replica as peers list it (found by address and port when undefined).
   */
  replicas: { entries: string[]; selfUrl: string | undefined; holdMs: number; probeIntervalMs: number };
  logLevel: string;
}>;

export function loadAggregatorConfig(env: NodeJS.ProcessEnv = process.env): AggregatorConfig {
  const r = new EnvReader(env);
  const config = readAggregatorConfig(r);
  r.refuseUnknown(settingNames());
  if (r.problems.length) {
    throw new SwarmscopeError('AGG_ERR_CONFIG', `invalid aggregator configuration:\n  - ${r.problems.join('\n  - ')}`, {
      context: { problems: r.problems },
      remedy: 'fix the settings named above (README: Configuration); `swarmscope config` checks them without starting',
    });
  }
  return Object.freeze(config);
}

/**
 * Every aggregator setting read from `r`, problems left in `r.problems`. Each name is read
 * unconditionally: the names read are the list of known settings (common/setting-names.ts).
 */
export function readAggregatorConfig(r: EnvReader): AggregatorConfig {
  const token = r.secret('SWARMSCOPE_TOKEN');
  if (!token)
    r.problems.push(
      'SWARMSCOPE_TOKEN (or SWARMSCOPE_TOKEN_FILE) is required: the bearer token collectors must present',
    );
  const { urls: esUrls, credentials: inUrl } = esUrlList(r);
  const prefix = r.string('SWARMSCOPE_ES_INDEX_PREFIX', 'swarmscope');
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(prefix))
    r.problems.push(`SWARMSCOPE_ES_INDEX_PREFIX=${prefix}: lowercase letters, digits, - and _ only`);
  const es = {
    sniff: r.bool('SWARMSCOPE_ES_SNIFF', false),
    indexCounts: parseIndexCounts(
      r.string('SWARMSCOPE_ES_SHARDS', DEFAULT_SHARDS),
      r.string('SWARMSCOPE_ES_REPLICAS', DEFAULT_REPLICAS),
      r.problems,
    ),
    username: r.optional('SWARMSCOPE_ES_USERNAME') ?? inUrl?.username,
    password: r.secret('SWARMSCOPE_ES_PASSWORD') ?? inUrl?.password,
    apiKey: r.secret('SWARMSCOPE_ES_API_KEY'),
    caFile: r.optional('SWARMSCOPE_ES_CA_FILE'),
    indexPrefix: prefix,
    retentionDays: r.int('SWARMSCOPE_RETENTION_DAYS', 7, 1),
    itemRetryBudgetMs: r.durationMs('SWARMSCOPE_ES_RETRY_BUDGET', '10s'),
    requestTimeoutMs: r.durationMs('SWARMSCOPE_ES_TIMEOUT', '30s'),
    bulkConcurrency: r.int('SWARMSCOPE_ES_BULK_CONCURRENCY', 4, 1),
    compression: r.string('SWARMSCOPE_ES_COMPRESSION', 'deflate') as EsCompression,
  };
  if (!ES_COMPRESSIONS.includes(es.compression))
    r.problems.push(`SWARMSCOPE_ES_COMPRESSION=${es.compression}: expected ${ES_COMPRESSIONS.join(', ')}`);
  const tls = {
    certFile: r.file('SWARMSCOPE_TLS_CERT_FILE'),
    keyFile: r.file('SWARMSCOPE_TLS_KEY_FILE'),
    clientCaFile: r.file('SWARMSCOPE_TLS_CLIENT_CA_FILE'),
  };
  if (!tls.certFile !== !tls.keyFile)
    r.problems.push('SWARMSCOPE_TLS_CERT_FILE and SWARMSCOPE_TLS_KEY_FILE go together: set both for HTTPS, or neither');
  if (tls.clientCaFile && !tls.certFile)
    r.problems.push('SWARMSCOPE_TLS_CLIENT_CA_FILE (mTLS) needs HTTPS: set SWARMSCOPE_TLS_CERT_FILE and _KEY_FILE too');
  const read = {
    token: r.secret('SWARMSCOPE_READ_TOKEN'),
    username: r.optional('SWARMSCOPE_READ_USERNAME'),
    password: r.secret('SWARMSCOPE_READ_PASSWORD'),
  };
  if (!read.username !== !read.password)
    r.problems.push('SWARMSCOPE_READ_USERNAME and SWARMSCOPE_READ_PASSWORD (or _FILE) go together');
  if (read.token && read.token === token)
    r.problems.push('SWARMSCOPE_READ_TOKEN must differ from SWARMSCOPE_TOKEN: readers must not be able to write');
  const config: AggregatorConfig = {
    listen: r.listen('SWARMSCOPE_LISTEN', '127.0.0.1:9280'),
    token: token ?? '',
    tls,
    read,
    dataDir: r.string('SWARMSCOPE_DATA_DIR', '.swarmscope'),
    elasticsearch: esUrls.length ? { urls: esUrls, ...es } : undefined,
    journal: { maxBytes: r.bytes('SWARMSCOPE_JOURNAL_MAX_BYTES', '1GiB') },
    limits: {
      maxBodyBytes: r.bytes('SWARMSCOPE_MAX_BODY_BYTES', '16MiB'),
      maxDecompressedBytes: r.bytes('SWARMSCOPE_MAX_DECOMPRESSED_BYTES', '16MiB'),
      maxInflight: r.int('SWARMSCOPE_MAX_INFLIGHT', 512, 1),
      maxInflightBytes: r.bytes('SWARMSCOPE_MAX_INFLIGHT_BYTES', '64MiB'),
    },
    connections: readConnectionBounds(r),
    staleAfterMs: r.durationMs('SWARMSCOPE_STALE_AFTER', '5m'),
    extraContainerLabels: r
      .string('SWARMSCOPE_CONTAINER_LABELS', '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    ui: {
      enabled: r.bool('SWARMSCOPE_UI', true),
      password: r.secret('SWARMSCOPE_UI_PASSWORD'),
      historyWindowMs: r.durationMs('SWARMSCOPE_UI_HISTORY', '15m'),
      historyMaxPoints: r.int('SWARMSCOPE_UI_HISTORY_POINTS', 360, 2),
      historyMaxSeries: r.int('SWARMSCOPE_UI_HISTORY_SERIES', 2000, 1),
      peers: parseEntries(r.string('SWARMSCOPE_UI_PEERS', '')),
      alertmanagerUrl: r.url('SWARMSCOPE_ALERTMANAGER_URL'),
    },
    replicas: {
      entries: parseEntries(r.string('SWARMSCOPE_REPLICAS', '')),
      selfUrl: r.optional('SWARMSCOPE_REPLICA_URL')?.replace(/\/$/, ''),
      holdMs: r.durationMs('SWARMSCOPE_OWNERSHIP_HOLD', '30s'),
      probeIntervalMs: r.durationMs('SWARMSCOPE_REPLICA_PROBE_INTERVAL', '5s'),
    },
    logLevel: r.string('SWARMSCOPE_LOG_LEVEL', 'info'),
  };
  if (config.ui.password !== undefined && config.ui.password.length < 8)
    r.problems.push('SWARMSCOPE_UI_PASSWORD (or _FILE) must be at least 8 characters');
  for (const p of entryProblems(config.ui.peers)) r.problems.push(`SWARMSCOPE_UI_PEERS: ${p}`);
  for (const p of entryProblems(config.replicas.entries)) r.problems.push(`SWARMSCOPE_REPLICAS: ${p}`);
  if (config.replicas.selfUrl && !URL.canParse(config.replicas.selfUrl))
    r.problems.push(`SWARMSCOPE_REPLICA_URL=${config.replicas.selfUrl}: not a URL`);
  if (config.replicas.probeIntervalMs < 50) r.problems.push('SWARMSCOPE_REPLICA_PROBE_INTERVAL: the shortest is 50ms');
  if (config.replicas.entries.length && config.replicas.holdMs < 2 * config.replicas.probeIntervalMs)
    r.problems.push('SWARMSCOPE_OWNERSHIP_HOLD must be at least twice SWARMSCOPE_REPLICA_PROBE_INTERVAL');
  if (esUrls.length && config.connections.socketTimeoutMs < es.requestTimeoutMs + es.itemRetryBudgetMs)
    r.problems.push(
      'SWARMSCOPE_SOCKET_TIMEOUT must exceed SWARMSCOPE_ES_TIMEOUT + SWARMSCOPE_ES_RETRY_BUDGET: it would cut collectors off while a batch waits for Elasticsearch',
    );
  if (config.limits.maxDecompressedBytes > config.limits.maxInflightBytes)
    r.problems.push(
      'SWARMSCOPE_MAX_DECOMPRESSED_BYTES must not exceed SWARMSCOPE_MAX_INFLIGHT_BYTES: one batch would hold more than the whole memory budget',
    );
  if (es.username && !es.password)
    r.problems.push('SWARMSCOPE_ES_USERNAME is set but SWARMSCOPE_ES_PASSWORD (or _FILE) is not');
  return config;
}

/**
 * SWARMSCOPE_ES_URL: one URL or several, comma-separated (nodes of one cluster). Credentials
 * written into a URL are taken out of it (the URLs are printed, logged and put in error bodies)
 * and used as the username and password unless those are set.
 */
function esUrlList(r: EnvReader): { urls: string[]; credentials?: { username: string; password: string } } {
  const raw = r.optional('SWARMSCOPE_ES_URL') ?? '';
  const urls: string[] = [];
  let credentials: { username: string; password: string } | undefined;
  for (const part of raw.split(',').map((u) => u.trim())) {
    if (!part) continue;
    try {
      const url = new URL(part);
      if (url.username || url.password) {
        credentials = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
        r.secretValues.add(credentials.password);
        r.secretValues.add(url.password);
        url.username = '';
        url.password = '';
      }
      urls.push(url.toString().replace(/\/$/, ''));
    } catch {
      r.problems.push(
        `SWARMSCOPE_ES_URL: "${part}" is not a URL; use e.g. http://127.0.0.1:9200,http://127.0.0.2:9200`,
      );
    }
  }
  return { urls, ...(credentials ? { credentials } : {}) };
}
