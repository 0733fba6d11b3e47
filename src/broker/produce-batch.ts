// Preparing a produced batch for the log, as Kafka's LogValidator does: old message formats converted to v2,
// codec rules by request version, compressed batches decompressed and their records walked, record keys on compacted
// topics and record timestamps against message.timestamp.*.max.ms, and the topic's compression.type applied.
import type { Topic } from '../cluster/cluster.js';
import { KafkaError } from '../protocol/errors.js';
import {
  Compression,
  RECORD_BATCH_OVERHEAD,
  checkCompressedRecords,
  decodePlainRecords,
  detectMagic,
  encodeBatch,
  upConvertMessageSet,
  validateBatch,
  type BatchHeader,
  type Record as KafkaRecord,
} from '../protocol/records/index.js';
import type { RequestContext } from './context.js';

export interface PreparedBatch {
  batch: Buffer;
  header: BatchHeader;
  /** Built here from records already walked (an up-converted message set): no need to decompress it again. */
  walked?: boolean;
}

/**
 * Validates a produced record set and makes it what the log stores. The common case (an uncompressed magic-2 batch,
 * no timestamp bounds, not compacted, no recompression) is checked synchronously and returned as is; only
 * decompression, conversion, recompression or per-record checks return a promise. Awaiting nothing on that path keeps
 * allocations and microtask turns per produced partition low (docs/performance.md).
 */
export function prepareBatch(ctx: RequestContext, topic: Topic, partition: number, records: Buffer): PreparedBatch | Promise<PreparedBatch> {
  if (records.length < 17) throw new KafkaError('CORRUPT_MESSAGE', 'Record batch is too short');
  if (detectMagic(records) < 2) return upConvert(ctx, records).then((b) => finish(topic, partition, b));
  const header = validateBatch(records);
  // zstd needs Produce v7+ (KIP-110); older clients cannot have negotiated it.
  if (header.compression === Compression.Zstd && ctx.apiVersion < 7) {
    throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', 'Produce requests below version 7 cannot use zstd compression');
  }
  if (header.isControl) throw new KafkaError('INVALID_RECORD', 'Clients may not produce control batches');
  return finish(topic, partition, { batch: records, header });
}

/** The batch as the log stores it: as received, unless per-record checks or the topic's codec change it. */
function finish(topic: Topic, partition: number, received: PreparedBatch): PreparedBatch | Promise<PreparedBatch> {
  const bounds = timestampBounds(topic, received.header);
  const compacted = topic.hasCleanupPolicy('compact');
  // Only the broker may stamp LogAppendTime; Kafka refuses every record of a producer's batch that claims it.
  const appendTime = received.header.timestampType === 1;
  const perRecord = bounds !== null || compacted || appendTime;
  const codec = topicCodec(topic, received.header);
  if (!perRecord && codec === undefined && (received.header.compression === Compression.None || received.walked)) return received;
  return checkAndCompress(received, perRecord ? { bounds, compacted, appendTime, where: `${topic.name}-${partition}` } : null, codec);
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
  return { ...converted, walked: true };
}

async function checkAndCompress(received: PreparedBatch, checks: RecordChecks | null, codec: Compression | undefined): Promise<PreparedBatch> {
  const { batch, header } = received;
  // Kafka decompresses every compressed batch it appends, to walk its records (validateBatch walked an uncompressed one).
  const plain = header.compression === Compression.None ? batch.subarray(RECORD_BATCH_OVERHEAD) : await checkCompressedRecords(batch, header);
  if (checks === null && codec === undefined) return received;
  const records = decodePlainRecords(plain, header);
  if (checks !== null) checkRecords(records, checks);
  return codec === undefined ? received : recompress(records, header, codec);
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
async function recompress(records: KafkaRecord[], header: BatchHeader, want: Compression): Promise<PreparedBatch> {
  const out = await encodeBatch(records, {
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

interface RecordChecks {
  bounds: TimestampBounds | null;
  compacted: boolean;
  appendTime: boolean;
  /** topic-partition, as Kafka names it in the key error */
  where: string;
}

/**
 * Kafka's per-record checks (LogValidator.validateRecord), run (and records decoded) only when one applies: a
 * compacted topic needs a key on every record; a producer may not set LogAppendTime; a CreateTime topic with
 * message.timestamp.before/after.max.ms (the deprecated difference.max.ms bounds both) rejects timestamps too far
 * from the broker's clock. Kafka answers with the index of every offending record: INVALID_TIMESTAMP if any
 * timestamp failed, else INVALID_RECORD.
 */
function checkRecords(records: KafkaRecord[], { bounds, compacted, appendTime, where }: RecordChecks): void {
  const now = Date.now();
  const errors: RecordErrorOut[] = [];
  let timestamps = false;
  records.forEach((r, i) => {
    if (compacted && r.key === null) {
      errors.push({ batchIndex: i, batchIndexErrorMessage: `Compacted topic cannot accept message without key in topic partition ${where}.` });
    } else if (appendTime) {
      timestamps = true;
      const described = `DefaultRecord(offset=${r.offset}, timestamp=${r.timestamp}, key=${r.key?.length ?? 0} bytes, value=${r.value?.length ?? 0} bytes)`;
      errors.push({ batchIndex: i, batchIndexErrorMessage: `Invalid timestamp type in message ${described}. Producer should not set timestamp type to LogAppendTime.` });
    } else if (bounds && (r.timestamp < now - bounds.before || r.timestamp > now + bounds.after)) {
      timestamps = true;
      errors.push({ batchIndex: i, batchIndexErrorMessage: `Timestamp ${r.timestamp} of message with offset ${i} is out of range. The timestamp should be within [${now - bounds.before}, ${now + bounds.after}]` });
    }
  });
  if (errors.length === 0) return;
  if (timestamps) throw new RecordValidationError('INVALID_TIMESTAMP', 'One or more records have been rejected due to invalid timestamp', errors);
  const shown = errors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.batchIndexErrorMessage}')`);
  throw new RecordValidationError('INVALID_RECORD', `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`, errors);
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

interface RecordErrorOut {
  batchIndex: number;
  batchIndexErrorMessage: string;
}

/** Records rejected one by one (Kafka's RecordValidationException): the Produce response lists each. */
export class RecordValidationError extends KafkaError {
  constructor(name: 'INVALID_TIMESTAMP' | 'INVALID_RECORD', message: string, readonly recordErrors: RecordErrorOut[]) {
    super(name, message);
  }
}
