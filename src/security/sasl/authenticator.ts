// The SASL state machine of a connection, after Kafka's SaslServerAuthenticator:
//   SaslHandshake v1 -> SaslAuthenticate requests (Kafka-framed tokens) until the mechanism completes;
//   SaslHandshake v0 -> raw size-prefixed tokens without Kafka headers (kafka-python, old clients);
//   SaslHandshake on an authenticated connection whose client used SaslAuthenticate v1+ -> re-authentication
//   (KIP-368), which must keep the mechanism and the principal.
// A failed exchange answers with its error, then closes the connection after
// connection.failed.authentication.delay.ms, as Kafka does.
// State lives in conn.state: saslAuth (exchange in progress), rawSasl (the same, in v0 raw mode; the
// dispatcher routes frames to handleRawToken while it is set), principal, saslMechanism, sessionExpiresAt.
import type { RequestContext } from '../../broker/context.js';
import type { Cluster } from '../../cluster/cluster.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { SaslAuthenticateResponse } from '../../protocol/generated/sasl-authenticate.js';
import type { SaslHandshakeResponse } from '../../protocol/generated/sasl-handshake.js';
import type { Input } from '../../protocol/primitives.js';
import type { Connection, FrameResult } from '../../server/connection.js';
import type { Logger } from 'pino';
import { userPrincipal } from '../principal.js';
import { type CredentialStore, SCRAM_MECHANISMS, type ScramMechanism } from './credentials.js';
import { EMPTY, SaslAuthenticationError, SaslCredentialError, type SaslSession } from './mechanism.js';
import { OAuthBearerSession } from './oauthbearer.js';
import { PlainSession } from './plain.js';
import { ScramSession } from './scram.js';

export const SUPPORTED_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

interface Exchange {
  mechanism: string;
  session: SaslSession;
  raw: boolean;
  /** Set when re-authenticating: what the connection was authenticated as. */
  reauth?: { principal: string; mechanism: string };
  /** Re-authentication asked for another mechanism: fails at the first token, as Kafka's REAUTH_BAD_MECHANISM. */
  badMechanism?: string;
}

function sizePrefixed(token: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + token.length);
  out.writeInt32BE(token.length, 0);
  token.copy(out, 4);
  return out;
}

export class SaslAuthenticator {
  /** Counters for observability (and tests). */
  readonly stats = { authentications: 0, reauthentications: 0, failures: 0 };

  constructor(private readonly cluster: Cluster, readonly credentials: CredentialStore, private readonly logger: Logger) {}

  /** sasl.enabled.mechanisms, restricted to the mechanisms kafkalite implements. */
  enabledMechanisms(): string[] {
    const raw = this.cluster.config.get('sasl.enabled.mechanisms') ?? '';
    return raw.split(',').map((s) => s.trim().toUpperCase()).filter((m) => SUPPORTED_MECHANISMS.includes(m));
  }

  private createSession(mechanism: string): SaslSession {
    if (mechanism === 'PLAIN') return new PlainSession(this.credentials);
    if (mechanism === 'OAUTHBEARER') return new OAuthBearerSession();
    if ((SCRAM_MECHANISMS as string[]).includes(mechanism)) return new ScramSession(mechanism as ScramMechanism, this.credentials);
    throw new Error(`no SASL server for ${mechanism}`);
  }

