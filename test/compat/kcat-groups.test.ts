// kcat's balanced consumer (-G, librdkafka 2.0.2): joins a group, consumes, commits on close, and a second
// run resumes after the committed offsets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { kafkajs, startTestBroker, topicName, hasKcat, kcat as runKcat } from './helpers.js';

let broker: RunningBroker;

function kcat(args: string[], input?: string) {
  return runKcat(broker, args, input);
}

describe.skipIf(!hasKcat)('kcat balanced consumer (-G)', () => {
  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(() => broker?.stop());

  it('consumes as a group member, commits, and resumes from the commit', async () => {
    const topic = topicName('kcat-g');
    const group = topicName('g-kcat');
    await broker.cluster.createTopic(topic, { numPartitions: 2 });
    const producer = kafkajs(broker).producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `a${i}`, partition: i % 2 })) });

    // No -o: with -G kcat would assign that offset explicitly, overriding the committed one.
    const opts = ['-G', group, '-X', 'auto.offset.reset=earliest', '-e', '-f', '%s\n', '-X', 'auto.commit.interval.ms=100', '-X', 'session.timeout.ms=6000'];
    const first = await kcat([...opts, topic]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n').sort()).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`).sort());

    const admin = kafkajs(broker).admin();
    await admin.connect();
    const offs = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(offs[0].partitions.map((p) => p.offset).sort()).toEqual(['5', '5']);

    await producer.send({ topic, messages: [{ value: 'b0', partition: 0 }, { value: 'b1', partition: 1 }] });
    const second = await kcat([...opts, topic]);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout.trim().split('\n').sort()).toEqual(['b0', 'b1']);
    const desc = await admin.describeGroups([group]);
    expect(desc.groups[0].state).toBe('Empty');
    await admin.disconnect();
    await producer.disconnect();
  }, 30000);
});
