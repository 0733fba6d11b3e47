// kafkajs admin createAcls / describeAcls / deleteAcls against the authorizer, and what the ACLs do to
// SASL users (as kafkajs's own createAcls suite: DENY bob, ALLOW alice, allow.everyone.if.no.acl.found=true).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type Admin, type SASLOptions } from 'kafkajs';
import { parseCli } from '../../src/cli.js';
import { startBroker, type RunningBroker } from '../../src/kafkalite.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

const USERS = 'test:testtest,bob:bobbob,alice:alicealice,admin:adminadmin';

describe('ACLs with allow.everyone.if.no.acl.found=true (kafkajs-suite setup)', () => {
  let broker: RunningBroker;
  const admins: Admin[] = [];
  beforeAll(async () => {
    broker = await startTestBroker({
      port: undefined,
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      saslUsers: USERS,
      overrides: { 'allow.everyone.if.no.acl.found': 'true' },
    });
  });
  afterAll(async () => {
    for (const a of admins) await a.disconnect();
    await broker?.stop();
  });

  const as = (username: string) =>
    kafkajs(broker, {
      brokers: [`127.0.0.1:${broker.brokers[0].ports.SASL_PLAINTEXT}`],
      sasl: { mechanism: 'plain', username, password: username === 'test' ? 'testtest' : username.repeat(2) } as SASLOptions,
      retry: { retries: 0 },
    });
  async function adminAs(username: string): Promise<Admin> {
    const a = as(username).admin();
    await a.connect();
    admins.push(a);
    return a;
  }

  test('an ACL names the client host it applies to: DENY on 127.0.0.1 refuses bob, DENY on another host does not', async () => {
    const [denied, other] = [topicName('acl-host'), topicName('acl-other-host')];
    const admin = await adminAs('test');
    await admin.createTopics({ topics: [{ topic: denied, numPartitions: 1 }, { topic: other, numPartitions: 1 }] });
    const deny = (topic: string, host: string) => ({ resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:bob', host, operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.DENY });
    const allow = (topic: string) => ({ ...deny(topic, '*'), permissionType: AclPermissionTypes.ALLOW });
    await admin.createAcls({ acl: [deny(denied, '127.0.0.1'), allow(denied), deny(other, '10.0.0.1'), allow(other)] });
    const bob = await adminAs('bob');
    await expect(bob.fetchTopicMetadata({ topics: [denied] })).rejects.toThrow('Not authorized to access topics: [Topic authorization failed]');
    await expect(bob.fetchTopicMetadata({ topics: [other] })).resolves.toBeTruthy();
  });

  test('DENY for bob and ALLOW for alice on a topic: bob is refused, alice is not, then deleteAcls lifts it', async () => {
    const topic = topicName('acl');
    const admin = await adminAs('test');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const acl = [
      { resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:bob', host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.DENY },
      { resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW },
    ];
    await expect(admin.createAcls({ acl })).resolves.toEqual(true);

    const described = await admin.describeAcls({
      resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: undefined, host: undefined, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY,
    } as any);
    expect(described.resources).toHaveLength(1);
    expect(described.resources[0]).toMatchObject({ resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL });
    expect(described.resources[0].acls).toEqual(expect.arrayContaining([
      { principal: 'User:bob', host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.DENY },
      { principal: 'User:alice', host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW },
    ]));

    const bob = await adminAs('bob');
    await expect(bob.fetchTopicMetadata({ topics: [topic] })).rejects.toThrow('Not authorized to access topics: [Topic authorization failed]');
    const bobProducer = as('bob').producer();
    await bobProducer.connect();
    await expect(bobProducer.send({ topic, messages: [{ value: 'no' }] })).rejects.toThrow('Not authorized to access topics: [Topic authorization failed]');
    await bobProducer.disconnect();

    const alice = await adminAs('alice');
    await expect(alice.fetchTopicMetadata({ topics: [topic] })).resolves.toBeTruthy();
    // No ACL names this topic for test's operations except bob's and alice's: test is not matched, so denied.
    await expect(admin.fetchTopicMetadata({ topics: [topic] })).rejects.toThrow('Not authorized');

    const deleted = await admin.deleteAcls({
      filters: [{ resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:bob', host: '*', operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY } as any],
    });
    expect(deleted.filterResponses[0].errorCode).toBe(0);
    expect(deleted.filterResponses[0].matchingAcls).toEqual([
      expect.objectContaining({ principal: 'User:bob', resourceName: topic, operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.DENY }),
    ]);
    // alice's ALLOW still exists, so bob (not allowed) stays out; deleting it restores allow-everyone.
    await expect(bob.fetchTopicMetadata({ topics: [topic] })).rejects.toThrow('Not authorized');
    await admin.deleteAcls({ filters: [{ resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.ANY, principal: undefined, host: undefined, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY } as any] });
    await expect(bob.fetchTopicMetadata({ topics: [topic] })).resolves.toBeTruthy();
  });

  test('PREFIXED ACLs: a DENY WRITE on a prefix stops produce but leaves describe (and other prefixes) alone', async () => {
    const prefix = topicName('pfx');
    const topic = `${prefix}-orders`;
    const other = topicName('other');
    const admin = await adminAs('test');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }, { topic: other, numPartitions: 1 }] });
    await admin.createAcls({
      acl: [
        { resourceType: AclResourceTypes.TOPIC, resourceName: prefix, resourcePatternType: ResourcePatternTypes.PREFIXED, principal: 'User:bob', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY },
        { resourceType: AclResourceTypes.TOPIC, resourceName: prefix, resourcePatternType: ResourcePatternTypes.PREFIXED, principal: 'User:*', host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW },
      ],
    });
    const producer = as('bob').producer();
    await producer.connect();
    await expect(producer.send({ topic, messages: [{ value: 'x' }] })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    await expect(producer.send({ topic: other, messages: [{ value: 'x' }] })).resolves.toHaveLength(1);
    await producer.disconnect();
    const alice = as('alice').producer();
    await alice.connect();
    await expect(alice.send({ topic, messages: [{ value: 'x' }] })).resolves.toHaveLength(1);
    await alice.disconnect();

    // MATCH finds the prefixed bindings that apply to a concrete topic name.
    const match = await admin.describeAcls({
      resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.MATCH,
      principal: undefined, host: undefined, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY,
    } as any);
    expect(match.resources.map((r) => [r.resourceName, r.resourcePatternType])).toEqual([[prefix, ResourcePatternTypes.PREFIXED]]);
    expect(match.resources[0].acls).toHaveLength(2);
  });

  test('invalid ACLs are refused one by one with INVALID_REQUEST', async () => {
    const admin = await adminAs('test');
    await expect(admin.createAcls({
      acl: [{ resourceType: AclResourceTypes.CLUSTER, resourceName: 'not-the-cluster', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:bob', host: '*', operation: AclOperationTypes.ALTER, permissionType: AclPermissionTypes.ALLOW }],
    })).rejects.toMatchObject({ type: 'INVALID_REQUEST' });
    await expect(admin.createAcls({
      acl: [{ resourceType: AclResourceTypes.TOPIC, resourceName: 'x', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'bob', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW }],
    })).rejects.toMatchObject({ type: 'INVALID_REQUEST' });
    // kafkajs shows only the code; the broker's messages are Kafka's.
    const errors = await broker.services.acl.create([
      { resourceType: 4, resourceName: 'not-the-cluster', patternType: 3, principal: 'User:bob', host: '*', operation: 7, permissionType: 3 },
      { resourceType: 2, resourceName: 'x', patternType: 3, principal: 'bob', host: '*', operation: 3, permissionType: 3 },
      { resourceType: 2, resourceName: 'x', patternType: 2, principal: 'User:bob', host: '*', operation: 3, permissionType: 3 },
    ]);
    expect(errors.map((e: Error | null) => e?.message)).toEqual([
      'The only valid name for the CLUSTER resource is kafka-cluster',
      'expected a string in format principalType:principalName but got bob',
      'Invalid patternType 2',
    ]);
  });
});

describe('ACLs with the default allow.everyone.if.no.acl.found=false', () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startTestBroker({
      port: undefined,
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      saslUsers: USERS,
      authorizer: true,
      overrides: { 'super.users': 'User:admin' },
    });
  });
  afterAll(() => broker?.stop());

  const as = (username: string, password = username.repeat(2)) =>
    kafkajs(broker, {
      brokers: [`127.0.0.1:${broker.brokers[0].ports.SASL_PLAINTEXT}`],
      sasl: { mechanism: 'scram-sha-256', username, password } as SASLOptions,
      retry: { retries: 0 },
    });

  test('only the super user may manage ACLs; an ALLOW grants exactly what it names', async () => {
    const topic = topicName('strict');
    const admin = as('admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });

    const bob = as('bob').admin();
    await bob.connect();
    await expect(bob.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY } as any))
      .rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
    await expect(bob.fetchTopicMetadata({ topics: [topic] })).rejects.toThrow('Not authorized');

    await admin.createAcls({
      acl: [{ resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:bob', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW }],
    });
    // WRITE implies DESCRIBE, so metadata works; WRITE does not imply READ.
    await expect(bob.fetchTopicMetadata({ topics: [topic] })).resolves.toBeTruthy();
    const producer = as('bob').producer();
    await producer.connect();
    await expect(producer.send({ topic, messages: [{ value: 'granted' }] })).resolves.toHaveLength(1);
    await producer.disconnect();
    const offsets = await bob.fetchTopicOffsets(topic);
    expect(offsets[0].high).toBe('1');

    const all = await admin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY } as any);
    expect(all.resources.map((r) => r.resourceName)).toContain(topic);
    await bob.disconnect();
    await admin.disconnect();
  });

  test('ACLs persist through the metadata store', async () => {
    const saved = await broker.cluster.storage.loadMeta<any[]>('acls');
    expect(saved?.some((b) => b.principal === 'User:bob' && b.operation === AclOperationTypes.WRITE)).toBe(true);
  });
});

