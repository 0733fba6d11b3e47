// Classic group requests the classic-*.test.ts files build again and again, with Kafka's usual values filled
// in so each test only spells out the field under test.
import { expect } from 'vitest';
import { ErrorCode } from '../../src/protocol/errors.js';
import { API, type RawClient, subscription } from './raw-client.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One consumer-protocol entry subscribing to `topics`. */
export const proto = (topics: string[], name = 'range') => [{ name, metadata: subscription(topics) }];

export interface JoinOpts { memberId?: string; instanceId?: string | null; session?: number; rebalance?: number; protocolType?: string; protocols?: { name: string; metadata: Buffer }[]; version?: number }

export interface CommitOpts { generation?: number; memberId?: string; version?: number; offset?: number; metadata?: string | null; partition?: number }

/**
 * The calls, bound to the file's connection. `client` is read at call time because the connection only
 * exists once beforeAll has run.
 */
export function classicCalls(client: () => RawClient) {
  function join(group: string, o: JoinOpts = {}, via = client()): Promise<any> {
    return via.send(API.JoinGroup, o.version ?? 9, {
      groupId: group,
      sessionTimeoutMs: o.session ?? 10000,
      rebalanceTimeoutMs: o.rebalance ?? 2000,
      memberId: o.memberId ?? '',
      groupInstanceId: o.instanceId ?? null,
      protocolType: o.protocolType ?? 'consumer',
      protocols: o.protocols ?? proto(['t']),
      reason: null,
    });
  }

  /** Joins a fresh dynamic member (v4+ needs two round trips) and syncs it as the only member. */
  async function soloMember(group: string): Promise<{ memberId: string; generationId: number }> {
    const first = await join(group);
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const r = await join(group, { memberId: first.memberId });
    expect(r.errorCode).toBe(ErrorCode.NONE);
    const s = await client().send(API.SyncGroup, 5, { groupId: group, generationId: r.generationId, memberId: r.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: r.memberId, assignment: Buffer.from('A') }] });
    expect(s.errorCode).toBe(ErrorCode.NONE);
    return { memberId: r.memberId, generationId: r.generationId };
  }

  const hb = (group: string, memberId: string, generationId: number, groupInstanceId: string | null = null) =>
    client().send(API.Heartbeat, 4, { groupId: group, generationId, memberId, groupInstanceId }).then((r) => r.errorCode);

  function commit(group: string, topic: string, o: CommitOpts = {}): Promise<number> {
    return client().send(API.OffsetCommit, o.version ?? 8, {
      groupId: group,
      generationIdOrMemberEpoch: o.generation ?? -1,
      memberId: o.memberId ?? '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [{ name: topic, partitions: [{ partitionIndex: o.partition ?? 0, committedOffset: o.offset ?? 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: o.metadata ?? 'md' }] }],
    }).then((r) => r.topics[0].partitions[0].errorCode);
  }

  return { join, soloMember, hb, commit };
}
