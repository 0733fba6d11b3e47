// ApiVersions (key 18): the versions implemented here, with real minimums, so clients pick what we speak.
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
    return {
      errorCode: ErrorCode.NONE,
      apiKeys: ctx.services.supportedApis(),
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: -1,
    };
  },
});
