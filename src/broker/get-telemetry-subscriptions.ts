// GetTelemetrySubscriptions (key 71, KIP-714): which metrics this client instance should push and how often,
// assigning an instance id to a client that has none. Errors carry no message (the response has no field for one).
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { GetTelemetrySubscriptionsRequest, GetTelemetrySubscriptionsResponse } from '../protocol/generated/get-telemetry-subscriptions.js';
import { ZERO_UUID, type Input } from '../protocol/primitives.js';
import { ACCEPTED_COMPRESSION } from '../coordinator/telemetry/client-instances.js';
import { defineHandler } from './context.js';
import { clientAttributes, telemetry, telemetryAdvertised } from './telemetry-util.js';

export default defineHandler<GetTelemetrySubscriptionsRequest>({
  apiKey: 71,
  advertised: telemetryAdvertised,
  handle(ctx, req): Input<GetTelemetrySubscriptionsResponse> {
    const base = { throttleTimeMs: 0, clientInstanceId: ZERO_UUID, subscriptionId: 0, acceptedCompressionTypes: [], pushIntervalMs: 0, telemetryMaxBytes: 0, deltaTemporality: false, requestedMetrics: [] };
    try {
      const s = telemetry(ctx).instances.getSubscriptions(req.clientInstanceId, clientAttributes(ctx), ctx.conn.id);
      return {
        ...base,
        errorCode: ErrorCode.NONE,
        ...s,
        acceptedCompressionTypes: ACCEPTED_COMPRESSION,
        telemetryMaxBytes: ctx.cluster.config.int('telemetry.max.bytes'),
        deltaTemporality: true,
      };
    } catch (e) {
      // Kafka answers anything unexpected here with INVALID_REQUEST.
      if (!(e instanceof KafkaError)) ctx.logger.warn({ err: e }, 'GetTelemetrySubscriptions failed');
      return { ...base, errorCode: e instanceof KafkaError ? e.code : ErrorCode.INVALID_REQUEST };
    }
  },
});
