// Group state as records of the "groups" journaled metadata document (Storage.openJournal), as Kafka writes
// group metadata and offset commits to __consumer_offsets: a commit appends the offsets it changed, not the
// state of every group. The snapshot keeps the PersistedDoc format of persistence.ts (the document older
// versions rewrote on every change), and replaying the records over it gives that document again.
//
// Every record states a value (never an increment), so a record whose effect is already in the snapshot can
// be replayed over it harmlessly: a compaction's snapshot is taken from memory, which may be ahead of the
// records written so far.
import { ClassicGroup } from './classic-group.js';
import { ConsumerGroup } from './consumer-group.js';
import { offsetKey, parseOffsetKey, type GroupBase } from './group.js';
import { classicToJSON, consumerToJSON, offsetRow, offsetRows, type OffsetRow, type PersistedDoc, type PersistedGroup } from './persistence.js';

export type GroupMeta = Omit<PersistedGroup, 'offsets'>;

export type GroupRecord =
  /** The group was created or its type, state or members changed; its offsets stay. */
  | { g: string; meta: GroupMeta }
  /** Offsets committed. */
  | { g: string; set: OffsetRow[] }
  /** Offsets deleted (OffsetDelete, expiry). */
  | { g: string; del: [topic: string, partition: number][] }
  /** The group was deleted (or replaced by a new object), offsets included. */
  | { g: string; gone: true };

export function groupMeta(g: GroupBase): GroupMeta {
  const m: GroupMeta = { groupId: g.groupId, type: g.type, stateTimestamp: g.stateTimestamp };
  if (g instanceof ClassicGroup) m.classic = classicToJSON(g);
  else if (g instanceof ConsumerGroup) m.consumer = consumerToJSON(g);
  return m;
}

interface Replayed {
  meta: GroupMeta | undefined;
  offsets: Map<string, OffsetRow>;
}

/** The groups a snapshot plus the records appended after it describe. */
export function replayGroups(snapshot: PersistedDoc | undefined, records: GroupRecord[]): PersistedGroup[] {
  const groups = new Map<string, Replayed>();
  for (const p of snapshot?.groups ?? []) {
    const { offsets, ...meta } = p;
    groups.set(p.groupId, { meta, offsets: new Map(offsets.map((r) => [offsetKey(r[0], r[1]), r])) });
  }
  for (const r of records) {
    if (typeof r?.g !== 'string') continue;
    if ('gone' in r) {
      groups.delete(r.g);
      continue;
    }
    let e = groups.get(r.g);
    if (!e) groups.set(r.g, (e = { meta: undefined, offsets: new Map() }));
    if ('meta' in r) e.meta = r.meta;
    else if ('set' in r) for (const row of r.set) e.offsets.set(offsetKey(row[0], row[1]), row);
    else if ('del' in r) for (const [t, p] of r.del) e.offsets.delete(offsetKey(t, p));
  }
  return [...groups].map(([groupId, e]) => ({
    // Offsets without group metadata can only come from a simple commit: a classic group with no protocol.
    ...(e.meta ?? { groupId, type: 'classic', stateTimestamp: Date.now() }),
    offsets: [...e.offsets.values()],
  }));
}

/**
 * Turns changes of the coordinator's groups into records: remembers, per group id, which group object it last
 * wrote and that object's metadata, so unchanged metadata is not written again and only the offsets the
 * group marked changed (GroupBase.changedOffsets) are.
 */
export class GroupJournalWriter {
  private readonly written = new Map<string, { group: GroupBase; meta: string }>();

  /** Ids of every group written so far (the coordinator's full pass also looks for deleted ones). */
  ids(): IterableIterator<string> {
    return this.written.keys();
  }

  /** After a load: the stored state is what `groups` holds. */
  baseline(groups: Iterable<GroupBase>): void {
    for (const g of groups) {
      this.written.set(g.groupId, { group: g, meta: JSON.stringify(groupMeta(g)) });
      g.changedOffsets.clear();
    }
  }

  /** Records bringing what is stored for `ids` in line with `lookup` (the live group of an id, if any). */
  records(ids: Iterable<string>, lookup: (id: string) => GroupBase | undefined): GroupRecord[] {
    const out: GroupRecord[] = [];
    for (const id of ids) {
      const g = lookup(id);
      const w = this.written.get(id);
      if (w && w.group !== g) out.push({ g: id, gone: true });
      if (!g) {
        this.written.delete(id);
        continue;
      }
      const fresh = w?.group !== g;
      const metaObj = groupMeta(g);
      const meta = JSON.stringify(metaObj);
      if (fresh || meta !== w.meta) out.push({ g: id, meta: metaObj });
      if (fresh) {
        const rows = offsetRows(g);
        if (rows.length > 0) out.push({ g: id, set: rows });
      } else if (g.changedOffsets.size > 0) {
        const set: OffsetRow[] = [];
        const del: [string, number][] = [];
        for (const key of g.changedOffsets) {
          const [topic, p] = parseOffsetKey(key);
          const o = g.offset(topic, p);
          if (!o) del.push([topic, p]);
          else set.push(offsetRow(topic, p, o));
        }
        if (set.length > 0) out.push({ g: id, set });
        if (del.length > 0) out.push({ g: id, del });
      }
      g.changedOffsets.clear();
      this.written.set(id, { group: g, meta });
    }
    return out;
  }
}
