// The state of one topic-partition for one share group (KIP-932, Kafka's SharePartition): which records are
// handed out to which member, for how long, and how often. Records between the share-partition start offset
// (SPSO) and `nextOffset` (one past the last record ever acquired, Kafka's SPEO + 1) are in flight, each
// AVAILABLE, ACQUIRED (by one member, under a time-limited lock), ACKNOWLEDGED or ARCHIVED. Offsets in that window
// without an entry are not records (compaction gaps, transaction markers) and count as done. The SPSO moves past
// the leading run of finished records, so the window holds at most group.share.partition.max.record.locks offsets.

export const enum RecordState {
  AVAILABLE = 0,
  ACQUIRED = 1,
  ACKNOWLEDGED = 2,
  ARCHIVED = 4,
}

/** AcknowledgeType in ShareFetch / ShareAcknowledge. */
export const enum AckType {
  GAP = 0,
  ACCEPT = 1,
  RELEASE = 2,
  REJECT = 3,
}

interface Lock {
  timer: NodeJS.Timeout;
}

interface InFlight {
  state: RecordState;
  deliveryCount: number;
  memberId: string | null;
  lock: Lock | null;
}

/** What the acquisition needs to know of one stored batch. */
export interface BatchSpan {
  baseOffset: number;
  lastOffset: number;
  /** Not to be delivered: a control batch (transaction marker), or an aborted transaction's data under read_committed. */
  skip: boolean;
}

export interface AcquiredRange {
  firstOffset: number;
  lastOffset: number;
  deliveryCount: number;
}

export interface SharePartitionEnv {
  /** group.share.delivery.count.limit: a record delivered this often is archived instead of made available again. */
  deliveryLimit(): number;
  /** The group's share.record.lock.duration.ms. */
  lockDurationMs(): number;
  /** group.share.partition.max.record.locks: the most offsets in flight. */
  maxInFlight(): number;
  /** Records became available again (released, lock expired): parked ShareFetches may now get them. */
  released(): void;
  /** The state changed (persisted by the owner). */
  changed(): void;
}

export class AckError extends Error {
  constructor(readonly code: 'INVALID_RECORD_STATE' | 'INVALID_REQUEST', message: string) {
    super(message);
  }
}

export class SharePartition {
  private readonly records = new Map<number, InFlight>();

  constructor(
    readonly groupId: string,
    readonly topicId: string,
    readonly partition: number,
    public startOffset: number,
    private readonly env: SharePartitionEnv,
    public nextOffset = startOffset,
  ) {}

  /** Where the next acquisition reads from: the first available record in flight, else the first never acquired. */
  fetchOffset(): number {
    for (let o = this.startOffset; o < this.nextOffset; o++) if (this.records.get(o)?.state === RecordState.AVAILABLE) return o;
    return this.nextOffset;
  }

  /**
   * Acquires records of `batches` (stored batches in offset order, from fetchOffset()) for `memberId`, whole batches
   * at a time until `maxRecords` are taken (so the last batch may overshoot, Kafka's batch_optimized mode). Returns
   * the acquired ranges and which batches hold at least one of them (the only ones worth sending).
   * `batchSize` (ShareFetch's BatchSize, Kafka's rule): a range is cut where a stored batch starts once it spans
   * batchSize offsets or more, so ranges are at least that long (but the last) and end on batch boundaries; 0: no cuts.
   */
  acquire(memberId: string, batches: BatchSpan[], maxRecords: number, batchSize = 0): { ranges: AcquiredRange[]; used: boolean[] } {
    const ranges: AcquiredRange[] = [];
    const used = batches.map(() => false);
    const lock: Lock = { timer: undefined as unknown as NodeJS.Timeout };
    const limit = this.env.maxInFlight();
    let count = 0;
    outer: for (let i = 0; i < batches.length && count < maxRecords; i++) {
      const b = batches[i];
      for (let o = Math.max(b.baseOffset, this.startOffset); o <= b.lastOffset; o++) {
        let r: InFlight | undefined;
        if (o < this.nextOffset) {
          r = this.records.get(o);
          if (r?.state !== RecordState.AVAILABLE) continue;
          if (b.skip) {
            this.finish(r, RecordState.ARCHIVED);
            continue;
          }
        } else {
          if (o - this.startOffset >= limit) break outer;
          this.nextOffset = o + 1;
          if (b.skip) continue; // never a record to deliver: no entry, so it counts as done
          r = { state: RecordState.AVAILABLE, deliveryCount: 0, memberId: null, lock: null };
          this.records.set(o, r);
        }
        r.state = RecordState.ACQUIRED;
        r.deliveryCount++;
        r.memberId = memberId;
        r.lock = lock;
        const last = ranges[ranges.length - 1];
        const cut = batchSize > 0 && o === b.baseOffset && last !== undefined && o - last.firstOffset >= batchSize;
        if (last && !cut && last.lastOffset === o - 1 && last.deliveryCount === r.deliveryCount) last.lastOffset = o;
        else ranges.push({ firstOffset: o, lastOffset: o, deliveryCount: r.deliveryCount });
        used[i] = true;
        count++;
      }
    }
    this.advance();
    if (ranges.length > 0) {
      lock.timer = setTimeout(() => this.expire(lock), this.env.lockDurationMs());
      lock.timer.unref?.();
    }
    if (ranges.length > 0 || batches.length > 0) this.env.changed();
    return { ranges, used };
  }