describe('without an authorizer', () => {
  test('ACL requests answer SECURITY_DISABLED', async () => {
    const broker = await startTestBroker();
    try {
      const admin = kafkajs(broker, { retry: { retries: 0 } }).admin();
      await admin.connect();
      await expect(admin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY } as any))
        .rejects.toMatchObject({ type: 'SECURITY_DISABLED' });
      await admin.disconnect();
    } finally {
      await broker.stop();
    }
  });
});

describe('the kafkajs-suite preset (3 brokers, SSL + SASL_SSL, allow.everyone.if.no.acl.found=true)', () => {
  test("kafkajs's own createAcls scenario over SASL_SSL: bob denied, alice allowed", async () => {
    const { opts } = parseCli(['--preset', 'kafkajs-suite', '--memory', '--listeners', 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0', '--log-level', 'silent'], {});
    const broker = await startBroker(opts);
    try {
      const saslBrokers = broker.brokers.map((b) => `localhost:${b.ports.SASL_SSL}`);
      const as = (username: string, password: string) =>
        kafkajs(broker, { brokers: saslBrokers, ssl: { rejectUnauthorized: false }, sasl: { mechanism: 'plain', username, password }, retry: { retries: 0 } }).admin();
      const topic = topicName('suite-acl');
      const admin = as('test', 'testtest');
      await admin.connect();
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 2 }] });
      await expect(admin.createAcls({
        acl: [
          { resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:bob', host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.DENY },
          { resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW },
        ],
      })).resolves.toEqual(true);
      await admin.disconnect();
      const bob = as('bob', 'bobbob');
      await bob.connect();
      await expect(bob.fetchTopicMetadata({ topics: [topic] })).rejects.toThrow('Not authorized to access topics: [Topic authorization failed]');
      await bob.disconnect();
      const alice = as('alice', 'alicealice');
      await alice.connect();
      await expect(alice.fetchTopicMetadata({ topics: [topic] })).resolves.toBeTruthy();
      await alice.disconnect();
      // The preset's SCRAM user has a different password per mechanism.
      const scram = kafkajs(broker, { brokers: saslBrokers, ssl: { rejectUnauthorized: false }, sasl: { mechanism: 'scram-sha-512', username: 'testscram', password: 'testtestscram=512' }, retry: { retries: 0 } }).admin();
      await scram.connect();
      await expect(scram.listTopics()).resolves.toBeTruthy();
      await scram.disconnect();
    } finally {
      await broker.stop();
    }
  });
});
