// The Elasticsearch client, built from config: one or more node URLs (the client's pool skips a
// node that fails; sniffing only when asked), basic auth or API key, optional CA, no secrets in
// logs. Client 8.x speaks to ES 8 and, through compatibility mode, ES 9.
import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../../config.ts';
import { BulkAnswerSerializer } from './bulk-answer.ts';

export function createEsClient(config: ElasticsearchConfig): Client {
  return new Client({
    nodes: [...config.urls],
    // Sniffed addresses are the nodes' publish addresses, which a client outside the cluster's
    // network may not reach: off unless asked for.
    sniffOnStart: config.sniff,
    sniffOnConnectionFault: config.sniff,
    auth: config.apiKey
      ? { apiKey: config.apiKey }
      : config.username
        ? { username: config.username, password: config.password ?? '' }
        : undefined,
    tls: config.caFile ? { ca: readFileSync(config.caFile) } : undefined,
    requestTimeout: config.requestTimeoutMs,
    maxRetries: 0,
    compression: true,
    Serializer: BulkAnswerSerializer,
  });
}
