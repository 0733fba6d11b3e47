// Requests that change the same topic at the same moment, pipelined and on different connections: auto-creation
// (Metadata) hands every one the same topic, a second CreateTopics gets TOPIC_ALREADY_EXISTS and a second
// CreatePartitions to the same count INVALID_PARTITIONS, as on Kafka. Both engines: opening partitions is
// asynchronous, and the file engine's window is the longer one.
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ZERO_UUID } from '../../src/protocol/primitives.js';
import { kafkajs, topicName, withEngineBroker } from '../compat/helpers.js';
import { RawClient } from '../coordinator/raw-client.js';

const METADATA = 3;
const CREATE_TOPICS = 19;
const DELETE_TOPICS = 20;
const CREATE_PARTITIONS = 37;

/** A fresh broker of the engine and three connections to it. */
function withBroker(engine: 'memory' | 'file', fn: (broker: RunningBroker, clients: RawClient[]) => Promise<void>): Promise<void> {
  return withEngineBroker(engine, async (broker) => {
    const clients = await Promise.all([1, 2, 3].map(() => RawClient.connect(broker.port)));
    try {
      await fn(broker, clients);
    } finally {
      for (const c of clients) c.close();
    }
  });
}

for (const engine of ['memory', 'file'] as const) {
  describe(`${engine} engine`, () => {
    it('concurrent auto-creations of one topic all get the same topic', async () => {
      await withBroker(engine, async (broker, clients) => {
        const name = topicName('auto');
        const metadata = (c: RawClient) => c.send(METADATA, 12, { topics: [{ name, topicId: ZERO_UUID }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
        const out = await Promise.all(clients.flatMap((c) => [metadata(c), metadata(c)]));
        const ids = out.map((r) => r.topics[0].topicId);
        expect(new Set(ids).size).toBe(1);
        expect(ids[0]).toBe(broker.cluster.topics.get(name)!.id);
        expect([...broker.cluster.topics.keys()].filter((n) => n === name)).toHaveLength(1);
      });
    });

    it('a Metadata request answers from one view of the topics: one deleted while another is auto-created is not created again', async () => {
      await withBroker(engine, async (broker, [c]) => {
        const [missing, other] = [topicName('missing'), topicName('other')];
        const deleted = await broker.cluster.createTopic(other, { numPartitions: 1 });
        // The deletion lands while the request waits for the creation of `missing` (deterministically, from inside it).
        const create = broker.cluster.createTopic.bind(broker.cluster);
        broker.cluster.createTopic = async (name, opts) => {
          if (name === missing) await broker.cluster.deleteTopic(deleted);
          return create(name, opts);
        };
        const r = await c.send(METADATA, 12, { topics: [{ name: missing, topicId: ZERO_UUID }, { name: other, topicId: ZERO_UUID }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
        expect(r.topics.map((t: any) => t.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
        expect(r.topics[1].topicId).toBe(deleted.id); // as it was when the request arrived
        expect(broker.cluster.topics.has(missing)).toBe(true);
        expect(broker.cluster.topics.has(other)).toBe(false);
      });
    });

    it('concurrent CreateTopics of one name: one creates it, the others get TOPIC_ALREADY_EXISTS', async () => {
      await withBroker(engine, async (broker, clients) => {
        const name = topicName('create');
        const create = (c: RawClient) => c.send(CREATE_TOPICS, 7, { topics: [{ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
        const codes = (await Promise.all(clients.flatMap((c) => [create(c), create(c)]))).map((r) => r.topics[0].errorCode);
        expect(codes.filter((c) => c === ErrorCode.NONE)).toHaveLength(1);
        expect(codes.filter((c) => c === ErrorCode.TOPIC_ALREADY_EXISTS)).toHaveLength(5);
      });
    });

    it('concurrent CreatePartitions to one count: one adds the partitions, the others get INVALID_PARTITIONS', async () => {
      await withBroker(engine, async (broker, clients) => {
        const name = topicName('grow');
        await broker.cluster.createTopic(name, { numPartitions: 2 });
        const grow = (c: RawClient) => c.send(CREATE_PARTITIONS, 3, { topics: [{ name, count: 4, assignments: null }], timeoutMs: 5000, validateOnly: false });
        const codes = (await Promise.all(clients.flatMap((c) => [grow(c), grow(c)]))).map((r) => r.results[0].errorCode);
        expect(codes.filter((c) => c === ErrorCode.NONE)).toHaveLength(1);
        expect(codes.filter((c) => c === ErrorCode.INVALID_PARTITIONS)).toHaveLength(5);
        expect(broker.cluster.topics.get(name)!.partitions.map((p) => p.index)).toEqual([0, 1, 2, 3]);
      });
    });

    it('a topic deleted and re-created at once gets fresh, empty logs that take produces', async () => {
      await withBroker(engine, async (broker, [c]) => {
        const name = topicName('again');
        const producer = kafkajs(broker).producer();
        await producer.connect();
        try {
          await broker.cluster.createTopic(name, { numPartitions: 2 });
          await producer.send({ topic: name, messages: [{ value: 'old' }, { value: 'old' }] });
          // Pipelined on one connection: the creation is read while the deletion is still closing the old logs.
          const [del, create] = await Promise.all([
            c.send(DELETE_TOPICS, 4, { topicNames: [name], timeoutMs: 5000 }),
            c.send(CREATE_TOPICS, 7, { topics: [{ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false }),
          ]);
          expect(del.responses[0].errorCode).toBe(ErrorCode.NONE);
          expect(create.topics[0].errorCode).toBe(ErrorCode.NONE);
          const topic = broker.cluster.topics.get(name)!;
          expect(topic.partitions.map((p) => p.log.logEndOffset)).toEqual([0, 0]);
          await producer.send({ topic: name, messages: [{ partition: 0, value: 'new' }, { partition: 1, value: 'new' }] });
          expect(topic.partitions.map((p) => p.log.logEndOffset)).toEqual([1, 1]);
        } finally {
          await producer.disconnect();
        }
      });
    });
  });
}
