// One SASL exchange on the server side, as javax.security.sasl.SaslServer: tokens in, challenges out.

export interface SaslSession {
  readonly mechanism: string;
  /** True once the client has authenticated. */
  readonly complete: boolean;
  /** The authenticated user name (the principal is User:<name>), once complete. */
  readonly authorizationId?: string;
  /** When the credential stops being valid (OAUTHBEARER token expiry), ms since the epoch. */
  readonly credentialExpiresAt?: number;
  /**
   * Evaluates one client token and returns the server's reply; throws SaslAuthenticationError / SaslCredentialError.
   * Synchronous: the outcome must be known before the connection's next frame is dispatched.
   */
  evaluate(token: Buffer): Buffer;
}

/** A failure whose message is sent to the client as is (Kafka's SaslAuthenticationException). */
export class SaslAuthenticationError extends Error {}

/**
 * A failure whose detail must not reach the client (Kafka's SaslException): the client gets
 * "Authentication failed during authentication due to invalid credentials with SASL mechanism X".
 */
export class SaslCredentialError extends Error {}

export const EMPTY = Buffer.alloc(0);
