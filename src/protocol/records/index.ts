// Record-batch and compression layer (sans-io): magic-2 batches, legacy magic 0/1 message sets, codecs.
export { RecordError, RecordErrorCode, asRecordError } from './errors.js';
export { crc32c, crc32 } from './crc.js';
export { xxh32 } from './xxhash32.js';
export {
  Compression,
  COMPRESSION_NAMES,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  compress,
  decompress,
  isValidCompression,
} from './compression.js';
export {
  type BatchHeader,
  RECORD_BATCH_OVERHEAD,
  LOG_OVERHEAD,
  detectMagic,
  readBatchHeader,
  validateBatch,
  checkBatchIntegrity,
  setBaseOffset,
  setPartitionLeaderEpoch,
  setLogAppendTime,
  updateCrc,
  splitBatches,
} from './batch.js';
export {
  type Record,
  type RecordHeader,
  type RecordInput,
  type Batch,
  type EncodeBatchOptions,
  type DecodeOptions,
  CONTROL_TYPE_ABORT,
  CONTROL_TYPE_COMMIT,
  checkCompressedRecords,
  decodeBatches,
  decodeBatchRecords,
  decodePlainRecords,
  encodeBatch,
  encodeControlBatch,
  parseControlRecordKey,
} from './records.js';
export { type LegacyMessage, type MessageSetOptions, decodeMessageSet, decodeLegacyMessages, upConvertMessageSet, downConvert } from './legacy.js';
export { isXerial, xerialFrame } from './snappy.js';
