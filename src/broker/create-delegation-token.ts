// CreateDelegationToken (key 38): refused as by a Kafka broker with delegation tokens disabled (delegation-token-util.ts).
import { ErrorCode } from '../protocol/errors.js';
import type { CreateDelegationTokenRequest, CreateDelegationTokenResponse } from '../protocol/generated/create-delegation-token.js';
import type { Input } from '../protocol/primitives.js';
import { principalOf } from '../security/acl.js';
import { splitPrincipal } from '../security/principal.js';
import { defineHandler } from './context.js';
import { tokenRequestError } from './delegation-token-util.js';

export default defineHandler<CreateDelegationTokenRequest>({
  apiKey: 38,
  handle(ctx, req): Input<CreateDelegationTokenResponse> {
    const requester = splitPrincipal(principalOf(ctx));
    const owner = req.ownerPrincipalName ? { type: req.ownerPrincipalType ?? 'User', name: req.ownerPrincipalName } : requester;
    let errorCode = tokenRequestError(ctx);
    // Kafka checks the renewers' principal type before it forwards the request to the controller.
    if (errorCode === ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED && req.renewers.some((r) => r.principalType !== 'User')) {
      errorCode = ErrorCode.INVALID_PRINCIPAL_TYPE;
    }
    return {
      errorCode,
      principalType: owner.type,
      principalName: owner.name,
      tokenRequesterPrincipalType: requester.type,
      tokenRequesterPrincipalName: requester.name,
      issueTimestampMs: -1,
      expiryTimestampMs: -1,
      maxTimestampMs: -1,
      tokenId: '',
      hmac: Buffer.alloc(0),
      throttleTimeMs: 0,
    };
  },
});
