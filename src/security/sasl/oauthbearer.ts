// SASL/OAUTHBEARER (RFC 7628) with unsecured JWS tokens, as Kafka's OAuthBearerSaslServer with the default
// OAuthBearerUnsecuredValidatorCallbackHandler: the client sends "n,,\x01auth=Bearer <jws>\x01[k=v\x01]*\x01",
// the token is "<base64url header>.<base64url claims>." with alg "none", its "sub" claim names the principal
// and "exp" (seconds) must be in the future. An invalid token gets the JSON error status as challenge; the
// client answers "\x01" and then fails with that JSON as message.
import { EMPTY, SaslAuthenticationError, SaslCredentialError, type SaslSession } from './mechanism.js';

const CLIENT_FIRST = /^n,(?:a=((?:[\x01-\x2B\x2D-\x3C\x3E-\x7F]|=2C|=3D)+))?,\x01((?:[A-Za-z]+=[\x21-\x7E \t\r\n]+\x01)*)\x01$/;
const AUTH = /^([\w]+)[ ]+([-_.a-zA-Z0-9]+)$/;

export interface TokenResult {
  ok: boolean;
  principal?: string;
  expiresAt?: number;
  /** Why it was rejected (logged, not sent: the client only gets the status). */
  reason?: string;
}

function decodePart(s: string): Record<string, unknown> {
  const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
  return v as Record<string, unknown>;
}

/** OAuthBearerUnsecuredJws parsing + OAuthBearerValidationUtils checks (principal claim "sub", no required scope). */
export function validateUnsecuredToken(token: string, now = Date.now(), allowableClockSkewMs = 0): TokenResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'Unsecured JWS compact serializations must have 3 dot-separated Base64URL-encoded values' };
  if (parts[2] !== '') return { ok: false, reason: 'Unsecured JWS must not contain a digital signature' };
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodePart(parts[0]);
    claims = decodePart(parts[1]);
  } catch (e) {
    return { ok: false, reason: `Invalid unsecured JWS: ${(e as Error).message}` };
  }
  if (header.alg !== 'none') return { ok: false, reason: `Unsecured JWS must have "alg": "none", got ${JSON.stringify(header.alg)}` };
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub.trim() === '') return { ok: false, reason: 'Required claim missing or not a string: sub' };
  const exp = claims.exp;
  if (typeof exp !== 'number') return { ok: false, reason: 'Required claim missing or not a number: exp' };
  const expiresAt = Math.round(exp * 1000);
  if (now >= expiresAt + allowableClockSkewMs) {
    return { ok: false, reason: `The indicated time (${expiresAt} ms) minus allowable clock skew (${allowableClockSkewMs} ms) was on or before the current time (${now} ms)` };
  }
  if (claims.iat !== undefined) {
    if (typeof claims.iat !== 'number') return { ok: false, reason: 'Claim is not a number: iat' };
    const iat = Math.round(claims.iat * 1000);
    if (iat > now + allowableClockSkewMs) return { ok: false, reason: `The Issued At value (${iat} ms) minus allowable clock skew (${allowableClockSkewMs} ms) is after the current time (${now} ms)` };
    if (iat >= expiresAt) return { ok: false, reason: `The Issued At value (${iat} ms) is not before the Expiration Time value (${expiresAt} ms)` };
  }
  return { ok: true, principal: sub, expiresAt };
}

export class OAuthBearerSession implements SaslSession {
  readonly mechanism = 'OAUTHBEARER';
  complete = false;
  authorizationId?: string;
  credentialExpiresAt?: number;
  /** Set after an invalid token: the client must acknowledge with "\x01", then the exchange fails. */
  private errorMessage?: string;
  lastReason?: string;

  evaluate(token: Buffer): Buffer {
    if (token.length === 1 && token[0] === 0x01 && this.errorMessage !== undefined) throw new SaslAuthenticationError(this.errorMessage);
    this.errorMessage = undefined;
    const m = CLIENT_FIRST.exec(token.toString('utf8'));
    if (!m) throw new SaslCredentialError('Invalid OAUTHBEARER client first message');
    const authzid = m[1] ? m[1].replace(/=2C/g, ',').replace(/=3D/g, '=') : '';
    const kv = new Map<string, string>();
    for (const pair of m[2].split('\x01').filter(Boolean)) {
      const i = pair.indexOf('=');
      kv.set(pair.slice(0, i), pair.slice(i + 1));
    }
    const auth = kv.get('auth');
    if (auth === undefined) throw new SaslCredentialError("Invalid OAUTHBEARER client first message: 'auth' not specified");
    const a = AUTH.exec(auth);
    if (!a) throw new SaslCredentialError('Invalid OAUTHBEARER client first message');
    if (a[1].toLowerCase() !== 'bearer') throw new SaslCredentialError(`Invalid scheme in OAUTHBEARER client first message: ${a[1]}`);
    const result = validateUnsecuredToken(a[2]);
    if (!result.ok) {
      this.lastReason = result.reason;
      this.errorMessage = '{"status":"invalid_token"}';
      return Buffer.from(this.errorMessage, 'utf8');
    }
    if (authzid && authzid !== result.principal) {
      throw new SaslAuthenticationError(
        `Authentication failed: Client requested an authorization id (${authzid}) that is different from the token's principal name (${result.principal})`,
      );
    }
    this.authorizationId = result.principal;
    this.credentialExpiresAt = result.expiresAt;
    this.complete = true;
    return EMPTY;
  }
}
