// RenewDelegationToken (key 39): refused as by a Kafka broker with delegation tokens disabled (delegation-token-util.ts).
import type { RenewDelegationTokenRequest, RenewDelegationTokenResponse } from '../protocol/generated/renew-delegation-token.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { tokenRequestError } from './delegation-token-util.js';

export default defineHandler<RenewDelegationTokenRequest>({
  apiKey: 39,
  handle(ctx): Input<RenewDelegationTokenResponse> {
    return { errorCode: tokenRequestError(ctx), expiryTimestampMs: -1, throttleTimeMs: 0 };
  },
});
