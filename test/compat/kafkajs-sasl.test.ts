// kafkajs authenticating over SASL_SSL and SASL_PLAINTEXT: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (with the
// kafkajs-suite preset's per-mechanism SCRAM passwords), OAUTHBEARER with unsecured JWTs, wrong passwords,
// and re-authentication when the broker sets a session lifetime (KIP-368).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { KafkaJSSASLAuthenticationError, type SASLOptions } from 'kafkajs';
import type { RunningBroker } from '../../src/kafkalite.js';
import { unsecuredJwt } from '../security/raw-client.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

const USERS = 'test:testtest,bob:bobbob,alice:alicealice';
const SCRAM_USERS = { testscram: { 'SCRAM-SHA-256': 'testtestscram=256', 'SCRAM-SHA-512': 'testtestscram=512' } };

function principals(broker: RunningBroker): string[] {
  const out: string[] = [];
  for (const b of broker.services.brokerListeners) for (const l of b.listeners) for (const c of l.connections) out.push(c.state.principal);
  return out;
}

describe('kafkajs SASL', () => {
  let broker: RunningBroker;
  let topic: string;
  beforeAll(async () => {
    broker = await startTestBroker({
      port: undefined,
      listeners: 'SASL_SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      sslSelfSigned: true,
      saslUsers: USERS,
      scramUsers: SCRAM_USERS,
    });
    topic = topicName('sasl');
    await broker.cluster.createTopic(topic, { numPartitions: 1, replicationFactor: 1 });
  });
  afterAll(() => broker?.stop());

  const client = (sasl: SASLOptions, listener: 'SASL_SSL' | 'SASL_PLAINTEXT' = 'SASL_SSL', extra = {}) =>
    kafkajs(broker, {
      brokers: [`localhost:${broker.brokers[0].ports[listener]}`],
      ssl: listener === 'SASL_SSL' ? { rejectUnauthorized: false } : undefined,
      sasl,
      retry: { retries: 0 },
      ...extra,
    });

  async function roundTrip(sasl: SASLOptions, listener: 'SASL_SSL' | 'SASL_PLAINTEXT' = 'SASL_SSL'): Promise<void> {
    const kafka = client(sasl, listener);
    const producer = kafka.producer();
    await producer.connect();
    const value = `${sasl.mechanism} ${Math.random()}`;
    const [res] = await producer.send({ topic, messages: [{ value }] });
    expect(res.errorCode).toBe(0);
    await producer.disconnect();
  }

  test.each([
    ['plain', 'test', 'testtest'],
    ['scram-sha-256', 'test', 'testtest'],
    ['scram-sha-512', 'alice', 'alicealice'],
    ['scram-sha-256', 'testscram', 'testtestscram=256'],
    ['scram-sha-512', 'testscram', 'testtestscram=512'],
  ] as const)('%s as %s over SASL_SSL', async (mechanism, username, password) => {
    await roundTrip({ mechanism, username, password } as SASLOptions);
    expect(principals(broker)).toContain(`User:${username}`);
  });

  test('PLAIN and SCRAM over SASL_PLAINTEXT, and a consumer group', async () => {
    await roundTrip({ mechanism: 'plain', username: 'bob', password: 'bobbob' }, 'SASL_PLAINTEXT');
    const kafka = client({ mechanism: 'scram-sha-512', username: 'bob', password: 'bobbob' }, 'SASL_PLAINTEXT');
    const consumer = kafka.consumer({ groupId: topicName('sasl-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const first = await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) });
    });
    expect(first).toMatch(/^(plain|scram)/);
    await consumer.disconnect();
  });

  test.each([
    ['plain', 'test', 'wrong'],
    ['plain', 'nobody', 'testtest'],
    ['scram-sha-256', 'test', 'wrong'],
    ['scram-sha-512', 'nobody', 'x'],
    // each SCRAM mechanism has its own password for testscram
    ['scram-sha-512', 'testscram', 'testtestscram=256'],
    // testscram has no PLAIN password
    ['plain', 'testscram', 'testtestscram=256'],
  ] as const)('%s as %s with a wrong password fails with KafkaJSSASLAuthenticationError', async (mechanism, username, password) => {
    const producer = client({ mechanism, username, password } as SASLOptions).producer();
    const err = await producer.connect().then(() => null, (e) => e);
    expect(err).toBeInstanceOf(KafkaJSSASLAuthenticationError);
    expect(err.message).toMatch(mechanism === 'plain' ? /Invalid username or password/ : /invalid credentials with SASL mechanism SCRAM/);
  });

  test('OAUTHBEARER with an unsecured JWT: the sub claim is the principal', async () => {
    const sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: unsecuredJwt({ sub: 'jwt-user', exp: Math.floor(Date.now() / 1000) + 3600, iat: Math.floor(Date.now() / 1000) }) }),
    } as SASLOptions;
    await roundTrip(sasl);
    await roundTrip(sasl, 'SASL_PLAINTEXT');
    expect(principals(broker)).toContain('User:jwt-user');
  });

  test('OAUTHBEARER with an expired token does not get in', async () => {
    const sasl = { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: unsecuredJwt({ sub: 'late', exp: 1000 }) }) } as SASLOptions;
    const admin = client(sasl, 'SASL_SSL', { connectionTimeout: 2000, requestTimeout: 2000 }).admin();
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    await admin.disconnect();
    expect(principals(broker)).not.toContain('User:late');
  });
});

describe('kafkajs re-authentication (connections.max.reauth.ms)', () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startTestBroker({
      port: undefined,
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      saslUsers: USERS,
      overrides: { 'connections.max.reauth.ms': '1500' },
    });
  });
  afterAll(() => broker?.stop());

  test.each(['plain', 'scram-sha-256'] as const)('%s: kafkajs re-authenticates on the same connection when the session lifetime runs out', async (mechanism) => {
    const topic = topicName('reauth');
    await broker.cluster.createTopic(topic, { numPartitions: 1, replicationFactor: 1 });
    const kafka = kafkajs(broker, {
      brokers: [`127.0.0.1:${broker.brokers[0].ports.SASL_PLAINTEXT}`],
      sasl: { mechanism, username: 'alice', password: 'alicealice' } as SASLOptions,
      reauthenticationThreshold: 1000,
    });
    const producer = kafka.producer();
    await producer.connect();
    const before = broker.services.sasl.stats.reauthentications;
    await producer.send({ topic, messages: [{ value: 'one' }] });
    await new Promise((r) => setTimeout(r, 700));
    await producer.send({ topic, messages: [{ value: 'two' }] });
    expect(broker.services.sasl.stats.reauthentications).toBeGreaterThan(before);
    await producer.disconnect();
  });
});
