// Five of Kafka's own system tests (tests/kafkatest), ported: Kafka runs them with its "verifiable" producer and
// consumer, processes that print what they did as JSON events; python3-confluent-kafka ships librdkafka's versions
// of those clients (confluent_kafka/kafkatest, run through test/compat/clients/kafkatest.py), which print the same
// events. The checks are the system tests' own:
// - replication_test.py (ProduceConsumeValidateTest): an acks=all producer and a consumer group lose no acknowledged
//   record while the leader of a partition is bounced again and again, cleanly and by a hard kill; with an idempotent
//   producer, no record is written twice either; and the same over SASL_SSL (the test runs per security protocol).
// - consumer_test.py, test_broker_rolling_bounce: restarting every broker in turn, five rounds, causes no group
//   rebalance (the group survives its coordinator moving), and the consumers' positions add up to what they consumed.
// - consumer_test.py, test_consumer_bounce (clean, rolling): consumers restarted one by one hand their partition
//   over at the committed offset: no record is consumed twice, and the last commit is the final position.
// - reassign_partitions_test.py: shuffling the replica sets of 20 partitions under an idempotent producer, with and
//   without bouncing brokers meanwhile, loses and duplicates nothing.
// - transactions_test.py: transactional copiers copy a topic exactly once while brokers or copiers are killed (below).
import { alterPartitionReassignmentsV0, Connection, listPartitionReassignmentsV0 } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { waitFor } from '../cluster/helpers.js';
import { acked, conf, consumedValues, hasKafkatest, JsonLinesProcess, verifiableClient } from './clients/json-lines.js';
import { storedBatches } from './clients/run.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

if (!hasKafkatest) console.warn('kafkatest.test.ts skipped: /usr/bin/python3 cannot import confluent_kafka.kafkatest (apt-get install python3-confluent-kafka)');

let b: RunningBroker | undefined;
const clients: JsonLinesProcess[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await b?.stop();
  b = undefined;
});

/** A client process stopped (and the broker with it) after the test. */
const track = <T extends JsonLinesProcess>(p: T): T => (clients.push(p), p);
const verifiable = (kind: 'producer' | 'consumer', args: string[]): JsonLinesProcess => track(verifiableClient(kind, b!.bootstrap, args));

/** How many values occur more than once. */
const duplicates = (values: string[]): number => values.length - new Set(values).size;

/**
 * ProduceConsumeValidateTest's end: the producer stops, the consumer reads on until it has every acknowledged
 * record, then stops; no send failed and nothing acknowledged is missing. Returns what was acknowledged.
 */
async function validateProduceConsume(producer: JsonLinesProcess, consumer: JsonLinesProcess): Promise<Set<string>> {
  await producer.stop();
  expect(producer.named('producer_send_error')).toEqual([]);
  const sent = new Set(acked(producer));
  const consumed = () => new Set(consumer.named('record_data').map((e) => e.value as string));
  await waitFor(() => [...sent].every((v) => consumed().has(v)), 30000, `the consumer to read every acknowledged record\n${consumer.log}`);
  await consumer.stop();
  expect([...sent].filter((v) => !consumed().has(v)), 'acknowledged but never consumed (data loss)').toEqual([]);
  return sent;
}

/** What a set of verifiable consumers consumed in all (their records_consumed counts), and the next position of their one partition. */
const consumedCount = (cs: JsonLinesProcess[]): number => cs.reduce((n, c) => n + c.named('records_consumed').reduce((m, e) => m + e.count, 0), 0);
const position = (cs: JsonLinesProcess[]): number =>
  Math.max(...cs.flatMap((c) => c.named('records_consumed').flatMap((e) => e.partitions.map((p: any) => p.maxOffset as number)))) + 1;

