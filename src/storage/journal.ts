// What both engines share about journaled metadata documents (Storage.openJournal): when a journal is
// compacted into a fresh snapshot, and the memory engine's version, which keeps the same shape in memory.
import type { JournalContents, MetaJournal } from './types.js';

export interface CompactionPolicy {
  /** A journal smaller than this is never compacted (replaying it on open is cheap). */
  minBytes: number;
  /** Beyond minBytes, a journal is compacted once it is this many times the size of its snapshot. */
  ratio: number;
}

/**
 * 1 MiB / 2x: with 10,000 committed offsets (a ~600 KB snapshot) a compaction comes every ~1.2 MB of
 * commits, so rewriting the snapshot costs a commit about half its own size again, and a restart replays
 * at most ~2x the snapshot.
 */
export const DEFAULT_COMPACTION: CompactionPolicy = { minBytes: 1 << 20, ratio: 2 };

export function shouldCompact(journalBytes: number, snapshotBytes: number, policy: CompactionPolicy): boolean {
  return journalBytes > Math.max(policy.minBytes, policy.ratio * snapshotBytes);
}

interface MemoryDoc {
  snapshot: string | undefined;
  records: string[];
  bytes: number;
}

/**
 * The memory engine keeps nothing durable; a document lives as long as its MemoryStorage, as serialized text
 * (so later mutation of the caller's objects cannot change it), compacted like the file engine's so a
 * long-running broker does not accumulate every commit.
 */
export class MemoryJournals {
  private readonly docs = new Map<string, MemoryDoc>();

  constructor(private readonly policy: CompactionPolicy = DEFAULT_COMPACTION) {}

  open<S, R>(name: string, snapshot: () => S): { contents: JournalContents<S, R>; journal: MetaJournal<R> } {
    let doc = this.docs.get(name);
    if (!doc) this.docs.set(name, (doc = { snapshot: undefined, records: [], bytes: 0 }));
    const contents: JournalContents<S, R> = {
      snapshot: doc.snapshot === undefined ? undefined : (JSON.parse(doc.snapshot) as S),
      records: doc.records.flatMap((r) => JSON.parse(r) as R[]),
    };
    const d = doc;
    const policy = this.policy;
    const journal: MetaJournal<R> = {
      async append(records: R[]): Promise<void> {
        if (records.length === 0) return;
        const text = JSON.stringify(records);
        if (shouldCompact(d.bytes + text.length, d.snapshot?.length ?? 0, policy)) {
          d.snapshot = JSON.stringify(snapshot());
          d.records = [];
          d.bytes = 0;
        } else {
          d.records.push(text);
          d.bytes += text.length;
        }
      },
    };
    return { contents, journal };
  }
}
