// ElectLeaders (raw requests: kafkajs has no client for it), AlterPartitionReassignments and
// ListPartitionReassignments (kafkajs admin).
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { kafkajs, startTestBroker, topicName } from '../compat/helpers.js';
import { rawRequest } from './helpers.js';

let b: RunningBroker;
let k: Kafka;
let admin: Admin;
beforeAll(async () => {
  b = await startTestBroker({ brokers: 3, overrides: { 'kafkalite.reassignment.delay.ms': '0' } });
  k = kafkajs(b);
  admin = k.admin();
  await admin.connect();
});
afterAll(async () => {
  await admin?.disconnect();
  await b?.stop();
});

const port = (id = b.cluster.controllerId) => b.brokers[id].ports.PLAINTEXT;
const elect = (electionType: number, topicPartitions: { topic: string; partitions: number[] }[] | null) =>
  rawRequest(port(), 43, 2, { electionType, topicPartitions, timeoutMs: 1000 });
const results = (res: any) =>
  Object.fromEntries(res.replicaElectionResults.flatMap((t: any) => t.partitionResult.map((p: any) => [`${t.topic}-${p.partitionId}`, p.errorCode])));

describe('ElectLeaders', () => {
  it('preferred election moves leadership back after a failover; not needed otherwise', async () => {
    const t = topicName('elect');
    await admin.createTopics({ topics: [{ topic: t, numPartitions: 3, replicationFactor: 3 }] });
    const parts = b.cluster.topics.get(t)!.partitions;
    const p = parts.find((x) => x.replicas[0] === 2)!;
    expect(results(await elect(0, [{ topic: t, partitions: [p.index] }]))).toEqual({ [`${t}-${p.index}`]: ErrorCode.ELECTION_NOT_NEEDED });

    await b.stopBroker(2);
    expect(p.leader).not.toBe(2);
    expect(results(await elect(0, [{ topic: t, partitions: [p.index] }]))).toEqual({ [`${t}-${p.index}`]: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE });
    await b.startBroker(2);
    expect(p.leader).not.toBe(2);
    const epoch = p.leaderEpoch;

    // null = every partition; only those that needed an election are reported
    const res = await elect(0, null);
    expect(res.errorCode).toBe(0);
    expect(results(res)).toEqual({ [`${t}-${p.index}`]: ErrorCode.NONE });
    expect(p.leader).toBe(2);
    expect(p.leaderEpoch).toBe(epoch + 1);
  });

  it('unclean election only for leaderless partitions; unknown partitions are reported', async () => {
    const t = topicName('elect-unclean');
    await admin.createTopics({ topics: [{ topic: t, numPartitions: 1, replicationFactor: 2 }] });
    const p = b.cluster.partition(t, 0)!;
    expect(results(await elect(1, [{ topic: t, partitions: [0, 7] }, { topic: 'no-such-topic', partitions: [0] }]))).toEqual({
      [`${t}-0`]: ErrorCode.ELECTION_NOT_NEEDED,
      [`${t}-7`]: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      'no-such-topic-0': ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    });
    const [leader, follower] = p.replicas;
    await b.stopBroker(follower);
    p.isr = [leader]; // as if the follower had already been dropped for lagging
    await b.stopBroker(leader);
    expect(p.leader).toBe(-1);
    await b.startBroker(follower);
    expect(p.leader).toBe(-1);
    expect(results(await elect(1, [{ topic: t, partitions: [0] }]))).toEqual({ [`${t}-0`]: ErrorCode.NONE });
    expect(p.leader).toBe(follower);
    expect(p.isr).toEqual([follower]);
    await b.startBroker(leader);
  });
});

