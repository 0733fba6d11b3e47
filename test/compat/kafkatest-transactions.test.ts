// Kafka's transactions_test.py, ported: exactly-once copying while things fail. Copiers (its
// TransactionalMessageCopier, here test/compat/clients/txn_copier.py over librdkafka 2.0.2) each copy one input
// partition to an output topic in transactions that also commit their consumer offsets, while the brokers are
// bounced (cleanly, or killed and restarted) or the copiers themselves are killed and restarted (a new copier with the
// same transactional id fences the old one and aborts its open transaction). A read_committed consumer reads the
// output meanwhile. The system test's checks: the output holds every input record exactly once, and so does what the
// concurrent consumer saw.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { waitFor } from '../cluster/helpers.js';
import { acked, conf, consumedValues, hasKafkatest, JsonLinesProcess, verifiableClient } from './clients/json-lines.js';
import { startTestBroker, topicName } from './helpers.js';

if (!hasKafkatest) console.warn('kafkatest-transactions.test.ts skipped: /usr/bin/python3 cannot import confluent_kafka.kafkatest (apt-get install python3-confluent-kafka)');

let b: RunningBroker | undefined;
const procs: JsonLinesProcess[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill()));
  await b?.stop();
  b = undefined;
});
const track = <T extends JsonLinesProcess>(p: T): T => (procs.push(p), p);

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
      const seeder = track(verifiableClient('producer', b.bootstrap, ['--topic', input, '--max-messages', String(SEED), '--acks', '-1', ...conf('enable.idempotence=true')]));
      await seeder.exited;
      const inputValues = acked(seeder);
      expect(inputValues).toHaveLength(SEED);

      const group = topicName('kt-txn-copiers');
      const copier = (partition: number) => track(new JsonLinesProcess('txn_copier.py', ['--broker-list', b!.bootstrap, '--input-topic', input,
        '--input-partition', String(partition), '--output-topic', output, '--transactional-id', `${group}-copier-${partition}`,
        '--group-id', group, '--transaction-size', '150', '--pause-ms', '30']));
      const copiers = [copier(0), copier(1)];
      // librdkafka's consumers read committed records only by default (isolation.level=read_committed).
      const concurrent = track(verifiableClient('consumer', b.bootstrap, ['--topic', output, '--group-id', topicName('kt-txn-concurrent'), '--verbose']));
      const progress = () => copiers.reduce((n, c) => n + c.named('progress').length, 0);
      const logs = () => copiers.map((c) => c.log).join('\n---\n');

      if (target === 'brokers') {
        for (const id of [0, 1, 2]) {
          const before = progress();
          await waitFor(() => progress() > before + 2, 30000, `the copiers to commit transactions before broker ${id} goes\n${logs()}`);
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
      const reader = track(verifiableClient('consumer', b.bootstrap, ['--topic', output, '--group-id', topicName('kt-txn-reader'), '--verbose']));
      await waitFor(() => consumedValues(reader).length >= SEED, 30000, `the output to be read\n${reader.log}`);
      await waitFor(() => new Set(consumedValues(concurrent)).size >= SEED, 30000, `the concurrent consumer to see every record\n${concurrent.log}`);
      await new Promise((r) => setTimeout(r, 500)); // anything extra (a duplicate) would come now
      await reader.stop();
      await concurrent.stop();
      for (const [who, c] of [['output', reader], ['concurrent consumer', concurrent]] as const) {
        const values = consumedValues(c);
        expect(values.length - new Set(values).size, `duplicates in the ${who}`).toBe(0);
        expect([...new Set(values)].sort(), `the ${who} holds exactly the input`).toEqual([...inputValues].sort());
      }
    }, 180000);
  }
});
