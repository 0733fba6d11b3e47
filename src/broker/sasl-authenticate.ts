// SaslAuthenticate (key 36): one SASL token of the exchange SaslHandshake v1 started (KIP-152), and the
// session lifetime (v1+, KIP-368; 0 = no re-authentication required).
import { ErrorCode } from '../protocol/errors.js';
import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../protocol/generated/sasl-authenticate.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';

export default defineHandler<SaslAuthenticateRequest>({
  apiKey: 36,
  preAuth: true,
  // Not async: the outcome must be recorded before the next frame is dispatched.
  handle(ctx, req): Input<SaslAuthenticateResponse> {
    const sasl = ctx.services.sasl;
    if (!sasl) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SASL is not enabled on this broker' };
    return sasl.authenticate(ctx, req.authBytes);
  },
});
