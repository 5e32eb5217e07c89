// POST /api/v1/ingest: authenticate, bound, decompress (bounded after decompression too),
// validate every record against the wire schema, write to the durable sink, and answer with the
// acknowledgement: 200 only when the sink holds every record (or set it aside with a reason).
// Overload is answered, never queued: 429 + Retry-After past the in-flight request or byte bound,
// 503 + Retry-After while the sink is down. Every outcome is counted.
import { timingSafeEqual, createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { validateRecord, type WireRecord } from '../../common/schema/index.ts';
import { AGENT_HEADER, BATCH_ID_HEADER, INGEST_PATH, NDJSON, NDJSON_V2 } from '../../common/wire.ts';
import { decodeLinesV2, type MessageTexts } from '../../common/wire-v2.ts';
import { SinkUnavailable, type DurableSink } from '../sinks/sink.ts';
import type { ClusterState } from '../sinks/prometheus/cluster-state.ts';
import type { PipelineMetrics } from '../sinks/prometheus/pipeline-metrics.ts';
import type { AggregatorConfig } from '../config.ts';
import { OWN_AUTH } from '../read-auth.ts';
import { inflateBounded, OverBudget } from '../bounded-inflate.ts';
import { MAX_RECORD_DEPTH, nestsDeeperThan } from '../json-depth.ts';

export type IngestDeps = {
  config: AggregatorConfig;
  sink: DurableSink;
  state: ClusterState;
  metrics: PipelineMetrics;
  onAccepted?: (records: readonly WireRecord[]) => void;
  /** Valid records as they arrive, before the sink holds them (the UI's live tail: not held up by the sink). */
  onReceived?: (records: readonly WireRecord[]) => void;
};

/**
 * Reasons name the line so that an operator can find the bad record in the set-aside batch.
 * Each line is parsed once; the validated text itself is what a journal sink stores (no re-serialising).
 */
export function parseBatch(text: string): { records: WireRecord[] } | { reason: string } {
  const records: WireRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0 || line.trim() === '') continue;
    const refused = tooDeep(line);
    if (refused) return { reason: `line ${i + 1}: ${refused}` };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      return { reason: `line ${i + 1}: not JSON (${(err as Error).message})` };
    }
    const v = validateRecord(value);
    if (!v.ok) return { reason: `line ${i + 1}: ${v.reason}` };
    records.push(v.record);
  }
  if (records.length === 0) return { reason: 'empty batch: no records' };
  return { records };
}

/** Short lines cannot nest deep enough to cost much; the scan is skipped for them. */
function tooDeep(line: string): string | undefined {
  return line.length > 1024 && nestsDeeperThan(line, MAX_RECORD_DEPTH)
    ? `nested deeper than ${MAX_RECORD_DEPTH} levels`
    : undefined;
}

/** Either encoding (by content type) of valid UTF-8; version 2 also gives its log messages' JSON text. */
export function parseAnyBatch(
  bytes: Buffer,
  version: 1 | 2,
): { records: WireRecord[]; messages?: MessageTexts } | { reason: string } {
  if (version === 2) {
    const d = decodeLinesV2(bytes, { checkLine: tooDeep, messagesAsBytes: true });
    return 'reason' in d ? d : { records: d.records, messages: d.messages };
  }
  return parseBatch(bytes.toString('utf8'));
}

