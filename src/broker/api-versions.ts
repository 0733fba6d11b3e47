// ApiVersions (key 18): the versions implemented here, with real minimums, so clients pick what we speak; from v3
// the feature levels (src/cluster/features.ts).
import { SUPPORTED_FEATURES } from '../cluster/features.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiVersionsRequest, ApiVersionsResponse } from '../protocol/generated/api-versions.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';

export default defineHandler<ApiVersionsRequest>({
  apiKey: 18,
  preAuth: true,
  handle(ctx, req): Input<ApiVersionsResponse> {
    // v3+: the client's software name and version, which client metrics subscriptions can match on (KIP-714).
    if (ctx.apiVersion >= 3) ctx.conn.state.clientSoftware = { name: req.clientSoftwareName, version: req.clientSoftwareVersion };
    const features = ctx.cluster.features;
    // Clients before v4 took a supported minimum of 0 for "not supported", so Kafka leaves those features out.
    const supported = [...SUPPORTED_FEATURES].filter(([, r]) => ctx.apiVersion >= 4 || r.min > 0);
    return {
      errorCode: ErrorCode.NONE,
      apiKeys: ctx.services.supportedApis(),
      throttleTimeMs: 0,
      supportedFeatures: supported.map(([name, r]) => ({ name, minVersion: r.min, maxVersion: r.max })),
      finalizedFeaturesEpoch: features.metadataOffset(),
      finalizedFeatures: features.finalized().map(([name, level]) => ({ name, minVersionLevel: level, maxVersionLevel: level })),
      zkMigrationReady: false,
    };
  },
});
