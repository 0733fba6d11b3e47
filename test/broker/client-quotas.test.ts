// DescribeClientQuotas / AlterClientQuotas on the wire: Kafka's validation and messages, filter matching (exact,
// default, any; strict), validateOnly, authorization, and the quotas surviving a restart of the file engine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { startTestBroker, withBrokerAndRawClient } from '../compat/helpers.js';
import { RawClient } from '../coordinator/raw-client.js';

const DESCRIBE = 48;
const ALTER = 49;
type Entity = [string, string | null][];
const entity = (e: Entity) => e.map(([entityType, entityName]) => ({ entityType, entityName }));

let broker: RunningBroker;
let c: RawClient;
withBrokerAndRawClient((b, rc) => ((broker = b), (c = rc)));

function alter(client: RawClient, entries: { entity: Entity; ops: { key: string; value?: number; remove?: boolean }[] }[], validateOnly = false) {
  return client.send(ALTER, 1, {
    entries: entries.map((e) => ({ entity: entity(e.entity), ops: e.ops.map((o) => ({ key: o.key, value: o.value ?? 0, remove: o.remove ?? false })) })),
    validateOnly,
  });
}
/** The entries of a describe, as "type=name,...: key=value,..." lines, sorted. */
async function describeQuotas(client: RawClient, components: { entityType: string; matchType: number; match?: string | null }[], strict = false): Promise<any> {
  const res = await client.send(DESCRIBE, 1, { components: components.map((x) => ({ match: null, ...x })), strict });
  if (res.errorCode !== 0) return { errorCode: res.errorCode, errorMessage: res.errorMessage };
  return res.entries.map((e: any) => `${e.entity.map((x: any) => `${x.entityType}=${x.entityName}`).join(',')}: ${e.values.map((v: any) => `${v.key}=${v.value}`).sort().join(',')}`).sort();
}

