// UpdateFeatures (key 57): change finalized feature levels (kafka-features.sh upgrade/downgrade). Kafka forwards
// it to the controller, which applies all updates or none (src/cluster/features.ts has its checks).
import { UpgradeType } from '../cluster/features.js';
import { ErrorCode } from '../protocol/errors.js';
import type { UpdateFeaturesRequest, UpdateFeaturesResponse } from '../protocol/generated/update-features.js';
import type { Input } from '../protocol/primitives.js';
import { clusterAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';

export default defineHandler<UpdateFeaturesRequest>({
  apiKey: 57,
  async handle(ctx, req): Promise<Input<UpdateFeaturesResponse>> {
    const fail = (errorCode: number, errorMessage: string) => ({ throttleTimeMs: 0, errorCode, errorMessage, results: [] });
    if (!clusterAllowed(ctx, 'ALTER')) return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    const updates = req.featureUpdates.map((u) => ({
      feature: u.feature,
      level: u.maxVersionLevel,
      // v0's AllowDowngrade is what v1 calls a safe downgrade.
      upgradeType: ctx.apiVersion === 0 ? (u.allowDowngrade ? UpgradeType.SAFE_DOWNGRADE : UpgradeType.UPGRADE) : u.upgradeType,
    }));
    const err = await ctx.cluster.features.update(updates, ctx.cluster.controllerId, ctx.apiVersion >= 1 && req.validateOnly);
    if (err) return fail(ErrorCode.INVALID_UPDATE_VERSION, `The update failed for all features since the following feature had an error: ${err}`);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      results: req.featureUpdates.map((u) => ({ feature: u.feature, errorCode: ErrorCode.NONE, errorMessage: null })),
    };
  },
});
