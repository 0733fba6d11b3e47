// One error type for everything that can go wrong while validating, decoding or (de)compressing records, so the
// broker can map it to a Kafka error code without ever catching a raw RangeError/zlib error from this layer.

/** Kafka error codes that record validation maps to (see org.apache.kafka.common.protocol.Errors). */
export const RecordErrorCode = {
  /** Framing, CRC, or compressed payload is broken. */
  CORRUPT_MESSAGE: 2,
  /** Batch/message-set larger than allowed (or decompresses to more than the limit). */
  MESSAGE_TOO_LARGE: 10,
  /** Unknown codec id in the attributes. */
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  /** Frame is intact but its content breaks a rule (e.g. record count 0, bad offset deltas). */
  INVALID_RECORD: 87,
} as const;

export class RecordError extends Error {
  /** Kafka error code a broker should answer with; CORRUPT_MESSAGE unless more specific. */
  readonly errorCode: number;
  constructor(message: string, errorCode: number = RecordErrorCode.CORRUPT_MESSAGE, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordError';
    this.errorCode = errorCode;
  }
}

/** Wraps anything thrown by a native codec or parser into a RecordError (keeps RecordErrors as they are). */
export function asRecordError(e: unknown, context: string): RecordError {
  if (e instanceof RecordError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new RecordError(`${context}: ${msg}`, RecordErrorCode.CORRUPT_MESSAGE, { cause: e });
}
