// SASL/SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802 / RFC 7677) on the server side, as Kafka's ScramSaslServer:
// client-first -> server-first (combined nonce, salt, iterations), client-final (proof) -> server-final (signature).
// Only StoredKey/ServerKey are known here: the proof is checked by recovering ClientKey and hashing it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type CredentialStore, hash, hmac, MIN_ITERATIONS, SCRAM, type ScramCredential, type ScramMechanism } from './credentials.js';
import { SaslAuthenticationError, SaslCredentialError, type SaslSession } from './mechanism.js';

const SASLNAME = '(?:[^=,]|=2C|=3D)+';
const CLIENT_FIRST = new RegExp(`^n,(?:a=(${SASLNAME}))?,((?:m=[^,]+,)?n=(${SASLNAME}),r=([\\x21-\\x2B\\x2D-\\x7E]+)((?:,[A-Za-z]+=[^,]+)*))$`);
const CLIENT_FINAL = /^(c=[A-Za-z0-9+/=]+,r=([\x21-\x2B\x2D-\x7E]+)(?:,[A-Za-z]+=[^,]+)*?),p=([A-Za-z0-9+/=]+)$/;

/** RFC 5802 saslname -> user name ("=2C" is ',', "=3D" is '='). */
export function saslNameToUser(saslName: string): string {
  return saslName.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

export class ScramSession implements SaslSession {
  complete = false;
  authorizationId?: string;
  private state: 'first' | 'final' | 'done' = 'first';
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private credential?: ScramCredential;

  constructor(readonly mechanism: ScramMechanism, private readonly store: CredentialStore) {}

  evaluate(token: Buffer): Buffer {
    const msg = token.toString('utf8');
    if (this.state === 'first') return this.first(msg);
    if (this.state === 'final') return this.final(msg);
    throw new SaslCredentialError(`Unexpected challenge in Sasl server state ${this.state}`);
  }

  private first(msg: string): Buffer {
    const m = CLIENT_FIRST.exec(msg);
    if (!m) throw new SaslCredentialError('Invalid SCRAM client first message format');
    const [, authzid, bare, saslName, clientNonce] = m;
    const username = saslNameToUser(saslName);
    const cred = this.store.scram(username, this.mechanism);
    this.state = 'done'; // a failure below ends the exchange
    if (!cred) throw new SaslCredentialError('Authentication failed: Invalid user credentials');
    if (authzid && saslNameToUser(authzid) !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    if (cred.iterations < MIN_ITERATIONS) throw new SaslCredentialError(`Iterations ${cred.iterations} is less than the minimum ${MIN_ITERATIONS} for ${this.mechanism}`);
    this.credential = cred;
    this.authorizationId = username;
    this.clientFirstBare = bare;
    this.nonce = clientNonce + randomBytes(24).toString('base64').replace(/[+/=]/g, '');
    this.serverFirst = `r=${this.nonce},s=${cred.salt.toString('base64')},i=${cred.iterations}`;
    this.state = 'final';
    return Buffer.from(this.serverFirst, 'utf8');
  }

  private final(msg: string): Buffer {
    this.state = 'done';
    const m = CLIENT_FINAL.exec(msg);
    if (!m) throw new SaslCredentialError('Invalid SCRAM client final message format');
    const [, withoutProof, nonce, proofB64] = m;
    // Kafka 3.8.1-3.9 accept a nonce that ends with ours: librdkafka before 2.6.1 prepends its client nonce once more.
    if (!nonce.endsWith(this.nonce)) throw new SaslCredentialError('Invalid client nonce in the final client message.');
    const { digest, keyLen } = SCRAM[this.mechanism];
    const cred = this.credential!;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(digest, cred.storedKey, authMessage);
    const proof = Buffer.from(proofB64, 'base64');
    if (proof.length !== keyLen) throw new SaslCredentialError('Invalid client credentials');
    const clientKey = Buffer.alloc(keyLen);
    for (let i = 0; i < keyLen; i++) clientKey[i] = proof[i] ^ clientSignature[i];
    if (!timingSafeEqual(hash(digest, clientKey), cred.storedKey)) throw new SaslCredentialError('Invalid client credentials');
    const serverSignature = hmac(digest, cred.serverKey, authMessage);
    this.credential = undefined;
    this.complete = true;
    return Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8');
  }
}
