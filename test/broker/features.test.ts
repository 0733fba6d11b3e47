// Feature levels byte for byte: what ApiVersions v3/v4 report, UpdateFeatures v0 (AllowDowngrade) and v2 (no
// per-feature results), share.version 0 turning share groups off, the cluster ACL, and levels kept across a restart.
// test/compat/platformatic-features.test.ts drives UpdateFeatures and DescribeQuorum through a real client's codecs.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/errors.js';
import { startTestBroker } from '../compat/helpers.js';
import { DiskBroker, useRawBroker } from '../coordinator/raw-broker.js';
import { API, RawClient } from '../coordinator/raw-client.js';
import type { RunningBroker } from '../../src/kafkalite.js';

const [API_VERSIONS, UPDATE_FEATURES] = [18, 57];
let broker: RunningBroker;
let c: RawClient;
useRawBroker({}, (env) => ({ broker, c } = env));

const apiVersions = (v: number, via = c) => via.send(API_VERSIONS, v, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
const finalized = (r: any) => Object.fromEntries(r.finalizedFeatures.map((f: any) => [f.name, f.maxVersionLevel]));
const update = (v: number, updates: { feature: string; maxVersionLevel: number; upgradeType?: number; allowDowngrade?: boolean }[], via = c) =>
  via.send(UPDATE_FEATURES, v, { timeoutMs: 1000, validateOnly: false, featureUpdates: updates.map((u) => ({ upgradeType: 1, allowDowngrade: false, ...u })) });
const shareHeartbeat = (via = c) =>
  via.send(API.ShareGroupHeartbeat, 1, { groupId: 'g-share-features', memberId: 'm1', memberEpoch: 0, rackId: null, subscribedTopicNames: ['t'] });

describe('feature levels', () => {
  it('ApiVersions v4 lists the supported ranges, v3 only those a pre-4 client can read; both the finalized levels', async () => {
    const v4 = await apiVersions(4);
    expect(v4.supportedFeatures.map((f: any) => [f.name, f.minVersion, f.maxVersion])).toEqual([
      ['metadata.version', 7, 27], ['kraft.version', 0, 1], ['transaction.version', 0, 1], ['group.version', 0, 1], ['share.version', 0, 1],
    ]);
    expect(finalized(v4)).toEqual({ 'metadata.version': 27, 'kraft.version': 1, 'transaction.version': 1, 'group.version': 1, 'share.version': 1 });
    expect(v4.zkMigrationReady).toBe(false);
    const v3 = await apiVersions(3);
    expect(v3.supportedFeatures.map((f: any) => f.name)).toEqual(['metadata.version']);
    expect(finalized(v3)).toEqual(finalized(v4));
    expect(v3.finalizedFeaturesEpoch).toBeGreaterThan(0);
  });

  it('share.version 0 turns share groups off and leaves the finalized list; the epoch moves past the change', async () => {
    expect((await shareHeartbeat()).errorCode).not.toBe(ErrorCode.UNSUPPORTED_VERSION);
    const before = (await apiVersions(4)).finalizedFeaturesEpoch;
    const r = await update(2, [{ feature: 'share.version', maxVersionLevel: 0, upgradeType: 2 }]);
    expect(r).toMatchObject({ errorCode: 0, errorMessage: null, results: [] }); // v2 has no per-feature results
    expect((await shareHeartbeat()).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    const after = await apiVersions(4);
    expect(finalized(after)['share.version']).toBeUndefined();
    expect(after.finalizedFeaturesEpoch).toBeGreaterThan(before);
    expect((await update(2, [{ feature: 'share.version', maxVersionLevel: 1 }])).errorCode).toBe(0);
    expect((await shareHeartbeat()).errorCode).not.toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it("v0's AllowDowngrade is what lets a downgrade through", async () => {
    const refused = await update(0, [{ feature: 'group.version', maxVersionLevel: 0 }]);
    expect(refused).toMatchObject({ errorCode: ErrorCode.INVALID_UPDATE_VERSION, results: [] });
    expect(refused.errorMessage).toContain("Can't downgrade the version of this feature without setting the upgrade type");
    expect(await update(0, [{ feature: 'group.version', maxVersionLevel: 0, allowDowngrade: true }])).toMatchObject({ errorCode: 0, results: [{ feature: 'group.version', errorCode: 0 }] });
    expect(finalized(await apiVersions(4))['group.version']).toBeUndefined();
    expect((await update(0, [{ feature: 'group.version', maxVersionLevel: 1 }])).errorCode).toBe(0);
  });

  it('UpdateFeatures needs ALTER on the cluster and DescribeQuorum DESCRIBE when ACLs are enforced', async () => {
    const secured = await startTestBroker({ authorizer: true });
    const rc = await RawClient.connect(secured.port);
    try {
      expect(await rc.send(55, 2, { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] })).toMatchObject({
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, topics: [],
      });
      expect(await update(1, [{ feature: 'group.version', maxVersionLevel: 1 }], rc)).toMatchObject({
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', results: [],
      });
      await secured.services.acl.create([{ resourceType: 4, resourceName: 'kafka-cluster', patternType: 3, principal: 'User:ANONYMOUS', host: '*', operation: 7, permissionType: 3 }]); // ALTER
      expect((await update(1, [{ feature: 'group.version', maxVersionLevel: 1 }], rc)).errorCode).toBe(0);
      // DescribeQuorum needs DESCRIBE on the cluster, which ALTER implies.
      const quorum = () => rc.send(55, 2, { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] });
      expect((await quorum()).topics[0].partitions[0].errorCode).toBe(0);
    } finally {
      rc.close();
      await secured.stop();
    }
  });

  it('group.share.enable=false starts with share.version 0', async () => {
    const off = await startTestBroker({ overrides: { 'group.share.enable': 'false' } });
    const oc = await RawClient.connect(off.port);
    try {
      expect(finalized(await apiVersions(4, oc))['share.version']).toBeUndefined();
    } finally {
      oc.close();
      await off.stop();
    }
  });

  it('keeps the levels across a restart (file engine)', async () => {
    const d = await DiskBroker.create('never');
    expect((await update(1, [{ feature: 'group.version', maxVersionLevel: 0, upgradeType: 2 }, { feature: 'metadata.version', maxVersionLevel: 25, upgradeType: 2 }], d.c)).errorCode).toBe(0);
    const epoch = (await apiVersions(4, d.c)).finalizedFeaturesEpoch;
    await d.restart();
    const r = await apiVersions(4, d.c);
    expect(finalized(r)).toMatchObject({ 'metadata.version': 25 });
    expect(finalized(r)['group.version']).toBeUndefined();
    expect(r.finalizedFeaturesEpoch).toBeGreaterThanOrEqual(epoch);
  });
});
