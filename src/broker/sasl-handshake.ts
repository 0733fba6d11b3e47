// SaslHandshake (key 17): picks the SASL mechanism; v0 switches the connection to raw SASL tokens,
// v1 to SaslAuthenticate requests. The state machine is in src/security/sasl/authenticator.ts.
import { ErrorCode } from '../protocol/errors.js';
import type { SaslHandshakeRequest, SaslHandshakeResponse } from '../protocol/generated/sasl-handshake.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';

export default defineHandler<SaslHandshakeRequest>({
  apiKey: 17,
  preAuth: true,
  // Not async: the connection state must change before the next frame is dispatched.
  handle(ctx, req): Input<SaslHandshakeResponse> {
    const sasl = ctx.services.sasl;
    if (!sasl) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    return sasl.handshake(ctx, req.mechanism);
  },
});
