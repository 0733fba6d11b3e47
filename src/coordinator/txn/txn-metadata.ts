// Transaction metadata per transactional id (Kafka's TransactionMetadata) and its persisted form.

/** Kafka's TransactionState names, as DescribeTransactions / ListTransactions report them. */
export const TXN_STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'] as const;
export type TxnState = (typeof TXN_STATES)[number];

/** Short.MAX_VALUE: epochs at or above MAX_EPOCH - 1 are exhausted and the producer id rotates. */
export const MAX_EPOCH = 32767;

export interface TxnOffset {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

export class TxnMetadata {
  lastProducerId = -1;
  producerEpoch = -1;
  lastProducerEpoch = -1;
  state: TxnState = 'Empty';
  /** topic name -> partition indexes in the current transaction. */
  readonly partitions = new Map<string, Set<number>>();
  /** Consumer groups added by AddOffsetsToTxn. */
  readonly groups = new Set<string>();
  /** group -> "topic:partition" -> offset committed by TxnOffsetCommit, visible to the group on commit. */
  readonly pendingOffsets = new Map<string, Map<string, TxnOffset>>();
  startTime = -1;
  updateTime = Date.now();
  /** A state transition (markers being written) is in progress: other requests get CONCURRENT_TRANSACTIONS. */
  busy = false;

  constructor(
    readonly transactionalId: string,
    public producerId: number,
    public timeoutMs: number,
  ) {}

  get isEpochExhausted(): boolean {
    return this.producerEpoch >= MAX_EPOCH - 1;
  }

  hasPartition(topic: string, partition: number): boolean {
    return this.partitions.get(topic)?.has(partition) ?? false;
  }

  addPartition(topic: string, partition: number): void {
    let s = this.partitions.get(topic);
    if (!s) this.partitions.set(topic, (s = new Set()));
    s.add(partition);
  }

  /** Empty or completed: the next AddPartitions/AddOffsets starts a new transaction. */
  get isIdle(): boolean {
    return this.state === 'Empty' || this.state === 'CompleteCommit' || this.state === 'CompleteAbort';
  }

  /** Starts a transaction if none is ongoing (Kafka's prepareAddPartitions). */
  beginIfIdle(now: number): void {
    if (!this.isIdle) return;
    this.state = 'Ongoing';
    this.startTime = now;
    this.partitions.clear();
    this.groups.clear();
    this.pendingOffsets.clear();
  }

  toJSON(): PersistedTxn {
    return {
      id: this.transactionalId,
      pid: this.producerId,
      lastPid: this.lastProducerId,
      epoch: this.producerEpoch,
      lastEpoch: this.lastProducerEpoch,
      timeoutMs: this.timeoutMs,
      state: this.state,
      partitions: [...this.partitions].map(([t, s]) => [t, [...s]]),
      groups: [...this.groups],
      offsets: [...this.pendingOffsets].map(([g, m]) => [g, [...m.values()]]),
      start: this.startTime,
      update: this.updateTime,
    };
  }

  static fromJSON(j: PersistedTxn): TxnMetadata {
    const t = new TxnMetadata(j.id, j.pid, j.timeoutMs);
    t.lastProducerId = j.lastPid;
    t.producerEpoch = j.epoch;
    t.lastProducerEpoch = j.lastEpoch;
    t.state = j.state;
    for (const [topic, parts] of j.partitions) for (const p of parts) t.addPartition(topic, p);
    for (const g of j.groups) t.groups.add(g);
    for (const [g, offs] of j.offsets) t.pendingOffsets.set(g, new Map(offs.map((o) => [`${o.topic}:${o.partition}`, o])));
    t.startTime = j.start;
    t.updateTime = j.update;
    return t;
  }
}

export interface PersistedTxn {
  id: string;
  pid: number;
  lastPid: number;
  epoch: number;
  lastEpoch: number;
  timeoutMs: number;
  state: TxnState;
  partitions: [string, number[]][];
  groups: string[];
  offsets: [string, TxnOffset[]][];
  start: number;
  update: number;
}
