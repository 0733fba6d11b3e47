// SASL/PLAIN (RFC 4616): one message "authzid NUL username NUL password", checked against the salted
// password; the error messages are those of Kafka's PlainSaslServer.
import type { CredentialStore } from './credentials.js';
import { EMPTY, SaslAuthenticationError, SaslCredentialError, type SaslSession } from './mechanism.js';

export class PlainSession implements SaslSession {
  readonly mechanism = 'PLAIN';
  complete = false;
  authorizationId?: string;

  constructor(private readonly store: CredentialStore) {}

  evaluate(token: Buffer): Buffer {
    const tokens = token.toString('utf8').split('\u0000');
    if (tokens.length !== 3) throw new SaslCredentialError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${tokens.length}`);
    const [authzid, username, password] = tokens;
    if (!username) throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (!password) throw new SaslAuthenticationError('Authentication failed: password not specified');
    if (!this.store.verifyPlain(username, password)) throw new SaslAuthenticationError('Authentication failed: Invalid username or password');
    if (authzid && authzid !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    this.authorizationId = username;
    this.complete = true;
    return EMPTY;
  }
}
