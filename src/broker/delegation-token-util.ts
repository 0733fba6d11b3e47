// What the delegation token handlers (keys 38-41) share. kafkalite issues no delegation tokens: it answers as a Kafka
// broker without `delegation.token.secret.key` (the default) does, so admin clients get Kafka's error rather than a
// closed connection. No client library in test/compat can authenticate with a token (SCRAM's tokenauth extension).
import { ErrorCode } from '../protocol/errors.js';
import { principalOf } from '../security/acl.js';
import { ANONYMOUS } from '../security/principal.js';
import type { RequestContext } from './context.js';

/**
 * Kafka's KafkaApis.allowTokenRequests, then the disabled token manager: tokens are requested over an authenticated
 * channel only (not PLAINTEXT, not SSL without a client certificate, not with a token).
 */
export function tokenRequestError(ctx: RequestContext): number {
  const protocol = ctx.endpoint.securityProtocol;
  if (protocol === 'PLAINTEXT' || (protocol === 'SSL' && principalOf(ctx) === ANONYMOUS)) return ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED;
  return ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED;
}