describe.skipIf(!hasKafkatest)("Kafka's system tests with the kafkatest clients (librdkafka 2.0.2)", () => {
  const bounces = [
    { clean: true, idempotent: false, what: 'cleanly bounced' },
    { clean: false, idempotent: false, what: 'killed and restarted' },
    { clean: false, idempotent: true, what: 'killed and restarted, and the producer is idempotent (no duplicates either)' },
    // The system test runs over each security protocol too.
    { clean: true, idempotent: false, secure: true, what: 'cleanly bounced, over SASL_SSL with SCRAM-SHA-512' },
  ];
  for (const { clean, idempotent, secure, what } of bounces) {
    it(`replication: no acknowledged record is lost while a partition leader is ${what}, five times`, async () => {
      // replication_test.py: 3 brokers, 3 partitions, replication factor 3, min.insync.replicas 2. A hard kill
      // leaves the broker in the ISR until its session expires (as in KRaft), shortened here to keep the test short.
      const overrides = { 'min.insync.replicas': '2', 'broker.session.timeout.ms': '1000', 'replica.lag.time.max.ms': '1000' };
      b = await startTestBroker(!secure ? { brokers: 3, overrides } : {
        brokers: 3, overrides, port: undefined, listeners: 'SASL_SSL://127.0.0.1:0', advertisedHost: 'localhost',
        sslSelfSigned: true, scramUsers: { kafkatest: { 'SCRAM-SHA-512': 'kafkatest-secret' } },
      });
      const security = !secure ? [] : conf('security.protocol=SASL_SSL', 'sasl.mechanisms=SCRAM-SHA-512', 'sasl.username=kafkatest',
        'sasl.password=kafkatest-secret', `ssl.ca.location=${b.services.tlsFiles.ca}`);
      const topic = topicName(clean ? 'kt-clean' : 'kt-hard');
      await b.cluster.createTopic(topic, { numPartitions: 3, replicationFactor: 3 });
      const producer = verifiable('producer', ['--topic', topic, '--throughput', '400', '--max-messages', '100000', '--acks', '-1', ...(idempotent ? conf('enable.idempotence=true') : []), ...security]);
      // The system test reads with the console consumer: Java's default session timeout (45 s), not the verifiable one's 6 s.
      const consumer = verifiable('consumer', ['--topic', topic, '--group-id', topicName('kt-group'), '--session-timeout', '45000', '--verbose', ...security]);
      await waitFor(() => acked(producer).length > 100 && consumer.named('record_data').length > 0, 20000, `the clients to make progress\n${producer.log}\n${consumer.log}`);
      for (let i = 0; i < 5; i++) {
        const leader = b.cluster.partition(topic, 0)!.leader;
        const before = acked(producer).length;
        await b.stopBroker(leader, { controlled: clean });
        if (!clean) await new Promise((r) => setTimeout(r, 1200)); // the session expires, as the test waits for
        await b.startBroker(leader);
        await waitFor(() => acked(producer).length > before + 100, 30000, `the producer to carry on after bounce ${i + 1}\n${producer.log}`);
      }
      const sent = await validateProduceConsume(producer, consumer);
      expect(producer.named('shutdown_complete')).toHaveLength(1);
      expect(sent.size).toBeGreaterThan(600);
      // The producer really was (or was not) idempotent: its batches carry a producer id.
      const pids = new Set((await storedBatches(b, topic)).map((h) => h.producerId >= 0));
      expect([...pids]).toEqual([idempotent]);
      if (idempotent) {
        // The validator's duplicate check, on the log rather than on deliveries: one value at one offset only.
        expect(duplicates(consumedValues(consumer)), 'records written twice').toBe(0);
      }
    }, 120000);
  }

  for (const bounceBrokers of [false, true]) {
    it(`reassign partitions${bounceBrokers ? ', bouncing every other broker meanwhile' : ''}: an idempotent acks=all producer loses and duplicates nothing`, async () => {
      // reassign_partitions_test.py: 4 brokers, 20 partitions, replication factor 3, min.insync.replicas 2; the
      // partitions' replica sets are shuffled among them (AlterPartitionReassignments, here through
      // @platformatic/kafka's codec as kafka-reassign-partitions.sh sends it) while an idempotent producer writes.
      b = await startTestBroker({ brokers: 4, overrides: { 'min.insync.replicas': '2' } });
      const topic = topicName(bounceBrokers ? 'kt-reassign-bounce' : 'kt-reassign');
      await b.cluster.createTopic(topic, { numPartitions: 20, replicationFactor: 3 });
      const producer = verifiable('producer', ['--topic', topic, '--throughput', '500', '--max-messages', '100000', '--acks', '-1', ...conf('enable.idempotence=true')]);
      const consumer = verifiable('consumer', ['--topic', topic, '--group-id', topicName('kt-reassign-group'), '--session-timeout', '45000', '--verbose']);
      await waitFor(() => acked(producer).length > 200 && consumer.named('record_data').length > 0, 20000, `the clients to make progress\n${producer.log}\n${consumer.log}`);

      const parts = b.cluster.topics.get(topic)!.partitions;
      const shuffled = parts.map((p) => [...p.replicas]);
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
      }
      // Through broker 3, which stays up (the tool's own bootstrap connection would reconnect; this one does not).
      const conn = new Connection('kafkatest-reassign');
      await conn.connect('127.0.0.1', Number(b.bootstrap.split(',')[3].split(':')[1]));
      try {
        const res = await alterPartitionReassignmentsV0.api.async(conn, 30000, false, [{ name: topic, partitions: shuffled.map((replicas, partitionIndex) => ({ partitionIndex, replicas })) }]);
        expect(res.responses[0].partitions.filter((p) => p.errorCode !== 0)).toEqual([]);
        const before = acked(producer).length;
        if (bounceBrokers) {
          for (const id of [0, 2]) {
            await b.stopBroker(id, { controlled: true });
            await b.startBroker(id);
          }
        }
        // verify_reassign_partitions: nothing in progress, every partition on its new replicas.
        await waitFor(async () => (await listPartitionReassignmentsV0.api.async(conn, 30000, [{ name: topic, partitionIndexes: parts.map((p) => p.index) }])).topics.length === 0, 30000, 'the reassignment to complete');
        expect(parts.map((p) => [...p.replicas])).toEqual(shuffled);
        await waitFor(() => acked(producer).length > before + 200, 30000, `the producer to carry on\n${producer.log}`);
      } finally {
        await conn.close();
      }
      await validateProduceConsume(producer, consumer);
      expect(duplicates(consumedValues(consumer)), 'records written twice').toBe(0);
    }, 120000);
  }

  it('rolling bounce of the brokers: the group does not rebalance, positions match what was consumed', async () => {
    // consumer_test.py (OffsetValidationTest): 2 brokers, a 1-partition topic with replication factor 2, 3
    // consumers in a group, a producer writing throughout; each broker restarted cleanly in turn, five rounds.
    b = await startTestBroker({ brokers: 2, overrides: { 'offsets.topic.replication.factor': '2' } });
    const topic = topicName('kt-rolling');
    await b.cluster.createTopic(topic, { numPartitions: 1, replicationFactor: 2 });
    const producer = verifiable('producer', ['--topic', topic, '--throughput', '300', '--max-messages', '100000']);
    await waitFor(() => acked(producer).length > 0, 20000, `the producer to start\n${producer.log}`);
    const group = topicName('kt-rolling-group');
    // The system test runs Kafka's Java verifiable consumer, whose reconnect backoff stops at 1 s
    // (reconnect.backoff.max.ms); librdkafka's stops at 10 s and restarts from 100 ms only after 10 s without a
    // reconnect. With both brokers bounced every second or so (Kafka's restarts take seconds), its backoff reaches
    // the 10 s session timeout and the member gives up its session for want of any coordinator connection.
    const consumerConf = conf('reconnect.backoff.max.ms=1000');
    const consumers = [0, 1, 2].map(() => verifiable('consumer', ['--topic', topic, '--group-id', group, '--session-timeout', '10000', ...consumerConf]));
    const total = () => consumedCount(consumers);
    const assignments = () => consumers.map((c) => c.named('partitions_assigned').length);
    // All members joined and the partition is being consumed.
    await waitFor(() => consumers.every((c) => c.named('partitions_assigned').length > 0) && total() > 0, 30000, 'the group to form');
    const settled = assignments();
    for (let round = 0; round < 5; round++) {
      for (const id of [0, 1]) {
        const before = total();
        await b.stopBroker(id, { controlled: true }); // restart_node(clean_shutdown=True)
        await b.startBroker(id);
        await waitFor(() => total() > before, 30000, `consumption to go on after broker ${id} restarted (round ${round + 1})`);
      }
    }
    expect(assignments(), `rebalances caused by the broker bounces\n${consumers.map((c) => c.log).join('\n---\n')}`).toEqual(settled);
    await producer.stop();
    await Promise.all(consumers.map((c) => c.stop()));
    // current_position(partition) == total_consumed(): the last consumed offset + 1 of the one partition.
    expect(position(consumers)).toBe(total());
  }, 180000);

  it('rolling bounce of the consumers: each clean restart hands over at the committed offset, nothing read twice', async () => {
    // consumer_test.py test_consumer_bounce (clean_shutdown=True, bounce_mode="rolling"): 2 brokers, 1 partition,
    // 3 consumers; each consumer in turn is stopped cleanly (it commits what it consumed and leaves) and started
    // again. Then current_position == total_consumed (no record consumed twice) and last_commit == current_position.
    b = await startTestBroker({ brokers: 2 });
    const topic = topicName('kt-cbounce');
    await b.cluster.createTopic(topic, { numPartitions: 1, replicationFactor: 2 });
    const producer = verifiable('producer', ['--topic', topic, '--throughput', '300', '--max-messages', '100000']);
    await waitFor(() => acked(producer).length > 0, 20000, `the producer to start\n${producer.log}`);
    const group = topicName('kt-cbounce-group');
    const start = () => verifiable('consumer', ['--topic', topic, '--group-id', group, '--session-timeout', '10000']);
    const members = [start(), start(), start()];
    const all: JsonLinesProcess[] = [...members];
    const total = () => consumedCount(all);
    const joined = (c: JsonLinesProcess) => c.named('partitions_assigned').length > c.named('partitions_revoked').length;
    await waitFor(() => members.every(joined) && total() > 0, 30000, 'the group to form');
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < members.length; i++) {
        const before = total();
        await members[i].stop();
        expect(members[i].named('shutdown_complete').map((e) => e.failed)).toEqual([false]);
        members[i] = start();
        all.push(members[i]);
        await waitFor(() => members.every(joined) && total() > before, 30000, `the group to settle after consumer ${i} restarted (round ${round + 1})`);
      }
    }
    await producer.stop();
    await Promise.all(members.map((c) => c.stop()));
    expect(position(all), 'current_position == total_consumed').toBe(total());
    expect(await committedByAdmin(b, group, topic), 'last_commit == current_position').toBe(position(all));
  }, 180000);
});

