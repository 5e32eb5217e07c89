// Index templates with explicit mappings, one per dataset, installed by the aggregator at start.
// Container labels are `flattened` (one field however many labels exist: no mapping explosion);
// strings default to keyword; the message is full text.
import type { Dataset } from './index-name.ts';
import { SWARM_MAPPING } from './encode-swarm.ts';

const keyword = { type: 'keyword', ignore_above: 1024 } as const;

const common = {
  '@timestamp': { type: 'date_nanos' },
  host: { properties: { name: keyword } },
  event: {
    properties: { dataset: keyword, module: keyword, kind: keyword, action: keyword, category: keyword, type: keyword },
  },
  swarmscope: { properties: { record_id: keyword, node_id: keyword } },
  container: {
    properties: {
      id: keyword,
      name: keyword,
      image: { properties: { name: keyword } },
      labels: { type: 'flattened', ignore_above: 1024 },
    },
  },
  orchestrator: {
    properties: {
      type: keyword,
      namespace: keyword,
      resource: { properties: { type: keyword, name: keyword, id: keyword } },
      service: { properties: { name: keyword, id: keyword } },
      node: { properties: { id: keyword } },
    },
  },
};

const perDataset: Record<Dataset, Record<string, unknown>> = {
  metrics: {},
  logs: {
    message: { type: 'text' },
    stream: keyword,
    log: {
      properties: {
        file: { properties: { path: keyword } },
        offset: { type: 'long' },
        origin: { properties: { source: keyword } },
        truncated: { type: 'boolean' },
        original_length: { type: 'long' },
        multiline: { properties: { lines: { type: 'integer' } } },
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
      },
    },
    container_health: { properties: { status: keyword } },
    process: { properties: { exit_code: { type: 'integer' } } },
  },
  swarm: SWARM_MAPPING,
  agent: {},
};

export function templateFor(prefix: string, dataset: Dataset) {
  return {
    name: `${prefix}-${dataset}`,
    index_patterns: [`${prefix}-${dataset}-*`],
    priority: 200,
    template: {
      settings: {
        number_of_shards: 1,
        number_of_replicas: 0,
        'index.mapping.total_fields.limit': 2000,
        refresh_interval: '1s',
      },
      mappings: {
        dynamic_templates: [
          // Metric numbers are fractional at times (pct, rates, seconds): a first 0 must not map them as long.
          {
            docker_numbers_as_double: {
              path_match: 'docker.*',
              match_mapping_type: 'long',
              mapping: { type: 'double' },
            },
          },
          {
            system_numbers_as_double: {
              path_match: 'system.*',
              match_mapping_type: 'long',
              mapping: { type: 'double' },
            },
          },
          { strings_as_keywords: { match_mapping_type: 'string', mapping: keyword } },
        ],
        properties: { ...common, ...perDataset[dataset] },
      },
    },
    _meta: { managed_by: 'swarmscope' },
  };
}

/** Where set-aside records go: the raw record as a string, kept but not indexed, with the reason. */
export function deadLetterTemplate(prefix: string) {
  return {
    name: `${prefix}-deadletter`,
    index_patterns: [`${prefix}-deadletter`],
    priority: 200,
    template: {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
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
