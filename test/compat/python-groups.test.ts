// Consumer groups from Python clients: confluent-kafka (librdkafka 2.0.2) with the cooperative-sticky
// assignor (incremental rebalances), and kafka-python (JoinGroup v2 / FindCoordinator v0 era protocol).
// Each client runs as a child process against the in-process broker; skipped when the package is missing
// (apt-get install -y python3-confluent-kafka python3-kafka).
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

const PY = '/usr/bin/python3';
const hasModule = (m: string) => spawnSync(PY, ['-c', `import ${m}`]).status === 0;
const hasConfluent = hasModule('confluent_kafka');
const hasKafkaPython = hasModule('kafka');
if (!hasConfluent) console.warn('python3-confluent-kafka not installed: skipping librdkafka cooperative-sticky group test');
if (!hasKafkaPython) console.warn('python3-kafka not installed: skipping kafka-python group test');

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(() => broker?.stop());

/** Runs a Python script (asynchronously: the broker lives in this process) and parses its last stdout line as JSON. */
function python(script: string, env: Record<string, string>): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(PY, ['-c', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 40000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (status !== 0) return reject(new Error(`python exited ${status}: ${stderr.slice(-2000)}\n${stdout.slice(-2000)}`));
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`no JSON result: ${stdout.slice(-2000)} ${stderr.slice(-2000)}`));
      }
    });
  });
}

async function produce(topic: string, partitions: number, count: number): Promise<void> {
  await broker.cluster.createTopic(topic, { numPartitions: partitions });
  const producer = kafkajs(broker).producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ value: `v${i}`, partition: i % partitions })) });
  await producer.disconnect();
}

// Two consumers in one process, polled in turn. With cooperative-sticky, the second member's arrival only
// revokes the partitions that move (incremental), and the first keeps consuming the ones it keeps.
const CONFLUENT = String.raw`
import json, os, time
from confluent_kafka import Consumer, KafkaException, TopicPartition
topic, group, bootstrap = os.environ['TOPIC'], os.environ['GROUP'], os.environ['BOOTSTRAP']
events = {'c1': [], 'c2': []}
def mk(name):
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest',
                  'partition.assignment.strategy': 'cooperative-sticky', 'enable.auto.commit': False,
                  'session.timeout.ms': 6000, 'heartbeat.interval.ms': 200, 'client.id': name})
    def on_assign(c, parts): events[name].append(('assign', sorted(p.partition for p in parts)))
    def on_revoke(c, parts): events[name].append(('revoke', sorted(p.partition for p in parts)))
    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    return c
seen = {'c1': [], 'c2': []}
commit_errors = []
def commit(c, m):
    # A commit racing a rebalance may be refused (ILLEGAL_GENERATION / REBALANCE_IN_PROGRESS), as with Kafka.
    try:
        c.commit(message=m, asynchronous=False)
    except KafkaException as e:
        commit_errors.append(e.args[0].name())
def poll(name, c, until, timeout=20):
    end = time.time() + timeout
    while time.time() < end and not until():
        m = c.poll(0.05)
        if m is not None and m.error() is None:
            seen[name].append(m.value().decode())
            commit(c, m)
c1 = mk('c1')
poll('c1', c1, lambda: len(c1.assignment()) == 4)
poll('c1', c1, lambda: len(seen['c1']) >= 8, 10)
c2 = mk('c2')
def poll_both(until, timeout=25, commits=True):
    end = time.time() + timeout
    while time.time() < end and not until():
        for name, c in (('c1', c1), ('c2', c2)):
            m = c.poll(0.05)
            if m is not None and m.error() is None:
                seen[name].append(m.value().decode())
                if commits:
                    commit(c, m)
# No commits while the group rebalances: a commit racing the generation change is refused, and librdkafka
# then treats its whole assignment as lost (revoking everything), which would hide the incremental protocol.
poll_both(lambda: len(c1.assignment()) == 2 and len(c2.assignment()) == 2, commits=False)
split = (sorted(p.partition for p in c1.assignment()), sorted(p.partition for p in c2.assignment()))
poll_both(lambda: len(set(seen['c1'] + seen['c2'])) >= 40, 15)
committed = c1.committed([TopicPartition(topic, p) for p in range(4)], timeout=10)
c2.close()
poll('c1', c1, lambda: len(c1.assignment()) == 4)
final = sorted(p.partition for p in c1.assignment())
poll('c1', c1, lambda: False, 1)
# position() is OFFSET_INVALID (-1001) for a partition nothing was consumed from since it was (re)assigned, e.g.
# those taken back from c2 after everything was read; librdkafka fails a commit of only such offsets with
# _NO_OFFSET ("No offset stored"), so commit just the real positions.
positions = [tp for tp in c1.position(c1.assignment()) if tp.offset >= 0]
if positions:
    c1.commit(offsets=positions, asynchronous=False)
final_committed = c1.committed([TopicPartition(topic, p) for p in range(4)], timeout=10)
c1.close()
print(json.dumps({'split': split, 'final': final, 'events': events, 'seen': seen,
                  'committed': [tp.offset for tp in committed], 'final_committed': [tp.offset for tp in final_committed],
                  'commit_errors': commit_errors}))
`;

