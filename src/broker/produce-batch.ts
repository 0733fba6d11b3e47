// Preparing a produced batch for the log, as Kafka's LogValidator does: old message formats converted to v2,
// codec rules by request version, record timestamps against message.timestamp.*.max.ms, and the topic's
// compression.type applied.
import type { Topic } from '../cluster/cluster.js';
import { KafkaError } from '../protocol/errors.js';
import { Compression, decodeBatches, detectMagic, encodeBatch, upConvertMessageSet, validateBatch, type BatchHeader } from '../protocol/records/index.js';
import type { RequestContext } from './context.js';

export interface PreparedBatch {
  batch: Buffer;
  header: BatchHeader;
}

/**
 * Validates a produced record set and makes it what the log stores. The common case (a magic-2 batch, no
 * timestamp bounds, no recompression) is checked synchronously and returned as is; only conversion,
 * recompression or a per-record timestamp check return a promise. Awaiting nothing on that path keeps
 * allocations and microtask turns per produced partition low (docs/performance.md).
 */
export function prepareBatch(ctx: RequestContext, topic: Topic, records: Buffer): PreparedBatch | Promise<PreparedBatch> {
  if (records.length < 17) throw new KafkaError('CORRUPT_MESSAGE', 'Record batch is too short');
  if (detectMagic(records) < 2) return upConvert(ctx, records).then((b) => finish(topic, b));
  const header = validateBatch(records);
  // zstd needs Produce v7+ (KIP-110); older clients cannot have negotiated it.
  if (header.compression === Compression.Zstd && ctx.apiVersion < 7) {
    throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', 'Produce requests below version 7 cannot use zstd compression');
  }
  if (header.isControl) throw new KafkaError('INVALID_RECORD', 'Clients may not produce control batches');
  return finish(topic, { batch: records, header });
}

/** The batch as the log stores it: as received, unless timestamp bounds or the topic's codec need work. */
function finish(topic: Topic, received: PreparedBatch): PreparedBatch | Promise<PreparedBatch> {
  const bounds = timestampBounds(topic, received.header);
  const codec = topicCodec(topic, received.header);
  if (bounds === null && codec === undefined) return received;
  return checkAndCompress(received, bounds, codec);
}

async function upConvert(ctx: RequestContext, records: Buffer): Promise<PreparedBatch> {
  if (ctx.apiVersion >= 3) throw new KafkaError('INVALID_RECORD', `Produce requests with version ${ctx.apiVersion} are only allowed to contain record batches with magic version 2`);
  // Kafka 3.x stores every message in format v2: old message sets are converted on the way in.
  const converted = await upConvertMessageSet(records);
  // Produce v0-2 is below v7, so a zstd wrapper message is refused like a zstd batch (Kafka's
  // ProduceRequest.validateRecords); Sarama 1.22 at its default V0_8_2_0 sends one.
  if (converted.header.compression === Compression.Zstd) {
    throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', `Produce requests with version ${ctx.apiVersion} are not allowed to use ZStandard compression`);
  }
  return converted;
}

async function checkAndCompress(received: PreparedBatch, bounds: TimestampBounds | null, codec: Compression | undefined): Promise<PreparedBatch> {
  if (bounds !== null) await checkTimestamps(received.batch, bounds);
  return codec === undefined ? received : recompress(received, codec);
}

const TOPIC_CODECS: Record<string, Compression> = {
  uncompressed: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
};

/** The codec the topic's `compression.type` asks for when it differs from the batch's, else undefined. */
function topicCodec(topic: Topic, header: BatchHeader): Compression | undefined {
  const want = TOPIC_CODECS[topic.config('compression.type') ?? 'producer'];
  return want === header.compression ? undefined : want;
}

/**
 * A topic with `compression.type` other than `producer` stores batches in that codec: Kafka recompresses what
 * arrives differently (keeping records, timestamps, headers and producer fields).
 */
async function recompress({ batch, header }: PreparedBatch, want: Compression): Promise<PreparedBatch> {
  const [decoded] = await decodeBatches(batch);
  const out = await encodeBatch(decoded.records, {
    compression: want,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    isTransactional: header.isTransactional,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    timestampType: header.timestampType,
  });
  return { batch: out, header: validateBatch(out) };
}

const NO_LIMIT = 9223372036854775807;

/**
 * CreateTime topics reject records whose timestamp is too far from the broker's clock
 * (message.timestamp.before/after.max.ms; the deprecated difference.max.ms bounds both). Kafka answers
 * INVALID_TIMESTAMP with the index of every offending record. Called (and records decoded) only when a bound is set.
 */
async function checkTimestamps(batch: Buffer, { before, after }: TimestampBounds): Promise<void> {
  const now = Date.now();
  const [decoded] = await decodeBatches(batch);
  const bad = decoded.records.flatMap((r, i) => (r.timestamp < now - before || r.timestamp > now + after ? [{ i, ts: r.timestamp }] : []));
  if (bad.length > 0) throw new TimestampError(bad.map(({ i, ts }) => ({
    batchIndex: i,
    batchIndexErrorMessage: `Timestamp ${ts} of message with offset ${i} is out of range. The timestamp should be within [${now - before}, ${now + after}]`,
  })));
}

interface TimestampBounds {
  before: number;
  after: number;
}

/** The allowed distance of record timestamps from now, or null when the batch needs no check. */
function timestampBounds(topic: Topic, header: BatchHeader): TimestampBounds | null {
  if (header.timestampType !== 0 || topic.config('message.timestamp.type') !== 'CreateTime') return null;
  const diff = topic.configNumber('message.timestamp.difference.max.ms');
  const before = Math.min(topic.configNumber('message.timestamp.before.max.ms'), diff);
  const after = Math.min(topic.configNumber('message.timestamp.after.max.ms'), diff);
  return before >= NO_LIMIT && after >= NO_LIMIT ? null : { before, after };
}

export class TimestampError extends KafkaError {
  constructor(readonly recordErrors: { batchIndex: number; batchIndexErrorMessage: string }[]) {
    super('INVALID_TIMESTAMP', 'One or more records have been rejected due to invalid timestamp');
  }
}
