// Sparse segment indexes, Kafka's on-disk format (big-endian, relative offsets):
//   .index      8 bytes/entry: relativeOffset int32 -> file position int32
//   .timeindex 12 bytes/entry: timestamp int64 -> relativeOffset int32
// The entries live in a growable Buffer that is byte-for-byte the file content, so loading is one read and
// persisting is one write. The active segment keeps its index only in memory (recovery rebuilds it from
// the log it validates anyway); closed segments write theirs once when they are sealed.

const EMPTY = Buffer.alloc(0);

abstract class SparseIndex {
  protected buf: Buffer;
  entries = 0;

  constructor(
    readonly baseOffset: number,
    protected readonly entrySize: number,
    initial?: Buffer,
  ) {
    // Empty until the first entry: most segments of a many-partition broker never get one.
    this.buf = initial ?? EMPTY;
    if (initial) this.entries = Math.floor(initial.length / entrySize);
  }

  /** File content: exactly the valid entries. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.entries * this.entrySize);
  }

  clear(): void {
    this.entries = 0;
  }

  protected slot(): number {
    const need = (this.entries + 1) * this.entrySize;
    if (need > this.buf.length) {
      const bigger = Buffer.alloc(Math.max(need, this.buf.length * 2, this.entrySize * 64));
      this.buf.copy(bigger, 0, 0, this.entries * this.entrySize);
      this.buf = bigger;
    }
    return this.entries++ * this.entrySize;
  }

  /** Largest entry index whose key <= target (strict: key < target), or -1. Keys are non-decreasing. */
  protected floor(target: number, key: (i: number) => number, strict = false): number {
    let lo = 0;
    let hi = this.entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = key(mid);
      if (strict ? k < target : k <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}

export class OffsetIndex extends SparseIndex {
  static readonly ENTRY = 8;

  constructor(baseOffset: number, initial?: Buffer) {
    super(baseOffset, OffsetIndex.ENTRY, initial);
  }

  offsetAt(i: number): number {
    return this.baseOffset + this.buf.readInt32BE(i * 8);
  }

  positionAt(i: number): number {
    return this.buf.readInt32BE(i * 8 + 4);
  }

  append(offset: number, position: number): void {
    const at = this.slot();
    this.buf.writeInt32BE(offset - this.baseOffset, at);
    this.buf.writeInt32BE(position, at + 4);
  }

  /** Position of the last indexed batch whose (last) offset is <= offset; 0 (segment start) if none. */
  lookup(offset: number): number {
    const i = this.floorEntry(offset);
    return i < 0 ? 0 : this.positionAt(i);
  }

  /** Index of the last entry whose (last) offset is <= offset, or -1. */
  floorEntry(offset: number): number {
    return this.floor(offset, (j) => this.offsetAt(j));
  }

  /** The largest indexed batch position <= position (a known batch boundary), or -1. */
  lastPositionAtOrBelow(position: number): number {
    const i = this.floor(position, (j) => this.positionAt(j));
    return i < 0 ? -1 : this.positionAt(i);
  }

  /** Drops entries at or after `position` (segment truncation). */
  truncateToPosition(position: number): void {
    while (this.entries > 0 && this.positionAt(this.entries - 1) >= position) this.entries--;
  }

  /** Kafka's sanity check plus ordering: offsets and positions strictly increasing, positions in the log. */
  isSane(logSize: number): boolean {
    let prevOff = -1;
    let prevPos = -1;
    for (let i = 0; i < this.entries; i++) {
      const off = this.buf.readInt32BE(i * 8);
      const pos = this.positionAt(i);
      if (off <= prevOff || pos <= prevPos || off < 0 || pos >= logSize) return false;
      prevOff = off;
      prevPos = pos;
    }
    return true;
  }
}

export class TimeIndex extends SparseIndex {
  static readonly ENTRY = 12;

  constructor(baseOffset: number, initial?: Buffer) {
    super(baseOffset, TimeIndex.ENTRY, initial);
  }

  timestampAt(i: number): number {
    return Number(this.buf.readBigInt64BE(i * 12));
  }

  offsetAt(i: number): number {
    return this.baseOffset + this.buf.readInt32BE(i * 12 + 8);
  }

  last(): { timestamp: number; offset: number } | null {
    return this.entries === 0 ? null : { timestamp: this.timestampAt(this.entries - 1), offset: this.offsetAt(this.entries - 1) };
  }

  /** Appends only when the timestamp grows, so the entries stay sorted (as Kafka's maybeAppend). */
  maybeAppend(timestamp: number, offset: number): void {
    const last = this.last();
    if (last && timestamp <= last.timestamp) return;
    if (timestamp < 0) return;
    const at = this.slot();
    this.buf.writeBigInt64BE(BigInt(timestamp), at);
    this.buf.writeInt32BE(offset - this.baseOffset, at + 8);
  }

  /**
   * Offset of the last entry with timestamp strictly below `ts`: every batch up to that offset has a max
   * timestamp < ts, so a scan for the first batch with max timestamp >= ts can start there. null = scan
   * from the segment start.
   */
  lookupBelow(ts: number): number | null {
    const i = this.floor(ts, (j) => this.timestampAt(j), true);
    return i < 0 ? null : this.offsetAt(i);
  }

  truncateToOffset(offset: number): void {
    while (this.entries > 0 && this.offsetAt(this.entries - 1) >= offset) this.entries--;
  }

  isSane(maxRelativeOffset: number): boolean {
    let prevTs = -1;
    let prevOff = -1;
    for (let i = 0; i < this.entries; i++) {
      const ts = this.timestampAt(i);
      const off = this.buf.readInt32BE(i * 12 + 8);
      if (ts <= prevTs || off < prevOff || off < 0 || off > maxRelativeOffset) return false;
      prevTs = ts;
      prevOff = off;
    }
    return true;
  }
}
