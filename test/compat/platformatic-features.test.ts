// Feature levels and the metadata quorum through @platformatic/kafka's own codecs (its low-level API): UpdateFeatures
// v1 (kafka-features.sh upgrade/downgrade) with Kafka's checks, group.version 0 turning KIP-848's heartbeat off and
// back on, and DescribeQuorum v2 (kafka-metadata-quorum.sh) following the controller as brokers stop.
import { Connection, consumerGroupHeartbeatV0, describeQuorumV2, updateFeaturesV1 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { platformaticResponse, topicName, withBrokerAndConnection } from './helpers.js';

let broker: RunningBroker;
let conn: Connection;
const call = platformaticResponse;
const [UPGRADE, SAFE_DOWNGRADE, UNSAFE_DOWNGRADE] = [1, 2, 3];
const update = (updates: [string, number, number][], validateOnly = false) =>
  call(updateFeaturesV1.api.async(conn, 5000, updates.map(([feature, maxVersionLevel, upgradeType]) => ({ feature, maxVersionLevel, upgradeType })), validateOnly));
const heartbeat = (groupId: string, topic: string) =>
  call(consumerGroupHeartbeatV0.api.async(conn, groupId, '', 0, null, null, 30000, [topic], null, null, []));
/** Joins a new group coordinated by the broker `conn` talks to (with two brokers, about half the ids are not). */
async function joinNewGroup(topic: string): Promise<any> {
  for (;;) {
    const r = await heartbeat(topicName('g-features'), topic);
    if (r.errorCode !== ErrorCode.NOT_COORDINATOR) return r;
  }
}

withBrokerAndConnection((b, c) => ([broker, conn] = [b, c]), { brokers: 2 });

describe('UpdateFeatures via @platformatic/kafka', () => {
  it("refuses what Kafka's controller refuses, all updates or none, with its messages", async () => {
    const failed = 'The update failed for all features since the following feature had an error: ';
    const cases: [[string, number, number][], string][] = [
      [[['no.such.feature', 1, UPGRADE]], 'Invalid update version 1 for feature no.such.feature. Local controller 0 does not support this feature.'],
      [[['transaction.version', 2, UPGRADE]], 'Invalid update version 2 for feature transaction.version. Local controller 0 only supports versions 0-1'],
      [[['group.version', 0, UPGRADE]], "Invalid update version 0 for feature group.version. Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade."],
      [[['kraft.version', 0, UNSAFE_DOWNGRADE]], "Invalid update version 0 for feature kraft.version. Can't downgrade the version of this feature."],
      [[['metadata.version', 6, SAFE_DOWNGRADE]], 'Invalid update version 6 for feature metadata.version. Local controller 0 only supports versions 7-27'],
      [[['metadata.version', 21, SAFE_DOWNGRADE]], 'Invalid metadata.version 21. Refusing to perform the requested downgrade because it might delete metadata information.'],
      [[['metadata.version', 21, UNSAFE_DOWNGRADE]], 'Invalid metadata.version 21. Unsafe metadata downgrade is not supported in this version.'],
      [[['metadata.version', 20, SAFE_DOWNGRADE]], 'Invalid metadata.version 20. Refusing to perform the requested downgrade because it might delete metadata information.'],
      // A valid update ahead of an invalid one is not applied either.
      [[['group.version', 0, SAFE_DOWNGRADE], ['share.version', 5, UPGRADE]], 'Invalid update version 5 for feature share.version. Local controller 0 only supports versions 0-1'],
    ];
    for (const [updates, message] of cases) {
      const r = await update(updates);
      expect(r, JSON.stringify(updates)).toMatchObject({ errorCode: ErrorCode.INVALID_UPDATE_VERSION, errorMessage: failed + message, results: [] });
    }
    expect(broker.cluster.features.level('group.version')).toBe(1);
    // The same level again is no change; a safe downgrade within 4.x's unchanged metadata versions is allowed.
    expect(await update([['metadata.version', 27, UPGRADE], ['metadata.version', 25, SAFE_DOWNGRADE]], true)).toMatchObject({
      errorCode: 0,
      results: [{ feature: 'metadata.version', errorCode: 0 }, { feature: 'metadata.version', errorCode: 0 }],
    });
    expect(broker.cluster.features.level('metadata.version')).toBe(27);
  });

  it('group.version 0 turns the KIP-848 heartbeat off, and 1 back on', async () => {
    const topic = topicName('features');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    expect(await joinNewGroup(topic)).toMatchObject({ errorCode: 0, memberEpoch: 1 });

    // Validate only: nothing changes.
    expect((await update([['group.version', 0, SAFE_DOWNGRADE]], true)).errorCode).toBe(0);
    expect((await joinNewGroup(topic)).errorCode).toBe(0);

    expect(await update([['group.version', 0, SAFE_DOWNGRADE]])).toMatchObject({ errorCode: 0, results: [{ feature: 'group.version', errorCode: 0 }] });
    expect(await joinNewGroup(topic)).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_VERSION, memberEpoch: -1 });
    expect((await update([['group.version', 1, UPGRADE]])).errorCode).toBe(0);
    expect(await joinNewGroup(topic)).toMatchObject({ errorCode: 0, memberEpoch: 1 });
  });
});

