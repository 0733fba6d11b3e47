// kafkajs over SSL listeners: a --ssl-self-signed broker (trusted through its generated CA or with
// rejectUnauthorized: false), and mutual TLS with ssl.client.auth=required where the certificate subject
// becomes the principal (checked through super.users with the authorizer on).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import type { TlsFiles } from '../../src/security/tls.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

function principals(broker: RunningBroker): string[] {
  const out: string[] = [];
  for (const b of broker.services.brokerListeners) for (const l of b.listeners) for (const c of l.connections) out.push(c.state.principal);
  return out;
}

describe('SSL listener with a self-signed certificate', () => {
  let broker: RunningBroker;
  let files: TlsFiles;
  beforeAll(async () => {
    broker = await startTestBroker({ port: undefined, listeners: 'SSL://127.0.0.1:0,PLAINTEXT://127.0.0.1:0', sslSelfSigned: true });
    files = broker.services.tlsFiles;
  });
  afterAll(() => broker?.stop());

  test('the generated CA, server and client certificates are PEM files', () => {
    for (const f of [files.ca, files.cert, files.key, files.clientCert!, files.clientKey!]) expect(readFileSync(f, 'utf8')).toMatch(/-----BEGIN/);
  });

  test('kafkajs with rejectUnauthorized: false produces and consumes; the principal is User:ANONYMOUS', async () => {
    const kafka = kafkajs(broker, { brokers: [`localhost:${broker.brokers[0].ports.SSL}`], ssl: { rejectUnauthorized: false } });
    const topic = topicName('ssl');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'over tls' }] });
    const consumer = kafka.consumer({ groupId: topicName('ssl-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got = await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) });
    });
    expect(got).toBe('over tls');
    expect(principals(broker)).toContain('User:ANONYMOUS');
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });

  test('kafkajs trusting only the generated CA verifies the certificate for localhost', async () => {
    const kafka = kafkajs(broker, { brokers: [`localhost:${broker.brokers[0].ports.SSL}`], ssl: { ca: [readFileSync(files.ca, 'utf8')] } });
    const admin = kafka.admin();
    await admin.connect();
    const meta = await admin.describeCluster();
    expect(meta.brokers[0].port).toBe(broker.brokers[0].ports.SSL);
    await admin.disconnect();
  });

  test('a client that does not trust the CA fails the handshake', async () => {
    const kafka = kafkajs(broker, { brokers: [`localhost:${broker.brokers[0].ports.SSL}`], ssl: true, retry: { retries: 0 } });
    const admin = kafka.admin();
    await expect(admin.connect()).rejects.toThrow(/certificate/i);
  });
});

describe('mutual TLS (ssl.client.auth=required)', () => {
  let broker: RunningBroker;
  let files: TlsFiles;
  const clientPrincipal = 'User:CN=client,O=kafkalite';
  beforeAll(async () => {
    broker = await startTestBroker({
      port: undefined,
      listeners: 'SSL://127.0.0.1:0,PLAINTEXT://127.0.0.1:0',
      sslSelfSigned: true,
      sslClientAuth: 'required',
      authorizer: true,
      overrides: { 'super.users': clientPrincipal },
    });
    files = broker.services.tlsFiles;
  });
  afterAll(() => broker?.stop());

  const sslBrokers = () => [`localhost:${broker.brokers[0].ports.SSL}`];

  test('with the client certificate: principal is the certificate subject (a super user here)', async () => {
    const ssl = { ca: [readFileSync(files.ca, 'utf8')], cert: readFileSync(files.clientCert!, 'utf8'), key: readFileSync(files.clientKey!, 'utf8') };
    const kafka = kafkajs(broker, { brokers: sslBrokers(), ssl });
    const topic = topicName('mtls');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'mtls' }] });
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets[0].high).toBe('1');
    expect(principals(broker)).toContain(clientPrincipal);
    await producer.disconnect();
    await admin.disconnect();
  });

  test('without a client certificate the connection is refused', async () => {
    const kafka = kafkajs(broker, { brokers: sslBrokers(), ssl: { rejectUnauthorized: false }, retry: { retries: 0 }, connectionTimeout: 2000 });
    const admin = kafka.admin();
    await expect(admin.connect()).rejects.toThrow();
  });

  test('the PLAINTEXT listener of the same broker is User:ANONYMOUS, denied by the authorizer', async () => {
    const kafka = kafkajs(broker, { brokers: [`127.0.0.1:${broker.brokers[0].ports.PLAINTEXT}`], retry: { retries: 0 } });
    const topic = topicName('hidden');
    await broker.cluster.createTopic(topic, { numPartitions: 1, replicationFactor: 1 });
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain(topic);
    await expect(admin.fetchTopicMetadata({ topics: [topic] })).rejects.toThrow('Not authorized to access topics: [Topic authorization failed]');
    await admin.disconnect();
  });
});
