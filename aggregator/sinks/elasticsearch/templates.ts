// Index templates with explicit mappings, one per dataset, installed by the aggregator at start.
// Container labels are `flattened` (one field however many labels exist: no mapping explosion);
// strings default to keyword; the message is full text.
import type { Dataset } from './index-name.ts';
import { SWARM_MAPPING } from './encode-swarm.ts';
import { parseIndexCounts, shardSettings, type IndexCounts } from './index-settings.ts';

/** The documented defaults (SWARMSCOPE_ES_SHARDS / SWARMSCOPE_ES_REPLICAS unset). */
const DEFAULT_COUNTS = parseIndexCounts('', '', []);

const keyword = { type: 'keyword', ignore_above: 1024 } as const;

// ECS maps the 0..1 usages as scaled_float, which lives in a module (mapper-extras) not every
// distribution carries; double reads the same in every query and panel.
const usagePct = { type: 'double' } as const;
const bytesField = { properties: { bytes: { type: 'long' } } } as const;

const common = {
  '@timestamp': { type: 'date_nanos' },
  ecs: { properties: { version: keyword } },
  host: { properties: { name: keyword, id: keyword } },
  event: {
    properties: {
      id: keyword,
      dataset: keyword,
      module: keyword,
      kind: keyword,
      action: keyword,
      category: keyword,
      type: keyword,
      outcome: keyword,
    },
  },
  container: {
    properties: {
      id: keyword,
      name: keyword,
      runtime: keyword,
      image: { properties: { name: keyword } },
      labels: { type: 'flattened', ignore_above: 1024 },
    },
  },
  service: { properties: { name: keyword, id: keyword } },
  orchestrator: {
    properties: {
      type: keyword,
      namespace: keyword,
      resource: {
        properties: { type: keyword, name: keyword, id: keyword, parent: { properties: { type: keyword } } },
      },
    },
  },
};

const perDataset: Record<Dataset, Record<string, unknown>> = {
  metrics: {
    // ECS's container metrics (usage 0..1; bytes since the previous sample), beside
    // Metricbeat's docker.* numbers.
    container: {
      properties: {
        cpu: { properties: { usage: usagePct } },
        memory: { properties: { usage: usagePct } },
        network: { properties: { ingress: bytesField, egress: bytesField } },
        disk: { properties: { read: bytesField, write: bytesField } },
      },
    },
  },
  logs: {
    message: { type: 'text' },
    stream: keyword,
    log: { properties: { file: { properties: { path: keyword } }, offset: { type: 'long' } } },
    swarmscope: {
      properties: {
        log: {
          properties: {
            source: keyword,
            truncated: { type: 'boolean' },
            original_length: { type: 'long' },
            multiline: { properties: { lines: { type: 'integer' } } },
            flags: keyword,
          },
        },
      },
    },
    json: { type: 'flattened', ignore_above: 1024 },
  },
  events: {
    docker: {
      properties: {
        event: {
          properties: {
            type: keyword,
            action: keyword,
            scope: keyword,
            exit_code: { type: 'integer' },
            actor: { properties: { id: keyword, attributes: { type: 'flattened', ignore_above: 1024 } } },
          },
        },
        healthcheck: { properties: { status: keyword } },
      },
    },
    process: { properties: { exit_code: { type: 'integer' } } },
  },
  swarm: SWARM_MAPPING,
  agent: {},
};

type Properties = Record<string, unknown>;

/** A dataset's fields added to the common ones: objects named on both sides merge their properties. */
export function mergeProperties(a: Properties, b: Properties): Properties {
  const out: Properties = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const av = a[k] as { properties?: Properties } | undefined;
    const bv = v as { properties?: Properties };
    out[k] =
      av?.properties && bv.properties ? { ...av, ...bv, properties: mergeProperties(av.properties, bv.properties) } : v;
  }
  return out;
}

export function templateFor(prefix: string, dataset: Dataset, counts: IndexCounts = DEFAULT_COUNTS) {
  return {
    name: `${prefix}-${dataset}`,
    index_patterns: [`${prefix}-${dataset}-*`],
    priority: 200,
    template: {
      settings: {
        ...shardSettings(counts.shards[dataset], counts.replicas[dataset]),
        'index.mapping.total_fields.limit': 2000,
        refresh_interval: '1s',
      },
      mappings: {
        dynamic_templates: [
          // Metric numbers are fractional at times (pct, rates, seconds): every number of these
          // families is a double, whether its first value is whole (long) or not (double, which
          // ES would otherwise map as float: one document's array of filesystems holding both a
          // 0 and a 0.5 then conflicts with itself and the document is refused).
          ...['docker', 'system', 'swarmscope.agent'].flatMap((family) =>
            (['long', 'double'] as const).map((type) => ({
              [`${family}_${type}_as_double`]: {
                path_match: `${family}.*`,
                match_mapping_type: type,
                mapping: { type: 'double' },
              },
            })),
          ),
          { strings_as_keywords: { match_mapping_type: 'string', mapping: keyword } },
        ],
        properties: mergeProperties(common, perDataset[dataset]),
      },
    },
    _meta: { managed_by: 'swarmscope' },
  };
}

/** Where set-aside records go: the raw record as a string, kept but not indexed, with the reason. */
export function deadLetterTemplate(prefix: string, counts: IndexCounts = DEFAULT_COUNTS) {
  return {
    name: `${prefix}-deadletter`,
    index_patterns: [`${prefix}-deadletter`],
    priority: 200,
    template: {
      // One small index: one shard, as many replicas as the log indices.
      settings: shardSettings(1, counts.replicas.logs),
      mappings: {
        dynamic: 'strict',
        properties: {
          '@timestamp': { type: 'date' },
          reason: { type: 'text' },
          error_type: keyword,
          target_index: keyword,
          record_id: keyword,
          batch: keyword,
          record: { type: 'keyword', index: false, doc_values: false },
        },
      },
    },
    _meta: { managed_by: 'swarmscope' },
  };
}
