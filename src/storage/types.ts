// The storage contract every engine (memory, segmented file log) implements.
// A partition log stores record batches as the bytes received: the broker has already validated the batch
// and set its timestamps; the log assigns offsets by patching the batch's base offset (bytes 0-7, outside
// the CRC) and serves byte ranges back without decoding them.

export interface AppendMeta {
  /** Offset delta of the last record in the batch (record count - 1 for a fresh batch). */
  lastOffsetDelta: number;
  /** Largest record timestamp in the batch (after LogAppendTime was applied, if it was). */
  maxTimestamp: number;
}

export interface ReadResult {
  /** Whole batches starting with the one that holds the requested offset; may be empty. */
  chunks: Buffer[];
  bytes: number;
  /**
   * Set when the read used reusable buffers (asked for with `reusable`): call it once nothing references
   * `chunks` any more (for a Fetch, after its response has been written). Not calling it is safe, only slower.
   */
  release?: () => void;
}

export interface ReadOptions {
  /** The caller will call ReadResult.release when done with the chunks, so the engine may reuse its buffers. */
  reusable?: boolean;
}

export interface TimestampLookup {
  offset: number;
  timestamp: number;
}

export interface PartitionLog {
  /** First offset still stored (advanced by retention and DeleteRecords). */
  readonly logStartOffset: number;
  /** Offset the next appended record gets (LEO). */
  readonly logEndOffset: number;
  /** Bytes stored. */
  readonly size: number;
  /**
   * Appends one record batch, patching its base offset to the current LEO. Returns the base offset once the
   * batch is as durable as the flush policy asks: as a number when the engine could append at once (the memory
   * engine; the file engine when nothing is queued before it and no fsync is due), else as a promise.
   * Awaiting a request's appends cost a single-record Produce more than the append itself (docs/performance.md).
   */
  append(batch: Buffer, meta: AppendMeta): number | Promise<number>;
  /**
   * Reads whole batches from the one containing `offset`, stopping before `maxOffset` (exclusive, e.g. the
   * high watermark) and after `maxBytes` — but always returns the first batch, even when larger than maxBytes.
   */
  read(offset: number, maxBytes: number, maxOffset?: number, opts?: ReadOptions): Promise<ReadResult>;
  /** First offset whose batch has a max timestamp >= ts (Kafka's ListOffsets by timestamp), or null. */
  offsetForTimestamp(ts: number): Promise<TimestampLookup | null>;
  /** Offset and timestamp of the record with the largest timestamp (ListOffsets -3), or null when empty. */
  maxTimestamp(): TimestampLookup | null;
  /** Moves the log start offset forward (DeleteRecords, retention); whole batches/segments before it may go. */
  deleteRecordsBefore(offset: number): Promise<void>;
  /** Drops everything at and after `offset` (replica truncation after an unclean leader change). */
  truncateTo(offset: number): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface PartitionConfig {
  /** Topic-level configs by Kafka name (`segment.bytes`, `retention.ms`, `cleanup.policy`, ...), strings. */
  get(name: string): string | undefined;
}

/** A journaled metadata document as stored: its last snapshot and the change records appended after it, in order. */
export interface JournalContents<S = unknown, R = unknown> {
  snapshot: S | undefined;
  records: R[];
}

/** Appends change records to a journaled metadata document (see Storage.openJournal). */
export interface MetaJournal<R = unknown> {
  /**
   * Appends one group of JSON change records, replayed together or not at all. Resolves once they are as
   * durable as the engine's fsync policy asks; an empty group writes nothing and resolves after the groups
   * appended before it.
   */
  append(records: R[]): Promise<void>;
}

export interface Storage {
  readonly kind: 'memory' | 'file';
  openPartition(topicId: string, topic: string, partition: number, config: PartitionConfig): Promise<PartitionLog>;
  deletePartition(topicId: string, topic: string, partition: number): Promise<void>;
  /** Small named metadata documents (topics, group offsets, producer state), replaced atomically. */
  loadMeta<T>(name: string): Promise<T | undefined>;
  saveMeta(name: string, value: unknown): Promise<void>;
  /**
   * A metadata document that changes often in small steps (group offsets): a snapshot plus an append-only
   * journal of change records, like Kafka's compacted __consumer_offsets. Returns what is stored and the
   * journal to append to. When the journal has grown enough, an append compacts it: `snapshot` is called
   * right then (synchronously) and must return the state with every record appended so far, that append's
   * included, already applied. A document is opened once per storage instance.
   */
  openJournal<S, R>(name: string, snapshot: () => S): Promise<{ contents: JournalContents<S, R>; journal: MetaJournal<R> }>;
  flush(): Promise<void>;
  close(): Promise<void>;
}