describe('client quotas', () => {
  it('sets, describes with exact / default / any filters, and removes', async () => {
    const res = await alter(c, [
      { entity: [['user', 'alice']], ops: [{ key: 'producer_byte_rate', value: 1024 }, { key: 'request_percentage', value: 12.5 }] },
      { entity: [['user', 'alice'], ['client-id', 'app']], ops: [{ key: 'consumer_byte_rate', value: 2048 }] },
      { entity: [['client-id', null]], ops: [{ key: 'producer_byte_rate', value: 4096 }] },
      { entity: [['ip', '127.0.0.1']], ops: [{ key: 'connection_creation_rate', value: 10 }] },
    ]);
    expect(res.entries.map((e: any) => e.errorCode)).toEqual([0, 0, 0, 0]);
    expect(await describeQuotas(c, [{ entityType: 'user', matchType: 0, match: 'alice' }])).toEqual([
      'user=alice,client-id=app: consumer_byte_rate=2048',
      'user=alice: producer_byte_rate=1024,request_percentage=12.5',
    ]);
    expect(await describeQuotas(c, [{ entityType: 'user', matchType: 0, match: 'alice' }], true)).toEqual(['user=alice: producer_byte_rate=1024,request_percentage=12.5']);
    expect(await describeQuotas(c, [{ entityType: 'client-id', matchType: 1 }])).toEqual(['client-id=null: producer_byte_rate=4096']);
    expect(await describeQuotas(c, [{ entityType: 'client-id', matchType: 2 }])).toEqual(['client-id=null: producer_byte_rate=4096', 'user=alice,client-id=app: consumer_byte_rate=2048']);
    expect(await describeQuotas(c, [{ entityType: 'ip', matchType: 2 }])).toEqual(['ip=127.0.0.1: connection_creation_rate=10']);
    expect(await describeQuotas(c, [])).toHaveLength(4);
    expect(await describeQuotas(c, [], true)).toEqual([]);

    // Removing the last key removes the entity; removing a key that is not set is no error.
    const removed = await alter(c, [{ entity: [['ip', '127.0.0.1']], ops: [{ key: 'connection_creation_rate', remove: true }, { key: 'connection_creation_rate_x', remove: true }] }]);
    expect(removed.entries[0].errorCode).toBe(0);
    expect(await describeQuotas(c, [{ entityType: 'ip', matchType: 2 }])).toEqual([]);
    // validateOnly changes nothing.
    expect((await alter(c, [{ entity: [['user', 'bob']], ops: [{ key: 'producer_byte_rate', value: 1 }] }], true)).entries[0].errorCode).toBe(0);
    expect(await describeQuotas(c, [{ entityType: 'user', matchType: 0, match: 'bob' }])).toEqual([]);
  });

  it("refuses what Kafka refuses, with Kafka's messages, per entity", async () => {
    const cases: [Entity, { key: string; value?: number; remove?: boolean }[], string][] = [
      [[], [{ key: 'producer_byte_rate', value: 1 }], 'Invalid empty client quota entity'],
      [[['group', 'g']], [{ key: 'producer_byte_rate', value: 1 }], 'Unhandled client quota entity type: group'],
      [[['user', '']], [{ key: 'producer_byte_rate', value: 1 }], 'Empty user not supported'],
      [[['user', 'u'], ['ip', '127.0.0.1']], [{ key: 'producer_byte_rate', value: 1 }], 'Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId'],
      [[['ip', 'no such host.invalid']], [{ key: 'connection_creation_rate', value: 1 }], 'no such host.invalid is not a valid IP or resolvable host.'],
      [[['user', 'u']], [{ key: 'connection_creation_rate', value: 1 }], 'Invalid configuration key connection_creation_rate'],
      [[['ip', null]], [{ key: 'producer_byte_rate', value: 1 }], 'Invalid configuration key producer_byte_rate'],
      [[['user', 'u']], [{ key: 'producer_byte_rate', value: 0 }], 'Quota producer_byte_rate must be greater than 0'],
      [[['user', 'u']], [{ key: 'producer_byte_rate', value: 1.5 }], 'producer_byte_rate cannot be a fractional value.'],
      [[['ip', null]], [{ key: 'connection_creation_rate', value: 2 ** 31 }], 'Proposed value for connection_creation_rate is too large for an INT.'],
      // Kafka overwrites the duplicate-key error with this one.
      [[['user', 'u']], [{ key: 'producer_byte_rate', value: 1 }, { key: 'producer_byte_rate', value: 2 }], 'Ignoring duplicate entity ClientQuotaEntity(entries={user=u})'],
    ];
    for (const [e, ops, message] of cases) {
      const res = await alter(c, [{ entity: e, ops }, { entity: [['user', 'valid-beside']], ops: [{ key: 'request_percentage', value: 50 }] }]);
      expect(res.entries.map((x: any) => [x.errorCode, x.errorMessage]), message).toEqual([[ErrorCode.INVALID_REQUEST, message], [0, null]]);
    }
    // An entity's valid keys are not applied when another of its keys is refused; other entities' changes are.
    await alter(c, [{ entity: [['user', 'half']], ops: [{ key: 'consumer_byte_rate', value: 5 }, { key: 'bogus', value: 1 }] }]);
    expect(await describeQuotas(c, [{ entityType: 'user', matchType: 0, match: 'half' }])).toEqual([]);
    expect(await describeQuotas(c, [{ entityType: 'user', matchType: 0, match: 'valid-beside' }])).toEqual(['user=valid-beside: request_percentage=50']);

    const filterErrors: [any[], number, string][] = [
      [[{ entityType: 'user', matchType: 2 }, { entityType: 'user', matchType: 1 }], ErrorCode.INVALID_REQUEST, 'Entity type user cannot appear more than once in the filter.'],
      [[{ entityType: '', matchType: 2 }], ErrorCode.INVALID_REQUEST, 'Invalid empty entity type.'],
      [[{ entityType: 'group', matchType: 2 }], ErrorCode.UNSUPPORTED_VERSION, 'Unsupported entity type group'],
      [[{ entityType: 'ip', matchType: 2 }, { entityType: 'user', matchType: 2 }], ErrorCode.INVALID_REQUEST, 'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.'],
      [[{ entityType: 'user', matchType: 7 }], ErrorCode.INVALID_REQUEST, 'Unexpected match type: 7'],
    ];
    for (const [components, errorCode, errorMessage] of filterErrors) expect(await describeQuotas(c, components)).toEqual({ errorCode, errorMessage });
  });

  it('needs DESCRIBE_CONFIGS / ALTER_CONFIGS on the cluster when ACLs are enforced', async () => {
    const secured = await startTestBroker({ authorizer: true });
    const rc = await RawClient.connect(secured.port);
    try {
      expect(await describeQuotas(rc, [])).toEqual({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' });
      await secured.services.acl.create([{ resourceType: 4, resourceName: 'kafka-cluster', patternType: 3, principal: 'User:ANONYMOUS', host: '*', operation: 10, permissionType: 3 }]);
      expect(await describeQuotas(rc, [])).toEqual([]);
      const denied = await alter(rc, [{ entity: [['user', 'u']], ops: [{ key: 'producer_byte_rate', value: 1 }] }]);
      expect(denied.entries).toEqual([expect.objectContaining({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, entity: [{ entityType: 'user', entityName: 'u' }] })]);
    } finally {
      rc.close();
      await secured.stop();
    }
  });

  it('survive a restart (file engine)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kafkalite-quotas-'));
    try {
      let b = await startTestBroker({ memory: false, dataDir });
      let rc = await RawClient.connect(b.port);
      await alter(rc, [{ entity: [['user', null], ['client-id', 'svc']], ops: [{ key: 'producer_byte_rate', value: 100 }] }]);
      rc.close();
      await b.stop();
      b = await startTestBroker({ memory: false, dataDir });
      rc = await RawClient.connect(b.port);
      expect(await describeQuotas(rc, [{ entityType: 'user', matchType: 1 }])).toEqual(['user=null,client-id=svc: producer_byte_rate=100']);
      rc.close();
      await b.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
