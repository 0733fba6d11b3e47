// DescribeDelegationToken (key 41): refused as by a Kafka broker with delegation tokens disabled (delegation-token-util.ts).
import type { DescribeDelegationTokenRequest, DescribeDelegationTokenResponse } from '../protocol/generated/describe-delegation-token.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { tokenRequestError } from './delegation-token-util.js';

export default defineHandler<DescribeDelegationTokenRequest>({
  apiKey: 41,
  handle(ctx): Input<DescribeDelegationTokenResponse> {
    return { errorCode: tokenRequestError(ctx), tokens: [], throttleTimeMs: 0 };
  },
});