export function registerIngest(app: FastifyInstance, deps: IngestDeps): void {
  const { config, sink, state, metrics } = deps;
  const expected = createHash('sha256').update(`Bearer ${config.token}`).digest();
  let inflight = 0;
  /** Bytes of requests in flight: each body's declared length from admission, decoded bytes as gunzip makes them. */
  let inflightBytes = 0;
  const rawHeld = new WeakMap<object, number>();

  const refuse = (reply: FastifyReply, status: number, outcome: string, reason: string, retryAfter?: number) => {
    metrics.batches.inc({ outcome });
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    return reply.code(status).send({ error: outcome, reason });
  };

  /** The self-report header is advisory: a bad one is counted and ignored, the batch still counts. */
  const applyAgentHeader = (req: FastifyRequest) => {
    const raw = req.headers[AGENT_HEADER];
    if (typeof raw !== 'string') return;
    let v: ReturnType<typeof validateRecord>;
    try {
      v = validateRecord(JSON.parse(raw));
    } catch {
      v = { ok: false, reason: 'not JSON' };
    }
    if (v.ok && v.record.kind === 'agent') {
      state.apply([v.record]);
      metrics.agentReports.inc({ outcome: 'ok' });
    } else {
      metrics.agentReports.inc({ outcome: 'invalid' });
    }
  };

  for (const type of [NDJSON, NDJSON_V2])
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: config.limits.maxBodyBytes }, (_req, body, done) =>
      done(null, body),
    );

  app.post(INGEST_PATH, {
    config: OWN_AUTH,
    onRequest: async (req, reply) => {
      const given = createHash('sha256')
        .update(req.headers.authorization ?? '')
        .digest();
      // Unread body and no right to send one: close after the answer rather than drain it.
      if (!timingSafeEqual(given, expected))
        return refuse(
          reply.header('connection', 'close'),
          401,
          'unauthorized',
          "missing or wrong bearer token; set SWARMSCOPE_TOKEN to the aggregator's token",
        );
      applyAgentHeader(req);
      if (inflight >= config.limits.maxInflight)
        return refuse(reply, 429, 'overloaded', `aggregator busy (${inflight} batches in flight)`, 1);
      const wait = sink.unavailableFor?.() ?? 0;
      if (wait > 0)
        return refuse(reply, 503, 'unavailable', `${sink.name} unavailable; another request is probing it`, wait);
      // The body is held as it arrives: its declared length is taken from the byte budget before
      // a byte of it is read (fastify refuses a length past the body bound with 413 unread).
      const declared = Number(req.headers['content-length']);
      const raw = Number.isFinite(declared)
        ? Math.min(declared, config.limits.maxBodyBytes)
        : config.limits.maxBodyBytes;
      if (inflightBytes > 0 && inflightBytes + raw > config.limits.maxInflightBytes)
        return refuse(reply, 429, 'overloaded', `aggregator busy (${inflightBytes} bytes in flight)`, 1);
      inflight++;
      inflightBytes += raw;
      rawHeld.set(req.raw, raw);
      metrics.inflight.set(inflight);
      reply.raw.once('close', () => {
        inflight--;
        inflightBytes -= raw;
        metrics.inflight.set(inflight);
      });
    },
    handler: async (req, reply) => {
      const batchId = String(req.headers[BATCH_ID_HEADER] ?? req.id);
      const raw = req.body;
      if (!Buffer.isBuffer(raw)) return refuse(reply, 400, 'bad_request', `Content-Type must be ${NDJSON}`);
      const encoding = req.headers['content-encoding'];
      if (encoding !== undefined && encoding !== 'gzip' && encoding !== 'zstd' && encoding !== 'identity')
        return refuse(reply, 415, 'unsupported_encoding', `Content-Encoding ${encoding}: only zstd, gzip or identity`);
      const compression = encoding === 'gzip' || encoding === 'zstd' ? encoding : undefined;
      // Decoded bytes of this request, counted in inflightBytes as they are decoded beside its
      // body: the aggregator's memory bound. Past it, 429 rather than hold more (a request alone always passes).
      let held = 0;
      const own = rawHeld.get(req.raw) ?? 0;
      const take = (n: number) => {
        if (inflightBytes > own + held && inflightBytes + n > config.limits.maxInflightBytes) return false;
        inflightBytes += n;
        held += n;
        return true;
      };
      let bytes: Buffer;
      try {
        if (compression)
          bytes = await inflateBounded(raw, compression, { maxBytes: config.limits.maxDecompressedBytes, take });
        else if (take(raw.length)) bytes = raw;
        else throw new OverBudget();
      } catch (err) {
        inflightBytes -= held;
        if (err instanceof OverBudget)
          return refuse(reply, 429, 'overloaded', `aggregator busy (${inflightBytes} decoded bytes in flight)`, 1);
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
          return refuse(
            reply,
            413,
            'too_large',
            `batch ${batchId} exceeds ${config.limits.maxDecompressedBytes} bytes after decompression`,
          );
        return refuse(
          reply,
          400,
          'bad_request',
          `batch ${batchId}: ${encoding} body cannot be decompressed (${(err as Error).message})`,
        );
      }
      try {
        // Collectors send JSON.stringify output, always valid UTF-8: anything else is forged or corrupt.
        if (!isUtf8(bytes)) return refuse(reply, 400, 'bad_request', `batch ${batchId}: body is not valid UTF-8`);
        const version = req.headers['content-type']?.startsWith(NDJSON_V2) ? 2 : 1;
        const parsed = parseAnyBatch(bytes, version);
        // Counted and summarised by refusals.ts, never logged one line each.
        if ('reason' in parsed) {
          return refuse(reply, 400, 'bad_request', `batch ${batchId}: ${parsed.reason}`);
        }
        state.apply(parsed.records);
        deps.onReceived?.(parsed.records);
        const outcome = await sink.write(parsed.records, batchId, {
          body: raw,
          compression,
          messages: parsed.messages,
        });
        deps.onAccepted?.(parsed.records);
        metrics.batches.inc({ outcome: 'ok' });
        countByKind(parsed.records, metrics);
        return reply.code(200).send({ accepted: parsed.records.length, ...outcome });
      } catch (err) {
        if (err instanceof SinkUnavailable) {
          req.log.debug({ batch: batchId, err: err.message }, 'sink unavailable; batch refused for retry');
          return refuse(reply, 503, 'unavailable', err.message, err.retryAfterSeconds);
        }
        throw err;
      } finally {
        inflightBytes -= held;
      }
    },
  });
}

/** One counter update per kind per batch: a labelled inc per record cost more than the parse. */
function countByKind(records: readonly WireRecord[], metrics: PipelineMetrics): void {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
  for (const [kind, n] of counts) metrics.records.inc({ kind }, n);
}