  /** SaslHandshake. Synchronous on purpose: the next frame may be dispatched before this one's response is written. */
  handshake(ctx: RequestContext, mechanism: string): Input<SaslHandshakeResponse> {
    const { conn } = ctx;
    const enabled = this.enabledMechanisms();
    // Not a SASL listener, or authenticated by a client that cannot re-authenticate: KafkaApis answers this.
    if (!ctx.endpoint.securityProtocol.startsWith('SASL') || conn.state.saslFailed) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    if (conn.state.saslAuth) {
      this.failLater(conn, 'SaslHandshake during SASL authentication');
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: enabled };
    }
    let reauth: Exchange['reauth'];
    if (conn.state.principal) {
      if (ctx.apiVersion < 1 || !conn.state.saslReauthCapable) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
      reauth = { principal: conn.state.principal, mechanism: conn.state.saslMechanism as string };
    }
    if (!enabled.includes(mechanism)) {
      this.failLater(conn, `Unsupported SASL mechanism ${mechanism}`);
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: enabled };
    }
    const ex: Exchange = { mechanism, session: this.createSession(mechanism), raw: ctx.apiVersion === 0, reauth };
    if (reauth && reauth.mechanism !== mechanism) {
      ex.badMechanism = `SASL mechanism '${mechanism}' requested by client is not supported for re-authentication of mechanism '${reauth.mechanism}'`;
    }
    conn.state.saslAuth = ex;
    if (ex.raw) conn.state.rawSasl = ex;
    return { errorCode: ErrorCode.NONE, mechanisms: enabled };
  }

  /**
   * SaslAuthenticate: one token of the exchange started by SaslHandshake v1. Synchronous like the mechanisms, so a
   * request the client sends right behind its last token already finds the connection authenticated.
   */
  authenticate(ctx: RequestContext, token: Buffer): Input<SaslAuthenticateResponse> {
    const { conn } = ctx;
    const ex = conn.state.saslAuth as Exchange | undefined;
    const failed = (errorCode: number, errorMessage: string) => ({ errorCode, errorMessage, authBytes: EMPTY, sessionLifetimeMs: 0 });
    if (!ex) {
      if (!ctx.endpoint.securityProtocol.startsWith('SASL') || conn.state.principal) {
        return failed(ErrorCode.ILLEGAL_SASL_STATE, 'SaslAuthenticate request received after successful authentication');
      }
      this.failLater(conn, 'SaslAuthenticate before SaslHandshake');
      return failed(ErrorCode.ILLEGAL_SASL_STATE, 'Unexpected Kafka request of type SASL_AUTHENTICATE during SASL handshake.');
    }
    if (ctx.apiVersion > 0) conn.state.saslReauthCapable = true;
    try {
      if (ex.badMechanism) throw new SaslAuthenticationError(ex.badMechanism);
      const reply = ex.session.evaluate(token);
      const lifetime = ex.session.complete ? this.completed(conn, ex) : 0;
      return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: reply, sessionLifetimeMs: lifetime };
    } catch (e) {
      const message = this.failureMessage(ex, e);
      this.failLater(conn, `SASL ${ex.mechanism} authentication failed: ${(e as Error).message}`);
      return failed(ErrorCode.SASL_AUTHENTICATION_FAILED, message);
    }
  }

  /** A raw token after SaslHandshake v0: reply with a size-prefixed token, or close on failure. */
  handleRawToken(conn: Connection, token: Buffer): FrameResult {
    const ex = conn.state.rawSasl as Exchange;
    try {
      const reply = ex.session.evaluate(token);
      // Back to Kafka-framed requests once complete (completed() clears rawSasl).
      if (ex.session.complete) this.completed(conn, ex);
      return [sizePrefixed(reply)];
    } catch (e) {
      conn.state.rawSasl = undefined;
      conn.state.saslAuth = undefined;
      conn.state.saslFailed = true;
      this.stats.failures++;
      this.logger.info({ conn: conn.id, remote: conn.remote, mechanism: ex.mechanism, reason: (e as Error).message }, 'SASL authentication failed');
      return { close: `SASL ${ex.mechanism} authentication failed: ${this.failureMessage(ex, e)}` };
    }
  }

  private failureMessage(ex: Exchange, e: unknown): string {
    if (e instanceof SaslAuthenticationError) return e.message;
    if (!(e instanceof SaslCredentialError)) this.logger.error({ err: e }, 'SASL mechanism failed unexpectedly');
    return `Authentication failed during ${ex.reauth ? 're-authentication' : 'authentication'} due to invalid credentials with SASL mechanism ${ex.mechanism}`;
  }

  /** Marks the connection authenticated; returns the session lifetime to report (0 = no re-authentication needed). */
  private completed(conn: Connection, ex: Exchange): number {
    const principal = userPrincipal(ex.session.authorizationId!);
    if (ex.reauth && ex.reauth.principal !== principal) {
      const [ot, ...on] = ex.reauth.principal.split(':');
      const [nt, ...nn] = principal.split(':');
      throw new SaslAuthenticationError(`Cannot change principals during re-authentication from ${ot}.${on.join(':')}: ${nt}.${nn.join(':')}`);
    }
    conn.state.saslAuth = undefined;
    conn.state.rawSasl = undefined;
    conn.state.principal = principal;
    conn.state.saslMechanism = ex.mechanism;
    // Kafka: the lifetime is connections.max.reauth.ms, capped by the credential's expiry (OAUTHBEARER tokens).
    const now = Date.now();
    const maxReauth = this.cluster.config.int('connections.max.reauth.ms');
    const expires = ex.session.credentialExpiresAt;
    let lifetime = 0;
    if (expires !== undefined || maxReauth > 0) {
      if (expires === undefined) lifetime = maxReauth;
      else if (maxReauth <= 0) lifetime = Math.max(0, expires - now);
      else lifetime = Math.max(0, Math.min(expires - now, maxReauth));
      conn.state.sessionExpiresAt = now + lifetime;
    } else {
      conn.state.sessionExpiresAt = undefined;
    }
    if (ex.reauth) this.stats.reauthentications++;
    else this.stats.authentications++;
    this.logger.debug({ conn: conn.id, principal, mechanism: ex.mechanism, reauth: !!ex.reauth }, 'SASL authentication succeeded');
    return lifetime;
  }

  /** After a failure response: no further requests, and the connection closes after the configured delay. */
  private failLater(conn: Connection, reason: string): void {
    conn.state.saslAuth = undefined;
    conn.state.rawSasl = undefined;
    conn.state.principal = undefined;
    conn.state.saslFailed = true;
    this.stats.failures++;
    this.logger.info({ conn: conn.id, remote: conn.remote, reason }, 'SASL authentication failed');
    const delay = Math.max(10, this.cluster.config.int('connection.failed.authentication.delay.ms'));
    setTimeout(() => conn.close(reason), delay).unref();
  }
}
