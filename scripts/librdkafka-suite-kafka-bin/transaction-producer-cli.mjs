// Stand-in for librdkafka's tests/java/TransactionProducerCli.java (test 0098: a librdkafka consumer reading what a Java
// transactional producer wrote), with kafkajs's idempotent / transactional producer and its Java-compatible partitioner.
// Same arguments: the bootstrap servers, then commands "topic,T", "testid,ID", "sleep,MS", "exit,CODE" and
// "producerN, PARTITION(-1 = by key), ID_START, COUNT, TransactionType, DoFlush|DontFlush". Keys are one byte
// (ID_START + i), values 0x10 0x20 0x30 0x40. An "exit" leaves open transactions open, as System.exit does in Java;
// at the end they are aborted, as KafkaProducer.close() does.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../package.json', import.meta.url));
const { Kafka, logLevel, Partitioners } = require('kafkajs');

const [bootstrap, ...commands] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'transaction-producer-cli', brokers: bootstrap.split(','), logLevel: logLevel.WARN });
const PAYLOAD = Buffer.from([0x10, 0x20, 0x30, 0x40]);
const producers = new Map(); // name -> { producer, txn }
let topic;
let testid;

async function producerFor(name, transactional) {
  let p = producers.get(name);
  if (!p) {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: transactional ? `test-transactional-id-${testid}-${name}` : undefined,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    producers.set(name, (p = { producer, txn: null }));
  }
  return p;
}

async function produce([name, partition, idStart, count, type]) {
  const p = await producerFor(name, type !== 'None');
  if (type.startsWith('Begin')) p.txn = await p.producer.transaction();
  else if (type !== 'None' && !p.txn) throw new Error(`${name}: ${type} without an open transaction`);
  const part = Number(partition);
  const messages = Array.from({ length: Number(count) }, (_, i) => ({
    key: Buffer.from([(Number(idStart) + i) & 0xff]),
    value: PAYLOAD,
    ...(part === -1 ? {} : { partition: part }),
  }));
  // kafkajs sends at once and waits for the acks, which is what DoFlush asks; DontFlush only changes Java's batching.
  await (type === 'None' ? p.producer : p.txn).send({ topic, messages });
  if (type.endsWith('Commit')) await p.txn.commit();
  if (type.endsWith('Abort')) await p.txn.abort();
  if (type.endsWith('Commit') || type.endsWith('Abort')) p.txn = null;
}

for (const arg of commands) {
  const cmd = arg.split(/\s*,\s*/);
  process.stdout.write(`transaction-producer-cli: command: '${arg}'\n`);
  if (cmd[0] === 'sleep') await new Promise((r) => setTimeout(r, Number(cmd[1])));
  else if (cmd[0] === 'exit') process.exit(Number(cmd[1]));
  else if (cmd[0] === 'topic') topic = cmd[1];
  else if (cmd[0] === 'testid') testid = cmd[1];
  else if (cmd[0].startsWith('producer')) await produce(cmd);
  else throw new Error(`Unknown command: ${arg}`);
}
// Java's KafkaProducer.close() aborts a transaction still open.
for (const { producer, txn } of producers.values()) {
  if (txn) await txn.abort();
  await producer.disconnect();
}
