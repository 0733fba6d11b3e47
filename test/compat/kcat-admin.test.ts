// librdkafka (through kcat -L) sees what the admin APIs did: topics created with a replication factor or a
// manual assignment across three brokers, partitions added, topics deleted.
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { hasKcat, kafkajs, kcat, startTestBroker, topicName } from './helpers.js';

if (!hasKcat) console.warn('kcat is not installed: skipping the kcat admin listing tests (apt-get install kcat)');

let broker: RunningBroker;
let admin: Admin;

interface KcatMetadata {
  brokers: { id: number; name: string }[];
  topics: { topic: string; error?: string; partitions?: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[] }[];
}

async function listJson(topic: string): Promise<KcatMetadata> {
  const r = await kcat(broker, ['-L', '-J', '-t', topic]);
  if (r.status !== 0) throw new Error(`kcat exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe.skipIf(!hasKcat)('kcat -L after admin operations (3 brokers)', () => {
  beforeAll(async () => {
    // Without auto-creation, so that listing a deleted topic does not bring it back.
    broker = await startTestBroker({ brokers: 3, overrides: { 'auto.create.topics.enable': 'false' } });
    admin = kafkajs(broker).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
  });

  it('shows the replicas, leaders and ISR that CreateTopics placed', async () => {
    const rf = topicName('kcat-rf');
    const manual = topicName('kcat-manual');
    await admin.createTopics({ topics: [{ topic: rf, numPartitions: 3, replicationFactor: 2 }, { topic: manual, replicaAssignment: [{ partition: 0, replicas: [2, 0] }, { partition: 1, replicas: [1, 2] }] }] });
    const m = await listJson(manual);
    expect(m.brokers.map((b) => b.id).sort()).toEqual([0, 1, 2]);
    expect(m.topics[0].partitions!.map((p) => [p.partition, p.leader, p.replicas.map((r) => r.id), p.isrs.map((r) => r.id)])).toEqual([
      [0, 2, [2, 0], [2, 0]],
      [1, 1, [1, 2], [1, 2]],
    ]);
    const r = await listJson(rf);
    expect(r.topics[0].partitions).toHaveLength(3);
    expect(r.topics[0].partitions!.every((p) => p.replicas.length === 2 && p.replicas[0].id === p.leader)).toBe(true);
  });

  it('shows added partitions, and no longer lists a deleted topic', async () => {
    const t = topicName('kcat-grow');
    await admin.createTopics({ topics: [{ topic: t, numPartitions: 1 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: t, count: 4 }] });
    expect((await listJson(t)).topics[0].partitions).toHaveLength(4);
    await admin.deleteTopics({ topics: [t] });
    const gone = await listJson(t);
    expect(gone.topics[0].error).toBeTruthy();
    expect(gone.topics[0].partitions ?? []).toHaveLength(0);
  });
});
