// Group changes written to __consumer_offsets as Kafka writes them, so tools that read that topic instead of
// asking the coordinator (Burrow, KMinion, kafka-console-consumer's OffsetsMessageFormatter) see commits, group
// generations and deletions. kafkalite's groups journal stays the source of truth (it is what a restart reads);
// this topic is an append-only copy of the same records (group-journal.ts), in Kafka's format:
// - an offset commit: key OffsetCommitKey v1 (group, topic, partition), value OffsetCommitValue v3 (v1 when the
//   commit carried an expire timestamp, as Kafka), a tombstone when the offset is deleted or expires;
// - a classic group's completed generation or emptiness: key GroupMetadataKey v2 (group), value GroupMetadataValue
//   v3, a tombstone (with one per offset) when the group is deleted.
// KIP-848 consumer groups' own records (key versions 3+) and share groups' are not written: their offsets are.
import type { Logger } from 'pino';
import type { Services } from '../../broker/context.js';
import { Writer } from '../../protocol/primitives.js';
import type { RecordInput } from '../../protocol/records/index.js';
import { CoordinatorLog } from '../coordinator-log.js';
import type { GroupMeta, GroupRecord } from './group-journal.js';
import { ClassicGroup } from './classic-group.js';
import { offsetKey, parseOffsetKey, type GroupBase } from './group.js';
import type { OffsetRow } from './persistence.js';
import { OFFSETS_TOPIC } from '../../cluster/partition.js';

function offsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return new Writer(16 + group.length + topic.length).int16(1).string(group).string(topic).int32(partition).toBuffer();
}

function offsetCommitValue([, , offset, leaderEpoch, metadata, commitTs, expireTs]: OffsetRow): Buffer {
  const w = new Writer(32 + metadata.length);
  if (expireTs !== undefined) return w.int16(1).int64(offset).string(metadata).int64(commitTs).int64(expireTs).toBuffer();
  return w.int16(3).int64(offset).int32(leaderEpoch).string(metadata).int64(commitTs).toBuffer();
}

function groupMetadataKey(group: string): Buffer {
  return new Writer(4 + group.length).int16(2).string(group).toBuffer();
}

/** GroupMetadataValue v3; undefined for a group Kafka writes no metadata for (no classic protocol yet). */
function groupMetadataValue(meta: GroupMeta): Buffer | undefined {
  const c = meta.classic;
  if (!c?.protocolType) return undefined;
  const w = new Writer(256).int16(3).string(c.protocolType).int32(c.generationId).nullableString(c.protocolName).nullableString(c.leaderId);
  w.int64(meta.stateTimestamp).int32(c.members.length);
  for (const m of c.members) {
    const subscription = m.protocols.find(([name]) => name === c.protocolName)?.[1] ?? '';
    w.string(m.memberId).nullableString(m.groupInstanceId).string(m.clientId).string(m.clientHost);
    w.int32(m.rebalanceTimeoutMs).int32(m.sessionTimeoutMs).bytes(Buffer.from(subscription, 'base64')).bytes(Buffer.from(m.assignment, 'base64'));
  }
  return w.toBuffer();
}

export class OffsetsTopicWriter {
  private readonly log: CoordinatorLog;
  /** The offsets written for each group, for the tombstones its deletion writes. */
  private readonly offsets = new Map<string, Set<string>>();

  constructor(services: Services, logger: Logger) {
    this.log = new CoordinatorLog(services, logger, OFFSETS_TOPIC);
  }

  /** After a load: what the topic already holds for `groups` (their offsets). */
  baseline(groups: Iterable<GroupBase>): void {
    for (const g of groups) {
      const mine = new Set<string>();
      for (const [topic, parts] of g.offsets) for (const p of parts.keys()) mine.add(offsetKey(topic, p));
      if (mine.size > 0) this.offsets.set(g.groupId, mine);
    }
  }

  /**
   * Queues the Kafka records of journal records `records` (`lookup` gives the live group of an id); idle() tells
   * when they are appended. Failures are logged, never thrown: the journal, not this copy, is what callers wait on.
   */
  write(records: GroupRecord[], lookup: (id: string) => GroupBase | undefined): void {
    const byGroup = new Map<string, RecordInput[]>();
    const add = (group: string, key: Buffer, value: Buffer | null) => {
      let list = byGroup.get(group);
      if (!list) byGroup.set(group, (list = []));
      list.push({ key, value });
    };
    for (const r of records) {
      const mine = this.offsets.get(r.g) ?? new Set<string>();
      if ('gone' in r) {
        for (const key of mine) add(r.g, offsetCommitKey(r.g, ...parseOffsetKey(key)), null);
        add(r.g, groupMetadataKey(r.g), null);
        this.offsets.delete(r.g);
        continue;
      }
      if ('meta' in r) {
        // Kafka writes a classic group's metadata when a generation completes or the group empties, not while
        // it rebalances (which the journal records as an empty group: members rejoin after a restart anyway).
        const g = lookup(r.g);
        const settled = g instanceof ClassicGroup && (g.state === 'Stable' || g.state === 'Empty');
        const value = settled ? groupMetadataValue(r.meta) : undefined;
        if (value) add(r.g, groupMetadataKey(r.g), value);
      } else if ('set' in r) {
        for (const row of r.set) {
          add(r.g, offsetCommitKey(r.g, row[0], row[1]), offsetCommitValue(row));
          mine.add(offsetKey(row[0], row[1]));
        }
      } else {
        for (const [topic, p] of r.del) {
          add(r.g, offsetCommitKey(r.g, topic, p), null);
          mine.delete(offsetKey(topic, p));
        }
      }
      if (mine.size > 0) this.offsets.set(r.g, mine);
      else this.offsets.delete(r.g);
    }
    this.log.write(byGroup);
  }

  /** Resolves once everything queued so far is appended. */
  idle(): Promise<void> {
    return this.log.idle();
  }
}
