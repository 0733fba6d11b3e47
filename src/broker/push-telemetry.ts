// PushTelemetry (key 72, KIP-714): a client instance's metrics, at its subscription's interval, to the receiver
// (the `kafkalite.client.metrics.topic` topic). Kafka's checks, in its order (src/coordinator/telemetry/).
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { PushTelemetryRequest, PushTelemetryResponse } from '../protocol/generated/push-telemetry.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { clientAttributes, telemetry, telemetryAdvertised } from './telemetry-util.js';

export default defineHandler<PushTelemetryRequest>({
  apiKey: 72,
  advertised: telemetryAdvertised,
  async handle(ctx, req): Promise<Input<PushTelemetryResponse>> {
    try {
      await telemetry(ctx).instances.push(req, clientAttributes(ctx), ctx.conn.id);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE };
    } catch (e) {
      if (e instanceof KafkaError) {
        ctx.logger.debug({ err: e.message, client: ctx.header.clientId }, 'PushTelemetry refused');
        return { throttleTimeMs: 0, errorCode: e.code };
      }
      ctx.logger.warn({ err: e }, 'PushTelemetry failed');
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_RECORD };
    }
  },
});