/** The group's committed offset of partition 0, as kafkajs's admin reads it (OffsetFetch). */
async function committedByAdmin(broker: RunningBroker, groupId: string, topic: string): Promise<number> {
  const admin = kafkajs(broker).admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(t.partitions.find((p) => p.partition === 0)!.offset);
  } finally {
    await admin.disconnect();
  }
}

// transactions_test.py: exactly-once copying while things fail. Copiers (its TransactionalMessageCopier, here
// test/compat/clients/txn_copier.py over librdkafka 2.0.2) each copy one input partition to an output topic in
// transactions that also commit their consumer offsets, while the brokers are bounced (cleanly, or killed and
// restarted) or the copiers themselves are killed and restarted (a new copier with the same transactional id fences
// the old one and aborts its open transaction). A read_committed consumer reads the output meanwhile. The system
// test's checks: the output holds every input record exactly once, and so does what the concurrent consumer saw.
// (In this file rather than its own, so that vitest does not run the two heavy groups of tests at once.)

const SEED = 6000;

describe.skipIf(!hasKafkatest)("Kafka's transactions_test.py with librdkafka 2.0.2 copiers", () => {
  const variants = [
    { target: 'brokers', clean: true },
    { target: 'brokers', clean: false },
    { target: 'clients', clean: false },
  ] as const;
  for (const { target, clean } of variants) {
    it(`copies exactly once while the ${target} are ${clean ? 'cleanly bounced' : 'killed and restarted'}`, async () => {
      // As the system test: 3 brokers, input 2 partitions and output 3, replication factor 3, min.insync.replicas 2.
      b = await startTestBroker({ brokers: 3, overrides: { 'min.insync.replicas': '2', 'broker.session.timeout.ms': '1000', 'replica.lag.time.max.ms': '1000' } });
      const input = topicName('kt-txn-in');
      const output = topicName('kt-txn-out');
      await b.cluster.createTopic(input, { numPartitions: 2, replicationFactor: 3 });
      await b.cluster.createTopic(output, { numPartitions: 3, replicationFactor: 3 });
      const seeder = verifiable('producer', ['--topic', input, '--max-messages', String(SEED), '--acks', '-1', ...conf('enable.idempotence=true')]);
      await seeder.exited;
      const inputValues = acked(seeder);
      expect(inputValues).toHaveLength(SEED);

      const group = topicName('kt-txn-copiers');
      const copier = (partition: number) => track(new JsonLinesProcess('txn_copier.py', ['--broker-list', b!.bootstrap, '--input-topic', input,
        '--input-partition', String(partition), '--output-topic', output, '--transactional-id', `${group}-copier-${partition}`,
        '--group-id', group, '--transaction-size', '100', '--pause-ms', '30']));
      const copiers = [copier(0), copier(1)];
      // librdkafka's consumers read committed records only by default (isolation.level=read_committed). The system
      // test's console consumer has the Java default session timeout (45 s); the verifiable consumer's is 6 s.
      const reading = (group: string) => ['--topic', output, '--group-id', topicName(group), '--session-timeout', '45000', '--verbose'];
      const concurrent = verifiable('consumer', reading('kt-txn-concurrent'));
      const progress = () => copiers.reduce((n, c) => n + c.named('progress').length, 0);
      const finished = () => copiers.every((c) => c.named('shutdown_complete').length > 0);
      const logs = () => copiers.map((c) => c.log).join('\n---\n');

      if (target === 'brokers') {
        for (const id of [0, 1, 2]) {
          const before = progress();
          await waitFor(() => progress() > before + 2 || finished(), 30000, `the copiers to commit transactions before broker ${id} goes\n${logs()}`);
          await b.stopBroker(id, { controlled: clean });
          if (!clean) await new Promise((r) => setTimeout(r, 1200)); // its session expires, as the test waits for
          await b.startBroker(id);
        }
      } else {
        // bounce_copiers: three rounds, each copier killed (SIGKILL) once it has made progress, and started again.
        for (let round = 0; round < 3; round++) {
          for (const i of [0, 1]) {
            const before = copiers[i].named('progress').length;
            await waitFor(() => copiers[i].named('progress').length > before + 1 || copiers[i].named('shutdown_complete').length > 0, 30000, `copier ${i} to make progress\n${copiers[i].log}`);
            await copiers[i].kill();
            copiers[i] = copier(i);
          }
        }
      }
      for (const c of copiers) {
        await waitFor(() => c.named('shutdown_complete').length > 0, 60000, `a copier to finish\n${logs()}`);
        expect(c.named('shutdown_complete')[0]).toEqual({ name: 'shutdown_complete', remaining: 0 });
      }

      // The output, read from the start by a read_committed consumer of its own.
      const reader = verifiable('consumer', reading('kt-txn-reader'));
      await waitFor(() => consumedValues(reader).length >= SEED, 30000, `the output to be read\n${reader.log}`);
      await waitFor(() => new Set(consumedValues(concurrent)).size >= SEED, 30000, `the concurrent consumer to see every record\n${concurrent.log}`);
      await new Promise((r) => setTimeout(r, 500)); // anything extra (a duplicate) would come now
      await reader.stop();
      await concurrent.stop();
      for (const [who, c] of [['output', reader], ['concurrent consumer', concurrent]] as const) {
        const values = consumedValues(c);
        expect(duplicates(values), `duplicates in the ${who}`).toBe(0);
        expect([...new Set(values)].sort(), `the ${who} holds exactly the input`).toEqual([...inputValues].sort());
      }
    }, 180000);
  }
});