describe('DescribeQuorum via @platformatic/kafka', () => {
  const describeQuorum = (topics = [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }]) => call(describeQuorumV2.api.async(conn, topics));

  it('answers only for __cluster_metadata partition 0, echoing anything else as unknown', async () => {
    const r = await describeQuorum([{ topicName: 'other', partitions: [{ partitionIndex: 0 }, { partitionIndex: 3 }] }]);
    expect(r.errorCode).toBe(0);
    expect(r.topics).toMatchObject([{ topicName: 'other', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }, { partitionIndex: 3, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] }]);
    const wrongPartition = await describeQuorum([{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 1 }] }]);
    expect(wrongPartition.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('lists every broker as a voter, led by the controller, and follows a new controller when it stops', async () => {
    const before = Date.now();
    const q = await describeQuorum();
    expect(q.errorCode).toBe(0);
    const p = q.topics[0].partitions[0];
    expect(q.topics[0].topicName).toBe('__cluster_metadata');
    expect(p).toMatchObject({ partitionIndex: 0, errorCode: 0, leaderId: 0, observers: [] });
    expect(p.highWatermark).toBeGreaterThan(0n);
    expect(p.currentVoters.map((v: any) => v.replicaId)).toEqual([0, 1]);
    for (const v of p.currentVoters) {
      expect(v.logEndOffset).toBe(p.highWatermark);
      expect(Number(v.lastCaughtUpTimestamp)).toBeGreaterThanOrEqual(before);
    }
    expect(new Set(p.currentVoters.map((v: any) => v.replicaDirectoryId)).size).toBe(2); // kraft.version 1: directory ids
    expect(q.nodes.map((n: any) => [n.nodeId, n.listeners[0].port])).toEqual([[0, broker.port], [1, expect.any(Number)]]);

    await broker.stopBroker(0);
    try {
      const c2 = new Connection('kafkalite-test');
      await c2.connect('127.0.0.1', q.nodes[1].listeners[0].port);
      try {
        const after = await call(describeQuorumV2.api.async(c2, [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }]));
        const p2 = after.topics[0].partitions[0];
        expect(p2.leaderId).toBe(1);
        expect(p2.leaderEpoch).toBe(p.leaderEpoch + 1);
        expect(p2.currentVoters.find((v: any) => v.replicaId === 0)).toMatchObject({ logEndOffset: -1n, lastFetchTimestamp: -1n });
        expect(p2.highWatermark).toBeGreaterThanOrEqual(p.highWatermark);
      } finally {
        await c2.close();
      }
    } finally {
      await broker.startBroker(0);
    }
  });
});