describe('partition reassignment', () => {
  it('moves replicas at once when the target brokers run, electing a leader among them', async () => {
    const t = topicName('move');
    await admin.createTopics({ topics: [{ topic: t, replicaAssignment: [{ partition: 0, replicas: [0, 1] }] }] });
    const p = b.cluster.partition(t, 0)!;
    expect(p.leader).toBe(0);
    await admin.alterPartitionReassignments({ topics: [{ topic: t, partitionAssignment: [{ partition: 0, replicas: [2, 1] }] }] });
    expect(p.replicas).toEqual([2, 1]);
    expect([...p.isr].sort()).toEqual([1, 2]);
    expect(p.leader).toBe(2);
    expect(p.leaderEpoch).toBe(1);
    const listed = await admin.listPartitionReassignments({ topics: null as any });
    expect(listed.topics.filter((x: any) => x.name === t)).toEqual([]);
    const md = await admin.fetchTopicMetadata({ topics: [t] });
    expect(md.topics[0].partitions[0]).toMatchObject({ leader: 2, replicas: [2, 1] });
  });

  it('with the default delay a move is listed as in progress first, as Kafka shows it, then completes', async () => {
    b.cluster.config.set('kafkalite.reassignment.delay.ms', '200');
    try {
      const t = topicName('window');
      await admin.createTopics({ topics: [{ topic: t, replicaAssignment: [{ partition: 0, replicas: [0, 2] }] }] });
      await admin.alterPartitionReassignments({ topics: [{ topic: t, partitionAssignment: [{ partition: 0, replicas: [2, 1] }] }] });
      const listed = await admin.listPartitionReassignments({ topics: [{ topic: t, partitions: [0] }] });
      expect(listed.topics[0].partitions[0]).toMatchObject({ addingReplicas: [1], removingReplicas: [0] });
      expect([...listed.topics[0].partitions[0].replicas].sort()).toEqual([0, 1, 2]);
      await new Promise((r) => setTimeout(r, 400));
      expect(b.cluster.partition(t, 0)!.replicas).toEqual([2, 1]);
    } finally {
      b.cluster.config.set('kafkalite.reassignment.delay.ms', '0');
    }
  });

  it('a move to a stopped broker stays in progress until it starts; cancel returns to the original replicas', async () => {
    const t = topicName('pending');
    await admin.createTopics({ topics: [{ topic: t, replicaAssignment: [{ partition: 0, replicas: [0, 1] }] }] });
    const p = b.cluster.partition(t, 0)!;
    await b.stopBroker(2);
    await new Promise((r) => setTimeout(r, 100)); // let kafkajs notice its connection to broker 2 closed
    await admin.alterPartitionReassignments({ topics: [{ topic: t, partitionAssignment: [{ partition: 0, replicas: [1, 2] }] }] });
    expect(p.replicas).toEqual([1, 2, 0]);
    const listed = await admin.listPartitionReassignments({ topics: [{ topic: t, partitions: [0] }] });
    expect(listed.topics).toEqual([{ name: t, partitions: [{ partition: 0, replicas: [1, 2, 0], addingReplicas: [2], removingReplicas: [0] }] }]);

    // cancel (null replicas) via a raw request: kafkajs only sends replica lists
    const cancel = await rawRequest(port(0), 45, 0, { timeoutMs: 1000, topics: [{ name: t, partitions: [{ partitionIndex: 0, replicas: null }] }] });
    expect(cancel.responses[0].partitions[0].errorCode).toBe(0);
    expect(p.replicas).toEqual([0, 1]);
    const again = await rawRequest(port(0), 45, 0, { timeoutMs: 1000, topics: [{ name: t, partitions: [{ partitionIndex: 0, replicas: null }] }] });
    expect(again.responses[0].partitions[0].errorCode).toBe(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);

    await admin.alterPartitionReassignments({ topics: [{ topic: t, partitionAssignment: [{ partition: 0, replicas: [1, 2] }] }] });
    await b.startBroker(2);
    expect(p.replicas).toEqual([1, 2]);
    expect([...p.isr].sort()).toEqual([1, 2]);
    expect(p.leader).toBe(1);
  });

  it('rejects invalid assignments and, with v1, replication factor changes when not allowed', async () => {
    const t = topicName('badmove');
    await admin.createTopics({ topics: [{ topic: t, replicaAssignment: [{ partition: 0, replicas: [0, 1] }] }] });
    const res = await rawRequest(port(0), 45, 1, {
      timeoutMs: 1000,
      allowReplicationFactorChange: false,
      topics: [
        { name: t, partitions: [{ partitionIndex: 0, replicas: [0, 9] }, { partitionIndex: 0, replicas: [0, 0] }, { partitionIndex: 0, replicas: [2] }, { partitionIndex: 3, replicas: [0] }] },
      ],
    });
    expect(res.responses[0].partitions.map((x: any) => x.errorCode)).toEqual([
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.INVALID_REPLICATION_FACTOR,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    expect(b.cluster.partition(t, 0)!.replicas).toEqual([0, 1]);
  });
});
