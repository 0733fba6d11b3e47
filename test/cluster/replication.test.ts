// Replication semantics of an in-process multi-broker cluster, driven through kafkajs and the embedding API:
// leaders spread over brokers, HW = min LEO of the ISR, acks=-1 waits for the ISR, failover on broker stop,
// ISR shrink after replica.lag.time.max.ms, min.insync.replicas, rejoin on restart, truncation, unclean election.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReplicationManager } from '../../src/cluster/replication.js';
import type { BrokerOptions, RunningBroker } from '../../src/kafkalite.js';
import { kafkajs, startTestBroker, topicName } from '../compat/helpers.js';
import { portOpen, rawRequest, waitFor } from './helpers.js';

let broker: RunningBroker | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  await broker?.stop();
  broker = undefined;
});

async function cluster(opts: BrokerOptions = {}): Promise<{ b: RunningBroker; k: Kafka }> {
  // Reassignments complete at once here; the Kafka-like in-progress window is tested in admin-apis.test.ts.
  broker = await startTestBroker({ brokers: 3, ...opts, overrides: { 'kafkalite.reassignment.delay.ms': '0', ...opts.overrides } });
  return { b: broker, k: kafkajs(broker, { retry: { retries: 5, initialRetryTime: 50, maxRetryTime: 300 } }) };
}

async function createTopic(k: Kafka, topic: string, numPartitions: number, replicationFactor: number, configEntries: { name: string; value: string }[] = []) {
  const admin = k.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor, configEntries }] });
  await admin.disconnect();
}

async function producer(k: Kafka) {
  const p = k.producer();
  await p.connect();
  cleanups.push(() => p.disconnect());
  return p;
}

const repl = (b: RunningBroker): ReplicationManager => b.services.replication;