  /**
   * Applies a member's acknowledgements (all or none): every offset named must be acquired by this member, except
   * GAPs, which may also name offsets that hold no record.
   */
  acknowledge(memberId: string, batches: { firstOffset: number; lastOffset: number; acknowledgeTypes: number[] }[]): void {
    const plan: [InFlight, AckType][] = [];
    for (const b of batches) {
      const n = b.lastOffset - b.firstOffset + 1;
      if (n <= 0) throw new AckError('INVALID_REQUEST', `Invalid acknowledgement batch ${b.firstOffset}-${b.lastOffset}.`);
      if (b.acknowledgeTypes.length !== 1 && b.acknowledgeTypes.length !== n) throw new AckError('INVALID_REQUEST', 'The number of acknowledge types does not match the batch size.');
      for (const t of b.acknowledgeTypes) if (t < AckType.GAP || t > AckType.REJECT) throw new AckError('INVALID_REQUEST', `Invalid acknowledge type: ${t}`);
      if (b.lastOffset >= this.nextOffset) throw new AckError('INVALID_REQUEST', 'Batch record not found. The last offset in request is past acquired records.');
      for (let o = b.firstOffset; o <= b.lastOffset; o++) {
        const type = b.acknowledgeTypes.length === 1 ? b.acknowledgeTypes[0] : b.acknowledgeTypes[o - b.firstOffset];
        const r = o >= this.startOffset ? this.records.get(o) : undefined;
        if (!r) {
          if (type === AckType.GAP) continue;
          throw new AckError('INVALID_RECORD_STATE', 'The offset cannot be acknowledged. The offset is not acquired.');
        }
        if (r.state !== RecordState.ACQUIRED) throw new AckError('INVALID_RECORD_STATE', 'The offset cannot be acknowledged. The offset is not acquired.');
        if (r.memberId !== memberId) throw new AckError('INVALID_RECORD_STATE', 'Member is not the owner of offset');
        plan.push([r, type]);
      }
    }
    let released = false;
    for (const [r, type] of plan) {
      if (type === AckType.ACCEPT) this.finish(r, RecordState.ACKNOWLEDGED);
      else if (type === AckType.RELEASE) released = this.release(r) || released;
      else this.finish(r, RecordState.ARCHIVED);
    }
    this.advance();
    this.env.changed();
    if (released) this.env.released();
  }

  /** A member's share session ended: what it still holds becomes available, without counting as a delivery. */
  releaseMember(memberId: string): void {
    let any = false;
    for (const r of this.records.values()) {
      if (r.state === RecordState.ACQUIRED && r.memberId === memberId) {
        r.deliveryCount = Math.max(0, r.deliveryCount - 1);
        this.release(r);
        any = true;
      }
    }
    if (!any) return;
    this.env.changed();
    this.env.released();
  }

  /** Moves the start (AlterShareGroupOffsets, or the log start passing it): everything in flight is forgotten. */
  reset(offset: number): void {
    this.records.clear();
    this.startOffset = this.nextOffset = offset;
    this.env.changed();
  }

  /** The log's start moved past records in flight (retention, DeleteRecords): those are gone. */
  truncateBefore(logStart: number): void {
    if (logStart <= this.startOffset) return;
    for (let o = this.startOffset; o < Math.min(logStart, this.nextOffset); o++) this.records.delete(o);
    this.startOffset = logStart;
    this.nextOffset = Math.max(this.nextOffset, logStart);
    this.env.changed();
  }

  /** The in-flight records as [offset, state, deliveryCount] (acquired ones persist as available: locks do not survive). */
  snapshot(): [number, number, number][] {
    const out: [number, number, number][] = [];
    for (const [o, r] of this.records) out.push([o, r.state === RecordState.ACQUIRED ? RecordState.AVAILABLE : r.state, r.deliveryCount]);
    return out;
  }

  restore(rows: [number, number, number][]): void {
    for (const [o, state, deliveryCount] of rows) this.records.set(o, { state, deliveryCount, memberId: null, lock: null });
  }

  /** Stops the lock timers (the group or topic is going away, or the broker is stopping). */
  close(): void {
    for (const r of this.records.values()) if (r.lock) clearTimeout(r.lock.timer);
  }

  private expire(lock: Lock): void {
    let any = false;
    for (const r of this.records.values()) {
      if (r.lock === lock && r.state === RecordState.ACQUIRED) any = this.release(r) || any;
    }
    this.advance();
    this.env.changed();
    if (any) this.env.released();
  }

  /** Back to AVAILABLE, or ARCHIVED once delivered group.share.delivery.count.limit times; true when available. */
  private release(r: InFlight): boolean {
    const archive = r.deliveryCount >= this.env.deliveryLimit();
    this.finish(r, archive ? RecordState.ARCHIVED : RecordState.AVAILABLE);
    return !archive;
  }

  private finish(r: InFlight, state: RecordState): void {
    r.state = state;
    r.memberId = null;
    r.lock = null;
  }

  /** The SPSO moves past finished records (and offsets that hold none). */
  private advance(): void {
    while (this.startOffset < this.nextOffset) {
      const r = this.records.get(this.startOffset);
      if (r && (r.state === RecordState.AVAILABLE || r.state === RecordState.ACQUIRED)) break;
      this.records.delete(this.startOffset);
      this.startOffset++;
    }
  }
}
