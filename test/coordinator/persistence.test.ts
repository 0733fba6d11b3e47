// Group metadata and committed offsets survive a broker restart (durable file storage), and offsets of empty
// groups expire after offsets.retention.minutes.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/errors.js';
import { startTestBroker, topicName } from '../compat/helpers.js';
import { DiskBroker } from './raw-broker.js';
import { API, RawClient, subscription } from './raw-client.js';

const commitBody = (groupId: string, topic: string, offset: number, generation = -1, memberId = '') => ({
  groupId,
  generationIdOrMemberEpoch: generation,
  memberId,
  groupInstanceId: null,
  topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: 3, committedMetadata: 'meta' }] }],
});

describe('group persistence', () => {
  it('committed offsets and a stable group come back after a restart', async () => {
    const disk = await DiskBroker.create('never');
    const topic = 'persisted';
    await disk.broker.cluster.createTopic(topic, { numPartitions: 1 });
    expect((await disk.c.send(API.OffsetCommit, 8, commitBody('simple', topic, 17))).topics[0].partitions[0].errorCode).toBe(0);
    const first = await disk.c.send(API.JoinGroup, 9, { groupId: 'active', sessionTimeoutMs: 30000, rebalanceTimeoutMs: 1000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription([topic]) }], reason: null });
    const joined = await disk.c.send(API.JoinGroup, 9, { groupId: 'active', sessionTimeoutMs: 30000, rebalanceTimeoutMs: 1000, memberId: first.memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription([topic]) }], reason: null });
    await disk.c.send(API.SyncGroup, 5, { groupId: 'active', generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: joined.memberId, assignment: Buffer.from('X') }] });
    expect((await disk.c.send(API.OffsetCommit, 8, commitBody('active', topic, 9, joined.generationId, joined.memberId))).topics[0].partitions[0].errorCode).toBe(0);
    const hb848 = (memberEpoch: number, owned: any) => disk.c.send(API.ConsumerGroupHeartbeat, 1, {
      groupId: 'kip848', memberId: 'm-848', memberEpoch, instanceId: null, rackId: null, rebalanceTimeoutMs: memberEpoch === 0 ? 5000 : -1,
      subscribedTopicNames: memberEpoch === 0 ? [topic] : null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: owned,
    });
    const joined848 = await hb848(0, []);
    expect(joined848.memberEpoch).toBe(1);
    await disk.restart();
    try {
      const f = await disk.c.send(API.OffsetFetch, 8, { groups: [{ groupId: 'simple', topics: null }, { groupId: 'active', topics: null }], requireStable: false });
      expect(f.groups[0].topics[0].partitions[0]).toMatchObject({ committedOffset: 17, committedLeaderEpoch: 3, metadata: 'meta' });
      expect(f.groups[1].topics[0].partitions[0].committedOffset).toBe(9);
      // The member carries on with its generation: no rebalance needed after the restart.
      const hb = await disk.c.send(API.Heartbeat, 4, { groupId: 'active', generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null });
      expect(hb.errorCode).toBe(ErrorCode.NONE);
      const d = await disk.c.send(API.DescribeGroups, 5, { groups: ['active', 'simple'], includeAuthorizedOperations: false });
      expect(d.groups[0]).toMatchObject({ groupState: 'Stable', protocolData: 'range' });
      expect(Buffer.from(d.groups[0].members[0].memberAssignment).toString()).toBe('X');
      expect(d.groups[1]).toMatchObject({ groupState: 'Empty', protocolType: '' });
      // The KIP-848 member keeps its epoch and assignment across the restart.
      const again = await disk.c.send(API.ConsumerGroupHeartbeat, 1, {
        groupId: 'kip848', memberId: 'm-848', memberEpoch: 1, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
        subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: joined848.assignment.topicPartitions,
      });
      expect(again).toMatchObject({ errorCode: 0, memberEpoch: 1 });
      const cd = await disk.c.send(API.ConsumerGroupDescribe, 1, { groupIds: ['kip848'], includeAuthorizedOperations: false });
      expect(cd.groups[0]).toMatchObject({ groupState: 'Stable', groupEpoch: 1 });
    } finally {
      await disk.stop();
    }
  });

  it('offsets of empty groups expire after offsets.retention.minutes, and the group goes with them', async () => {
    const b = await startTestBroker();
    const c = await RawClient.connect(b.port);
    try {
      const topic = topicName('t');
      await b.cluster.createTopic(topic, { numPartitions: 1 });
      const group = topicName('g');
      await c.send(API.OffsetCommit, 8, commitBody(group, topic, 1));
      // v2-v4 commits may carry their own retention time.
      const shortLived = topicName('g');
      await c.send(API.OffsetCommit, 2, { ...commitBody(shortLived, topic, 1), retentionTimeMs: 1000 });
      const groups = b.services.groups;
      groups.expireOffsets(Date.now() + 5000);
      expect(groups.group(group)).toBeDefined();
      expect(groups.group(shortLived)).toBeUndefined();
      groups.expireOffsets(Date.now() + 7 * 24 * 3600 * 1000 + 1000);
      expect(groups.group(group)).toBeUndefined();
      const f = await c.send(API.OffsetFetch, 7, { groupId: group, topics: null, requireStable: false });
      expect(f.topics).toEqual([]);
    } finally {
      c.close();
      await b.stop();
    }
  });
});
