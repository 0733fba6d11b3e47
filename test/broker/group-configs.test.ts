// Group configs (ConfigResource type GROUP, KIP-848) on the wire: Kafka's validation messages, describe with sources,
// and their effect: a KIP-848 group's members get the group's heartbeat interval, and its session timeout applies.
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { topicName, withBrokerAndRawClient } from '../compat/helpers.js';
import { API, RawClient } from '../coordinator/raw-client.js';

const DESCRIBE_CONFIGS = 32;
const INCREMENTAL_ALTER_CONFIGS = 44;
const GROUP = 32;
let broker: RunningBroker;
let c: RawClient;
withBrokerAndRawClient((b, rc) => ((broker = b), (c = rc)));

async function alter(group: string, configs: [string, string | null, number?][], validateOnly = false) {
  const res = await c.send(INCREMENTAL_ALTER_CONFIGS, 1, {
    resources: [{ resourceType: GROUP, resourceName: group, configs: configs.map(([name, value, op]) => ({ name, configOperation: op ?? 0, value })) }],
    validateOnly,
  });
  return res.responses[0];
}
async function describeGroup(group: string): Promise<Record<string, [string | null, number]>> {
  const res = await c.send(DESCRIBE_CONFIGS, 4, { resources: [{ resourceType: GROUP, resourceName: group, configurationKeys: null }], includeSynonyms: true, includeDocumentation: false });
  expect(res.results[0].errorCode).toBe(0);
  return Object.fromEntries(res.results[0].configs.map((e: any) => [e.name, [e.value, e.configSource]]));
}

describe('group configs', () => {
  it("refuses what Kafka's GroupConfig refuses", async () => {
    const g = topicName('gc-bad');
    const cases: [[string, string][], string][] = [
      [[['consumer.session.timeout.ms', '1000']], 'consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms'],
      [[['consumer.heartbeat.interval.ms', '20000']], 'consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms'],
      [[['consumer.session.timeout.ms', 'soon']], 'Invalid value soon for configuration consumer.session.timeout.ms: Not a number of type INT'],
      ...['middle', 'by_duration:-PT1H', 'by_duration:PT', 'by_duration:1H'].map((v): [[string, string][], string] => [
        [['share.auto.offset.reset', v]],
        `Invalid value ${v} for configuration share.auto.offset.reset: Invalid value \`${v}\` for configuration share.auto.offset.reset. The value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS.>'.`,
      ]),
      [[['session.timeout.ms', '50000']], 'Unknown group config name: session.timeout.ms'],
    ];
    for (const [configs, message] of cases) expect(await alter(g, configs)).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: message });
    expect(await alter('', [['consumer.session.timeout.ms', '50000']])).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Group name must not be empty' });
    // validateOnly checks without storing; DELETE goes back to the broker's value.
    expect((await alter(g, [['consumer.session.timeout.ms', '50000']], true)).errorCode).toBe(0);
    expect((await describeGroup(g))['consumer.session.timeout.ms']).toEqual(['45000', 5]);
    await alter(g, [['consumer.session.timeout.ms', '50000']]);
    expect((await describeGroup(g))['consumer.session.timeout.ms']).toEqual(['50000', 8]);
    await alter(g, [['consumer.session.timeout.ms', null, 1]]);
    expect((await describeGroup(g))['consumer.session.timeout.ms']).toEqual(['45000', 5]);
  });

  it("a KIP-848 group's members get its heartbeat interval", async () => {
    const topic = topicName('gc-t');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const g = topicName('gc-g');
    await alter(g, [['consumer.heartbeat.interval.ms', '7000']]);
    const res = await c.send(API.ConsumerGroupHeartbeat, 1, {
      groupId: g, memberId: 'gc-m', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 5000,
      subscribedTopicNames: [topic], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [],
    });
    expect(res).toMatchObject({ errorCode: 0, heartbeatIntervalMs: 7000 });
  });
});
