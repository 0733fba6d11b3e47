// Cross-check against an independent decoder: responses our codec encodes, at every version kafkajs 2.2.4
// implements, decode and parse with kafkajs's own response decoders to the values we put in.
import { describe, expect, it } from 'vitest';
import { API_SCHEMAS } from '../../src/protocol/generated/index.js';
import { kafkajsDecodeResponse, kafkajsRecordBatch, kafkajsRequire, kafkajsVersions, ourEncodeResponse } from './helpers/kafkajs.js';

interface Spec { dir: string; key: number; body: (v: number) => any; want: (v: number) => any; args?: any; check?: (got: any, v: number) => void }

const MESSAGES = [
  { key: 'k-ü', value: 'v'.repeat(100), headers: { h: 'x' }, timestamp: 1_700_000_000_000 },
  { key: null, value: 'second 🚀', timestamp: 1_700_000_000_001 },
];
const BATCH = await kafkajsRecordBatch(MESSAGES);
const MessageSet = kafkajsRequire('messageSet');
const MESSAGE_SET = (v: number) => Buffer.from(MessageSet({ messageVersion: v >= 2 ? 1 : 0, entries: MESSAGES.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp })) }).buffer);
const BROKERS = [{ nodeId: 1, host: 'bröker-1', port: 9092, rack: 'r1' }, { nodeId: 2, host: 'b2', port: 9093, rack: null }];

