// DescribeTopicPartitions (key 75) through @platformatic/kafka's own v0 codec (its low-level API; its Admin class still
// uses Metadata), as the Java admin client pages with it: topics in name order, the partition limit splitting a topic
// across responses, NextCursor, unknown, invalid and unauthorized topics, and the cursor rule.
import { Connection, describeTopicPartitionsV0 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { kafkajs, platformaticResponse, startTestBroker, topicName, withBrokerAndConnection } from './helpers.js';

let broker: RunningBroker;
let conn: Connection;
type Cursor = { topicName: string; partitionIndex: number } | undefined;
const describeTopics = (names: string[], limit: number, cursor: Cursor = undefined): Promise<any> =>
  platformaticResponse(describeTopicPartitionsV0.api.async(conn, names.map((name) => ({ name })), limit, cursor));

withBrokerAndConnection((b, c) => ([broker, conn] = [b, c]), { brokers: 2 });

describe('DescribeTopicPartitions via @platformatic/kafka', () => {
  it('pages through topics in name order, splitting a topic at the partition limit', async () => {
    const prefix = topicName('dtp');
    const [a, b] = [`${prefix}-a`, `${prefix}-b`];
    const ta = await broker.cluster.createTopic(a, { numPartitions: 3, replicationFactor: 2 });
    await broker.cluster.createTopic(b, { numPartitions: 2 });

    const first = await describeTopics([b, a], 4);
    expect(first.topics.map((t: any) => [t.name, t.partitions.map((p: any) => p.partitionIndex)])).toEqual([[a, [0, 1, 2]], [b, [0]]]);
    expect(first.nextCursor).toEqual({ topicName: b, partitionIndex: 1 });
    const p0 = first.topics[0].partitions[0];
    expect(p0).toMatchObject({ errorCode: 0, leaderId: ta.partitions[0].leader, replicaNodes: ta.partitions[0].replicas, isrNodes: ta.partitions[0].isr, eligibleLeaderReplicas: [], lastKnownElr: [], offlineReplicas: [] });
    const hex = Buffer.from(ta.id, 'base64url').toString('hex');
    expect(first.topics[0].topicId).toBe(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);

    const second = await describeTopics([b, a], 4, first.nextCursor);
    expect(second.topics.map((t: any) => [t.name, t.partitions.map((p: any) => p.partitionIndex)])).toEqual([[b, [1]]]);
    expect(second.nextCursor).toBeUndefined(); // null cursor

    // The limit used up exactly at a topic boundary: the cursor points at the next topic.
    expect((await describeTopics([a, b], 3)).nextCursor).toEqual({ topicName: b, partitionIndex: 0 });
    // No names: every topic from the cursor on.
    const all = await describeTopics([], 2000, { topicName: b, partitionIndex: 0 });
    expect(all.topics.map((t: any) => t.name)).toContain(b);
    expect(all.topics.map((t: any) => t.name)).not.toContain(a);
  });

  it('answers unknown and invalid names with their errors, and refuses a cursor outside the list', async () => {
    const t = topicName('dtp-known');
    await broker.cluster.createTopic(t, { numPartitions: 1 });
    const r = await describeTopics([t, 'no-such-topic', 'bad/name'], 2000);
    expect(r.topics.map((x: any) => [x.name, x.errorCode])).toEqual([
      ['bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
      [t, ErrorCode.NONE],
      ['no-such-topic', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    const bad = await describeTopics([t], 2000, { topicName: 'elsewhere', partitionIndex: 0 });
    expect(bad.topics).toMatchObject([{ name: t, errorCode: ErrorCode.INVALID_REQUEST, partitions: [] }]);
  });

  it('reports topics the client may not describe last, and leaves them out of a listing of all', async () => {
    const secured = await startTestBroker({ overrides: { 'allow.everyone.if.no.acl.found': 'true' } });
    const c = new Connection('kafkalite-test');
    try {
      const [open, hidden] = [topicName('dtp-open'), topicName('dtp-hidden')];
      await secured.cluster.createTopic(open, { numPartitions: 1 });
      await secured.cluster.createTopic(hidden, { numPartitions: 1 });
      const admin = kafkajs(secured).admin();
      await admin.connect();
      await admin.createAcls({ acl: [{ resourceType: 2, resourceName: hidden, resourcePatternType: 3, principal: 'User:ANONYMOUS', host: '*', operation: 8, permissionType: 2 }] });
      await admin.disconnect();
      await c.connect('127.0.0.1', secured.port);
      const ask = (names: string[]) => platformaticResponse(describeTopicPartitionsV0.api.async(c, names.map((name) => ({ name })), 2000, undefined));
      const named = await ask([hidden, open]);
      expect(named.topics.map((t: any) => [t.name, t.errorCode, t.topicAuthorizedOperations])).toEqual([
        [open, 0, expect.any(Number)],
        [hidden, ErrorCode.TOPIC_AUTHORIZATION_FAILED, -2147483648],
      ]);
      expect(named.topics[0].topicAuthorizedOperations).not.toBe(-2147483648);
      const listed = (await ask([])).topics.map((t: any) => t.name);
      expect(listed).toContain(open);
      expect(listed).not.toContain(hidden);
    } finally {
      await c.close();
      await secured.stop();
    }
  });
});