const KAFKA_PYTHON = String.raw`
import json, os
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
topic, group, bootstrap = os.environ['TOPIC'], os.environ['GROUP'], os.environ['BOOTSTRAP']
c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset='earliest',
                  enable_auto_commit=False, consumer_timeout_ms=3000, api_version_auto_timeout_ms=5000)
got = []
for m in c:
    got.append(m.value.decode())
    if len(got) == 6:
        break
c.commit()
parts = sorted(p.partition for p in c.assignment())
committed = [c.committed(TopicPartition(topic, p)) for p in parts]
c.close()
print(json.dumps({'got': got, 'parts': parts, 'committed': committed}))
`;

describe.skipIf(!hasConfluent)('confluent-kafka (librdkafka) consumer groups', () => {
  it('cooperative-sticky: incremental rebalance when a member joins and leaves, commits read back', async () => {
    const topic = topicName('py-coop');
    const group = topicName('g-py-coop');
    await produce(topic, 4, 40);
    const r = await python(CONFLUENT, { TOPIC: topic, GROUP: group, BOOTSTRAP: broker.bootstrap });
    expect(r.split[0]).toHaveLength(2);
    expect(r.split[1]).toHaveLength(2);
    expect([...r.split[0], ...r.split[1]].sort()).toEqual([0, 1, 2, 3]);
    expect(r.final).toEqual([0, 1, 2, 3]);
    // Incremental: c1's first revocation gives up exactly the partitions c2 then gets, not all four.
    const firstRevoke = r.events.c1.find((e: any) => e[0] === 'revoke');
    expect(firstRevoke[1]).toHaveLength(2);
    expect(firstRevoke[1]).toEqual(r.split[1]);
    // Every message consumed (what was read but not committed during the rebalance may come again).
    const all = [...r.seen.c1, ...r.seen.c2];
    expect(new Set(all).size).toBe(40);
    for (const e of r.commit_errors) expect(['ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID']).toContain(e);
    expect(r.final_committed).toEqual([10, 10, 10, 10]);
    const admin = kafkajs(broker).admin();
    await admin.connect();
    const offs = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(offs[0].partitions.map((p) => p.offset)).toEqual(['10', '10', '10', '10']);
    await admin.disconnect();
  }, 60000);
});

// A static member (group.instance.id) that closes without leaving and comes back.
const STATIC = String.raw`
import json, os, time
from confluent_kafka import Consumer
topic, group, bootstrap = os.environ['TOPIC'], os.environ['GROUP'], os.environ['BOOTSTRAP']
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'group.instance.id': 'static-1',
              'auto.offset.reset': 'earliest', 'session.timeout.ms': 30000, 'heartbeat.interval.ms': 200})
c.subscribe([topic])
got = []
end = time.time() + 20
while time.time() < end and len(got) < int(os.environ['EXPECT']):
    m = c.poll(0.05)
    if m is not None and m.error() is None:
        got.append(m.value().decode())
parts = sorted(p.partition for p in c.assignment())
c.close()
print(json.dumps({'got': got, 'parts': parts}))
`;

describe.skipIf(!hasConfluent)('confluent-kafka static membership', () => {
  it('a static member restarting within its session gets its partitions back without a rebalance', async () => {
    const topic = topicName('py-static');
    const group = topicName('g-py-static');
    await produce(topic, 2, 4);
    const env = { TOPIC: topic, GROUP: group, BOOTSTRAP: broker.bootstrap };
    const first = await python(STATIC, { ...env, EXPECT: '4' });
    expect(first.parts).toEqual([0, 1]);
    const groups = broker.services.groups;
    const generation = groups.group(group).generationId;
    // Closing did not leave the group: the static member still holds its place.
    expect(groups.group(group).stateName()).toBe('Stable');
    expect([...groups.group(group).members.values()][0].groupInstanceId).toBe('static-1');
    const producer = kafkajs(broker).producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'late', partition: 0 }] });
    await producer.disconnect();
    const second = await python(STATIC, { ...env, EXPECT: '1' });
    expect(second.parts).toEqual([0, 1]);
    expect(second.got).toEqual(['late']);
    expect(groups.group(group).generationId).toBe(generation);
  }, 60000);
});

describe.skipIf(!hasKafkaPython)('kafka-python consumer group', () => {
  it('joins, consumes, commits and reads the commit back', async () => {
    const topic = topicName('py-kp');
    const group = topicName('g-py-kp');
    await produce(topic, 2, 6);
    const r = await python(KAFKA_PYTHON, { TOPIC: topic, GROUP: group, BOOTSTRAP: broker.bootstrap });
    expect(r.parts).toEqual([0, 1]);
    expect(r.got.sort()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    expect(r.committed).toEqual([3, 3]);
  }, 60000);
});
