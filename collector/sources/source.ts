// The source contract: what every source is to the agent (a name, records collected each round or
// pushed as they come, counters, a close) and what the agent gives a source (its context: config,
// logger, node, the Docker engine and its one container inventory, and the pipeline's entry).
// A source imports only this file, collector/readers/, the Docker client and common/ (lint-enforced).
import type { Logger } from '../../common/logger.ts';
import type { NodeRef, WireRecord } from '../../common/schema/index.ts';
import type { CollectorConfig } from '../config.ts';
import type { DockerApi } from '../docker-api.ts';
import type { DockerInventory } from '../docker-inventory.ts';

/**
 * Travels with the records of one emit(): the pipeline calls each member at most once, and only
 * for the source that emitted them. Records of one emit may end up in several batches.
 */
export type AckHandle = {
  /** Every record is in the durable queue (or was dropped on arrival, counted): a restart will not need them again from the source. */
  queued?: () => void;
  /** Every record left the queue for good: acknowledged by the aggregator, or given up on (set aside, expired, dropped: counted). */
  settled?: () => void;
};

/** The Docker engine as the agent found it at start; undefined when no engine answered. */
export type DockerContext = {
  api: DockerApi;
  /** The engine's data root as this process sees it (json-file logs live under containers/). */
  dockerRoot: string;
  /** Swarm node id ('' outside a swarm) and whether this node can read the Swarm's state. */
  swarmNodeId: string;
  manager: boolean;
  /** The one container inventory: listed each round, told of every container event; subscribe to it. */
  inventory: DockerInventory;
};

export type SourceContext = {
  config: CollectorConfig;
  log: Logger;
  /** This node's identity (its swarm id is known only once the engine answered). */
  node: () => NodeRef;
  docker: DockerContext | undefined;
  /**
   * Hands records to the pipeline with an optional acknowledgement handle. Resolves true when the
   * source may go on; false when the records are held because the queue refuses their class now
   * (logs and events at the queue's bound): await ready() before producing more.
   */
  emit: (records: WireRecord[], ack?: AckHandle) => Promise<boolean>;
  /**
   * The same, one record at a time as the source makes them (none held in an array meanwhile):
   * `ack` hears nothing before close(), which resolves as emit() does.
   */
  emitEach: (ack: AckHandle) => RecordWriter;
  /** Resolves once the pipeline takes log and event records again (at once when it does; also at close). */
  ready: () => Promise<void>;
};

export type RecordWriter = { add: (record: WireRecord) => void; close: () => Promise<boolean> };

/** Every source counts the records it produced and the errors it met; the rest is its own. */
export type SourceCounters = { records: number; errors: number } & Record<string, number>;

export type Source = {
  /** Lower-case words joined by '-'; the `source` label of swarmscope_collector_source_* series. */
  readonly name: string;
  /** Starts pushing (streams, watchers); sampled sources may leave it out. */
  start?: () => Promise<void>;
  /** One sampling round's records, called every SWARMSCOPE_INTERVAL; push sources leave it out. */
  collect?: (time: Date) => Promise<WireRecord[]>;
  /** Cumulative counters since start. */
  counters: () => SourceCounters;
  /** Current levels (open files, followed containers), if the source has any. */
  gauges?: () => Record<string, number>;
  /** Stops and flushes (idempotent): after it resolves the source emits nothing more. */
  close: () => Promise<void>;
  /** Called after the pipeline's last flush (every queued() has run): waits for what those started (a cursor write). */
  settle?: () => Promise<void>;
};

/** A registry entry: the source for this node, or undefined when it does not apply here (disabled, no engine, not a manager). */
export type SourceFactory = (ctx: SourceContext) => Source | undefined;

/** What a source's name must look like (it becomes a label value). */
export const SOURCE_NAME = /^[a-z][a-z0-9-]{0,31}$/;