describe('multi-broker cluster', () => {
  it('metadata lists every broker, spreads leaders and shows replicas and ISR', async () => {
    const { b, k } = await cluster();
    const t = topicName('spread');
    await createTopic(k, t, 6, 3);
    const admin = k.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const md = await admin.fetchTopicMetadata({ topics: [t] });
    const parts = md.topics[0].partitions;
    expect(new Set(parts.map((p) => p.leader))).toEqual(new Set([0, 1, 2]));
    for (const p of parts) {
      expect(p.replicas).toHaveLength(3);
      expect([...p.isr].sort()).toEqual([0, 1, 2]);
      expect(p.leader).toBe(p.replicas[0]);
    }
    const desc = await admin.describeCluster();
    expect(desc.brokers.map((x) => x.nodeId).sort()).toEqual([0, 1, 2]);
    expect(desc.brokers.map((x) => x.port).sort()).toEqual(b.brokers.map((x) => x.ports.PLAINTEXT).sort());
    expect(desc.controller).toBe(0);
  });

  it('the high watermark is the minimum LEO of the ISR and acks=-1 waits for every ISR replica', async () => {
    const { b, k } = await cluster();
    const t = topicName('hw');
    await createTopic(k, t, 1, 3);
    const p = b.cluster.partition(t, 0)!;
    const slow = p.replicas[2];
    b.setReplicationDelay(300, { brokerId: slow });
    const prod = await producer(k);

    const t0 = Date.now();
    await prod.send({ topic: t, acks: 1, messages: [{ value: 'a' }, { value: 'b' }] });
    expect(Date.now() - t0).toBeLessThan(250);
    expect(p.log.logEndOffset).toBe(2);
    expect(repl(b).replicaLeo(p, slow)).toBe(0);
    expect(repl(b).replicaLeo(p, p.replicas[1])).toBe(2);
    expect(p.highWatermark).toBe(0);
    await waitFor(() => p.highWatermark === 2, 2000, 'HW to reach the LEO');
    expect(repl(b).replicaLeo(p, slow)).toBe(2);

    const t1 = Date.now();
    await prod.send({ topic: t, acks: -1, messages: [{ value: 'c' }] });
    expect(Date.now() - t1).toBeGreaterThanOrEqual(250);
    expect(p.highWatermark).toBe(3);

    b.setReplicationDelay(0, { brokerId: slow });
    const t2 = Date.now();
    await prod.send({ topic: t, acks: -1, messages: [{ value: 'd' }] });
    expect(Date.now() - t2).toBeLessThan(250);
    expect(p.highWatermark).toBe(4);
  });

  it('stopping the leader closes its ports and elects a new leader from the ISR with a new epoch', async () => {
    const { b, k } = await cluster();
    const t = topicName('failover');
    await createTopic(k, t, 3, 3);
    const prod = await producer(k);
    await prod.send({ topic: t, acks: -1, messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 0 }] });
    const p = b.cluster.partition(t, 0)!;
    const old = p.leader;
    const port = b.brokers[old].ports.PLAINTEXT;
    expect(await portOpen(port)).toBe(true);

    await b.stopBroker(old);
    expect(await portOpen(port)).toBe(false);
    expect(p.leader).not.toBe(old);
    expect(p.isr).toContain(p.leader);
    expect(p.leaderEpoch).toBe(1);
    expect(p.epochStarts?.at(-1)).toEqual({ epoch: 1, startOffset: 2 });
    // Only partitions the stopped broker led change leader.
    for (const q of b.cluster.topics.get(t)!.partitions) if (q.replicas[0] !== old) expect(q.leaderEpoch).toBe(0);

    const admin = k.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const desc = await admin.describeCluster();
    expect(desc.brokers.map((x) => x.nodeId).sort()).toEqual([0, 1, 2].filter((x) => x !== old));
    expect(desc.controller).not.toBe(old);
    const md = await admin.fetchTopicMetadata({ topics: [t] });
    expect(md.topics[0].partitions.find((x) => x.partitionId === 0)!.leader).toBe(p.leader);
  });

  it('ISR shrinks after replica.lag.time.max.ms; acks=-1 below min.insync.replicas fails; restart rejoins', async () => {
    const { b, k } = await cluster({ overrides: { 'replica.lag.time.max.ms': '200' } });
    const t = topicName('minisr');
    await createTopic(k, t, 1, 2, [{ name: 'min.insync.replicas', value: '2' }]);
    const p = b.cluster.partition(t, 0)!;
    const [leader, follower] = p.replicas;
    const prod = await producer(k);
    await prod.send({ topic: t, acks: -1, messages: [{ value: 'ok' }] });

    await b.stopBroker(follower);
    expect(p.isr).toEqual([leader, follower]); // not before the lag time
    await waitFor(() => p.isr.length === 1, 2000, 'ISR shrink');
    expect(p.isr).toEqual([leader]);

    const strict = kafkajs(b, { retry: { retries: 1, initialRetryTime: 50 } }).producer();
    await strict.connect();
    cleanups.push(() => strict.disconnect());
    const err = await strict.send({ topic: t, acks: -1, messages: [{ value: 'x' }] }).then(() => null, (e) => e);
    expect(err).not.toBeNull();
    expect(err.cause?.type ?? err.type).toBe('NOT_ENOUGH_REPLICAS');
    await prod.send({ topic: t, acks: 1, messages: [{ value: 'acks1' }] });

    await b.startBroker(follower);
    expect(p.isr).toEqual([leader, follower]);
    expect(await portOpen(b.brokers[follower].ports.PLAINTEXT)).toBe(true);
    await prod.send({ topic: t, acks: -1, messages: [{ value: 'back' }] });
    expect(p.highWatermark).toBe(p.log.logEndOffset);
  });

  it('a controlled shutdown leaves every ISR at once (but never empties one)', async () => {
    const { b, k } = await cluster();
    const t = topicName('controlled');
    await createTopic(k, t, 3, 2);
    await b.stopBroker(1, { controlled: true });
    for (const p of b.cluster.topics.get(t)!.partitions) {
      expect(p.isr).not.toContain(1);
      expect(p.leader).not.toBe(1);
    }
    const prod = await producer(k);
    const t0 = Date.now();
    await prod.send({ topic: t, acks: -1, messages: [0, 1, 2].map((partition) => ({ partition, value: 'v' })) });
    expect(Date.now() - t0).toBeLessThan(1000); // no wait for replica.lag.time.max.ms / broker.session.timeout.ms
    await b.stopBroker(2, { controlled: true });
    const solo = b.cluster.topics.get(t)!.partitions.find((p) => p.replicas.includes(1) && p.replicas.includes(2))!;
    expect(solo.leader).toBe(-1);
    expect(solo.isr).toEqual([2]); // the last member stays: it is the one that can lead again cleanly
  });

  it('a stopped broker is fenced out of the ISRs after broker.session.timeout.ms', async () => {
    const { b, k } = await cluster({ overrides: { 'broker.session.timeout.ms': '150' } });
    const t = topicName('fenced');
    await createTopic(k, t, 1, 3);
    const p = b.cluster.partition(t, 0)!;
    const follower = p.replicas[2];
    await b.stopBroker(follower);
    expect(p.isr).toContain(follower);
    await waitFor(() => !p.isr.includes(follower), 2000, 'fencing');
    // a broker restarted before its session expires is not fenced
    const other = p.replicas[1];
    await b.stopBroker(other);
    await b.startBroker(other);
    await new Promise((r) => setTimeout(r, 250));
    expect(p.isr).toContain(other);
  });

  it('an ISR follower that lagged truncates the log when elected (acks=1 data loss, as Kafka)', async () => {
    const { b, k } = await cluster();
    const t = topicName('truncate');
    await createTopic(k, t, 1, 2);
    const p = b.cluster.partition(t, 0)!;
    const [leader, follower] = p.replicas;
    const prod = await producer(k);
    await prod.send({ topic: t, acks: -1, messages: [{ value: 'safe' }] });
    b.setReplicationDelay(60_000, { brokerId: follower });
    await prod.send({ topic: t, acks: 1, messages: [{ value: 'lost1' }, { value: 'lost2' }] });
    expect(p.log.logEndOffset).toBe(3);
    expect(p.highWatermark).toBe(1);

    await b.stopBroker(leader);
    expect(p.leader).toBe(follower);
    expect(p.log.logEndOffset).toBe(1);
    expect(p.highWatermark).toBe(1);
    expect(p.epochStarts?.at(-1)).toEqual({ epoch: 1, startOffset: 1 });
  });

  it('without a live ISR member the partition is leaderless unless unclean election is enabled', async () => {
    const { b, k } = await cluster({ overrides: { 'replica.lag.time.max.ms': '100' } });
    const clean = topicName('clean');
    const unclean = topicName('unclean');
    await createTopic(k, clean, 1, 2);
    await createTopic(k, unclean, 1, 2, [{ name: 'unclean.leader.election.enable', value: 'true' }]);
    // Same replica placement for both, so one stop/start sequence exercises both.
    const pc = b.cluster.partition(clean, 0)!;
    const pu = b.cluster.partition(unclean, 0)!;
    const admin = k.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await admin.alterPartitionReassignments({ topics: [{ topic: unclean, partitionAssignment: [{ partition: 0, replicas: pc.replicas }] }] });
    const [leader, follower] = pc.replicas;
    expect(pu.replicas).toEqual([leader, follower]);

    await b.stopBroker(follower);
    await waitFor(() => pc.isr.length === 1 && pu.isr.length === 1, 2000, 'ISR shrink');
    const prod = await producer(k);
    await prod.send({ topic: clean, acks: 1, messages: [{ value: 'x' }] });
    await prod.send({ topic: unclean, acks: 1, messages: [{ value: 'x' }] });

    await b.stopBroker(leader);
    expect(pc.leader).toBe(-1);
    expect(pu.leader).toBe(-1);
    const live = b.brokers.find((x) => x.nodeId !== leader && x.nodeId !== follower)!;
    const md = await rawRequest(live.ports.PLAINTEXT, 3, 9, { topics: [{ name: clean }], allowAutoTopicCreation: false });
    expect(md.brokers.map((x: any) => x.nodeId)).toEqual([live.nodeId]);
    expect(md.topics[0].partitions[0]).toMatchObject({ errorCode: 5, leaderId: -1, isrNodes: [leader], offlineReplicas: [leader, follower] });

    await b.startBroker(follower);
    expect(pc.leader).toBe(-1); // its replica is not in the ISR: no clean leader
    expect(pu.leader).toBe(follower); // unclean: the out-of-sync replica leads, losing what it lacked
    expect(pu.isr).toEqual([follower]);
    expect(pu.log.logEndOffset).toBe(0);

    await b.startBroker(leader);
    expect(pc.leader).toBe(leader);
    await waitFor(() => pc.isr.length === 2, 2000, 'follower back in ISR');
    expect(pc.log.logEndOffset).toBe(1);
  });

  it('auto.leader.rebalance.enable returns leadership to the preferred replica', async () => {
    const { b, k } = await cluster({ overrides: { 'leader.imbalance.check.interval.seconds': '1' } });
    const t = topicName('rebalance');
    await createTopic(k, t, 3, 3);
    const parts = b.cluster.topics.get(t)!.partitions;
    await b.stopBroker(1);
    await b.startBroker(1);
    const moved = parts.find((p) => p.replicas[0] === 1)!;
    expect(moved.leader).not.toBe(1);
    await waitFor(() => moved.leader === 1, 4000, 'preferred leader back');
    for (const p of parts) expect(p.leader).toBe(p.replicas[0]);
  });

  it('leader epochs survive a restart of the whole cluster (they never go backwards)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kafkalite-epochs-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const t = topicName('epochs');
    {
      const { b, k } = await cluster({ memory: false, dataDir, fsync: 'never' });
      await createTopic(k, t, 1, 2);
      const p = b.cluster.partition(t, 0)!;
      await (await producer(k)).send({ topic: t, messages: [{ value: 'a' }] });
      await b.stopBroker(p.leader);
      await b.startBroker(p.replicas[0]);
      expect(p.leaderEpoch).toBe(1);
      expect(p.epochStarts).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 1, startOffset: 1 }]);
      for (const c of cleanups.splice(1).reverse()) await c();
      await b.stop();
    }
    const { b } = await cluster({ memory: false, dataDir, fsync: 'never' });
    const p = b.cluster.partition(t, 0)!;
    // the preferred replica leads again after the restart: a leader change, so one more epoch
    expect(p.leader).toBe(p.replicas[0]);
    expect(p.leaderEpoch).toBe(2);
    expect(p.epochStarts).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 1, startOffset: 1 }, { epoch: 2, startOffset: 1 }]);
  });
});
