// ExpireDelegationToken (key 40): refused as by a Kafka broker with delegation tokens disabled (delegation-token-util.ts).
import type { ExpireDelegationTokenRequest, ExpireDelegationTokenResponse } from '../protocol/generated/expire-delegation-token.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { tokenRequestError } from './delegation-token-util.js';

export default defineHandler<ExpireDelegationTokenRequest>({
  apiKey: 40,
  handle(ctx): Input<ExpireDelegationTokenResponse> {
    return { errorCode: tokenRequestError(ctx), expiryTimestampMs: -1, throttleTimeMs: 0 };
  },
});