const SPECS: Spec[] = [
  {
    dir: 'produce', key: 0,
    body: () => ({ throttleTimeMs: 0, responses: [{ name: 'pt', partitionResponses: [{ index: 1, errorCode: 0, baseOffset: 12345678901, logAppendTimeMs: -1, logStartOffset: 7 }] }] }),
    want: (v) => ({ topics: [{ topicName: 'pt', partitions: [{ partition: 1, errorCode: 0, ...(v < 3 ? { offset: '12345678901' } : { baseOffset: '12345678901', logAppendTime: '-1' }), ...(v === 2 && { timestamp: '-1' }), ...(v >= 5 && { logStartOffset: '7' }) }] }] }),
  },
  {
    dir: 'fetch', key: 1,
    body: (v) => ({ throttleTimeMs: 5, errorCode: 0, sessionId: 77, responses: [{ topic: 'ft', partitions: [
      { partitionIndex: 0, errorCode: 0, highWatermark: 1000, lastStableOffset: 990, logStartOffset: 3, abortedTransactions: [{ producerId: 9, firstOffset: 900 }], preferredReadReplica: -1, records: v >= 4 ? BATCH : MESSAGE_SET(v) },
      { partitionIndex: 1, errorCode: 0, highWatermark: 0, lastStableOffset: 0, abortedTransactions: null, records: null }] }] }),
    want: (v) => ({ ...(v >= 1 && v < 8 && { throttleTime: 5 }), ...(v >= 8 && { clientSideThrottleTime: 5 }), ...(v >= 7 && { errorCode: 0, sessionId: 77 }),
      responses: [{ topicName: 'ft', partitions: [
        { partition: 0, errorCode: 0, highWatermark: '1000', ...(v >= 4 && { lastStableOffset: '990', abortedTransactions: [{ producerId: '9', firstOffset: '900' }] }), ...(v >= 5 && { lastStartOffset: '3' }), ...(v >= 11 && { preferredReadReplica: -1 }),
          messages: [{ offset: '0', key: Buffer.from('k-ü'), value: Buffer.from('v'.repeat(100)), ...(v >= 2 && { timestamp: '1700000000000' }), ...(v >= 4 && { headers: { h: Buffer.from('x') } }) },
            { offset: '1', key: null, value: Buffer.from('second 🚀'), ...(v >= 2 && { timestamp: '1700000000001' }) }] },
        { partition: 1, errorCode: 0, highWatermark: '0', messages: [], ...(v >= 4 && { abortedTransactions: [] }), ...(v >= 5 && { lastStartOffset: '-1' }) }] }] }),
  },
  {
    dir: 'metadata', key: 3,
    body: () => ({ throttleTimeMs: 0, brokers: BROKERS, clusterId: 'clüster', controllerId: 2, topics: [
      { errorCode: 0, name: 'mt', isInternal: false, partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 4, replicaNodes: [1, 2], isrNodes: [1], offlineReplicas: [2] }] }] }),
    want: (v) => ({ ...(v >= 2 && { clusterId: 'clüster' }), ...(v >= 1 && { controllerId: 2 }),
      brokers: [{ nodeId: 1, host: 'bröker-1', port: 9092, ...(v >= 1 && { rack: 'r1' }) }, { nodeId: 2, host: 'b2', port: 9093, ...(v >= 1 && { rack: null }) }],
      topicMetadata: [{ topicErrorCode: 0, topic: 'mt', ...(v >= 1 && { isInternal: false }), partitionMetadata: [{ partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1, 2], isr: [1], ...(v >= 5 && { offlineReplicas: [2] }) }] }] }),
  },
  {
    dir: 'apiVersions', key: 18,
    body: () => ({ errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }], throttleTimeMs: 0 }),
    want: (v) => ({ errorCode: 0, apiVersions: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }], ...(v >= 1 && { throttleTime: 0 }) }),
  },
  { dir: 'listOffsets', key: 2, body: () => ({ throttleTimeMs: 0, topics: [{ name: 'lo', partitions: [{ partitionIndex: 0, errorCode: 0, oldStyleOffsets: [5, 3], timestamp: 1_700_000_000_000, offset: 42 }] }] }), want: (v) => ({ responses: [{ topic: 'lo', partitions: [{ partition: 0, errorCode: 0, ...(v === 0 ? { offsets: ['5', '3'] } : { timestamp: '1700000000000', offset: '42' }) }] }] }) },
  { dir: 'offsetCommit', key: 8, body: () => ({ throttleTimeMs: 0, topics: [{ name: 'oc', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 0 }] }] }), want: () => ({ responses: [{ topic: 'oc', partitions: [{ partition: 0, errorCode: 0 }, { partition: 1, errorCode: 0 }] }] }) },
  { dir: 'offsetFetch', key: 9, body: () => ({ throttleTimeMs: 0, errorCode: 0, topics: [{ name: 'of', partitions: [{ partitionIndex: 0, committedOffset: 99, committedLeaderEpoch: 3, metadata: 'mé', errorCode: 0 }, { partitionIndex: 1, committedOffset: -1, metadata: null, errorCode: 0 }] }] }), want: (v) => ({ ...(v >= 2 && { errorCode: 0 }), responses: [{ topic: 'of', partitions: [{ partition: 0, offset: '99', metadata: 'mé', errorCode: 0 }, { partition: 1, offset: '-1', metadata: null, errorCode: 0 }] }] }) },
  { dir: 'findCoordinator', key: 10, body: () => ({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 3, host: 'coord', port: 9094 }), want: (v) => ({ errorCode: 0, coordinator: { nodeId: 3, host: 'coord', port: 9094 }, ...(v >= 1 && { errorMessage: null }) }) },
  { dir: 'joinGroup', key: 11, body: () => ({ throttleTimeMs: 0, errorCode: 0, generationId: 8, protocolName: 'RoundRobinAssigner', leader: 'm-1', memberId: 'm-1', members: [{ memberId: 'm-1', groupInstanceId: 'i-1', metadata: Buffer.from([1, 2, 3]) }] }), want: (v) => ({ errorCode: 0, generationId: 8, groupProtocol: 'RoundRobinAssigner', leaderId: 'm-1', memberId: 'm-1', members: [{ memberId: 'm-1', memberMetadata: Buffer.from([1, 2, 3]), ...(v >= 5 && { groupInstanceId: 'i-1' }) }] }) },
  { dir: 'heartbeat', key: 12, body: () => ({ throttleTimeMs: 0, errorCode: 0 }), want: () => ({ errorCode: 0 }) },
  { dir: 'leaveGroup', key: 13, body: () => ({ throttleTimeMs: 0, errorCode: 0, members: [{ memberId: 'm', groupInstanceId: null, errorCode: 0 }] }), want: (v) => ({ errorCode: 0, ...(v >= 3 && { members: [{ memberId: 'm', groupInstanceId: null, errorCode: 0 }] }) }) },
  { dir: 'syncGroup', key: 14, body: () => ({ throttleTimeMs: 0, errorCode: 0, assignment: Buffer.from('assignment') }), want: () => ({ errorCode: 0, memberAssignment: Buffer.from('assignment') }) },
  { dir: 'describeGroups', key: 15, body: () => ({ throttleTimeMs: 0, groups: [{ errorCode: 0, groupId: 'g', groupState: 'Stable', protocolType: 'consumer', protocolData: 'RoundRobinAssigner',
    members: [{ memberId: 'm', groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', memberMetadata: Buffer.from([9]), memberAssignment: Buffer.from([8, 7]) }] }] }), want: () => ({ groups: [{ errorCode: 0, groupId: 'g', state: 'Stable', protocolType: 'consumer', protocol: 'RoundRobinAssigner',
      members: [{ memberId: 'm', clientId: 'c', clientHost: '/127.0.0.1', memberMetadata: Buffer.from([9]), memberAssignment: Buffer.from([8, 7]) }] }] }) },
  { dir: 'listGroups', key: 16, body: () => ({ throttleTimeMs: 0, errorCode: 0, groups: [{ groupId: 'g1', protocolType: 'consumer' }, { groupId: 'g2', protocolType: '' }] }), want: () => ({ errorCode: 0, groups: [{ groupId: 'g1', protocolType: 'consumer' }, { groupId: 'g2', protocolType: '' }] }) },
  { dir: 'saslHandshake', key: 17, body: () => ({ errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] }), want: () => ({ errorCode: 0, enabledMechanisms: ['PLAIN', 'SCRAM-SHA-256'] }) },
  { dir: 'createTopics', key: 19, body: () => ({ throttleTimeMs: 0, topics: [{ name: 'ct', errorCode: 0, errorMessage: null }] }), want: (v) => ({ topicErrors: [{ topic: 'ct', errorCode: 0, ...(v >= 1 && { errorMessage: null }) }] }) },
  { dir: 'deleteTopics', key: 20, body: () => ({ throttleTimeMs: 0, responses: [{ name: 'dt', errorCode: 0 }] }), want: () => ({ topicErrors: [{ topic: 'dt', errorCode: 0 }] }) },
  { dir: 'deleteRecords', key: 21, body: () => ({ throttleTimeMs: 0, topics: [{ name: 'dr', partitions: [{ partitionIndex: 0, lowWatermark: 77, errorCode: 0 }] }] }), want: () => ({ topics: [{ topic: 'dr', partitions: [{ partition: 0, lowWatermark: 77n, errorCode: 0 }] }] }) },
  { dir: 'initProducerId', key: 22, body: () => ({ throttleTimeMs: 0, errorCode: 0, producerId: 1234567890123, producerEpoch: 3 }), want: () => ({ errorCode: 0, producerId: '1234567890123', producerEpoch: 3 }) },
  { dir: 'addPartitionsToTxn', key: 24, body: () => ({ throttleTimeMs: 0, resultsByTopicV3AndBelow: [{ name: 'at', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 0 }] }] }), want: () => ({ errors: [{ topic: 'at', partitionErrors: [{ partition: 0, errorCode: 0 }] }] }) },
  { dir: 'addOffsetsToTxn', key: 25, body: () => ({ throttleTimeMs: 0, errorCode: 0 }), want: () => ({ errorCode: 0 }) },
  { dir: 'endTxn', key: 26, body: () => ({ throttleTimeMs: 0, errorCode: 0 }), want: () => ({ errorCode: 0 }) },
  { dir: 'txnOffsetCommit', key: 28, body: () => ({ throttleTimeMs: 0, topics: [{ name: 'to', partitions: [{ partitionIndex: 1, errorCode: 0 }] }] }), want: () => ({ topics: [{ topic: 'to', partitions: [{ partition: 1, errorCode: 0 }] }] }) },
  { dir: 'describeAcls', key: 29, body: () => ({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, resources: [{ resourceType: 2, resourceName: 't', patternType: 3, acls: [{ principal: 'User:alice', host: '*', operation: 3, permissionType: 3 }] }] }), want: (v) => ({ errorCode: 0, errorMessage: null, resources: [{ resourceType: 2, resourceName: 't', ...(v >= 1 && { resourcePatternType: 3 }), acls: [{ principal: 'User:alice', host: '*', operation: 3, permissionType: 3 }] }] }) },
  { dir: 'createAcls', key: 30, body: () => ({ throttleTimeMs: 0, results: [{ errorCode: 0, errorMessage: null }] }), want: () => ({ creationResponses: [{ errorCode: 0, errorMessage: null }] }) },
  { dir: 'deleteAcls', key: 31, body: () => ({ throttleTimeMs: 0, filterResults: [{ errorCode: 0, errorMessage: null, matchingAcls: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't', patternType: 3, principal: 'User:bob', host: '*', operation: 2, permissionType: 3 }] }] }), want: (v) => ({ filterResponses: [{ errorCode: 0, errorMessage: null, matchingAcls: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't', ...(v >= 1 && { resourcePatternType: 3 }), principal: 'User:bob', host: '*', operation: 2, permissionType: 3 }] }] }) },
  { dir: 'describeConfigs', key: 32, body: () => ({ throttleTimeMs: 0, results: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'tc', configs: [
    { name: 'retention.ms', value: '1000', readOnly: false, isDefault: false, configSource: 1, isSensitive: false, synonyms: [{ name: 'log.retention.ms', value: '1000', source: 4 }], configType: 5, documentation: 'docs' },
    { name: 'secret', value: null, readOnly: true, isDefault: true, configSource: 5, isSensitive: true, synonyms: [] }] }] }), want: (v) => ({ resources: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'tc', configEntries: [
      { configName: 'retention.ms', configValue: '1000', readOnly: false, isDefault: false, isSensitive: false, ...(v >= 1 && { configSource: 1, configSynonyms: [{ configName: 'log.retention.ms', configValue: '1000', configSource: 4 }] }) },
      { configName: 'secret', configValue: null, readOnly: true, isDefault: true, isSensitive: true, ...(v >= 1 && { configSource: 5, configSynonyms: [] }) }] }] }) },
  { dir: 'alterConfigs', key: 33, body: () => ({ throttleTimeMs: 0, responses: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'ac' }] }), want: () => ({ resources: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'ac' }] }) },
  { dir: 'saslAuthenticate', key: 36, body: () => ({ errorCode: 0, errorMessage: null, authBytes: Buffer.from('server-final'), sessionLifetimeMs: 3_600_000 }), want: (v) => ({ errorCode: 0, errorMessage: null, authBytes: Buffer.concat([Buffer.from([0, 0, 0, 12]), Buffer.from('server-final')]), ...(v >= 1 && { sessionLifetimeMs: '3600000' }) }) },
  { dir: 'createPartitions', key: 37, body: () => ({ throttleTimeMs: 0, results: [{ name: 'cp', errorCode: 0, errorMessage: null }] }), want: () => ({ topicErrors: [{ topic: 'cp', errorCode: 0, errorMessage: null }] }) },
  { dir: 'deleteGroups', key: 42, body: () => ({ throttleTimeMs: 0, results: [{ groupId: 'dg1', errorCode: 0 }] }), want: () => ({ results: [{ groupId: 'dg1', errorCode: 0 }] }) },
  { dir: 'alterPartitionReassignments', key: 45, body: () => ({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, responses: [{ name: 'apr', partitions: [{ partitionIndex: 0, errorCode: 0, errorMessage: null }] }] }), want: () => ({ errorCode: 0, responses: [{ topic: 'apr', partitions: [{ partition: 0, errorCode: 0 }] }] }) },
  { dir: 'listPartitionReassignments', key: 46, body: () => ({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, topics: [{ name: 'lpr', partitions: [{ partitionIndex: 0, replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [1] }] }] }), want: () => ({ errorCode: 0, topics: [{ name: 'lpr', partitions: [{ partition: 0, replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [1] }] }] }) },
];

describe('our responses decode with kafkajs', () => {
  for (const spec of SPECS) {
    const api = API_SCHEMAS.get(spec.key)!;
    const versions = kafkajsVersions(spec.dir).filter((v) => v >= api.minVersion && v <= api.maxVersion);
    it(`${api.name} v${versions.join(',v')}`, async () => {
      for (const v of versions) {
        const body = ourEncodeResponse(spec.key, v, spec.body(v));
        const got = await kafkajsDecodeResponse(spec.dir, v, body, spec.args);
        expect(got, `${api.name} v${v}`).toMatchObject(spec.want(v));
        spec.check?.(got, v);
      }
    });
  }
});
