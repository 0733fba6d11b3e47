// User credentials for SASL. Only salted forms are kept, never a password: SCRAM credentials (salt,
// StoredKey, ServerKey, iterations, RFC 5802) per mechanism, and for PLAIN the same construction with
// SHA-256 so a PLAIN password can be checked without storing it. Users come from --sasl-users /
// --sasl-users-file / the scramUsers option (derived at start, not persisted) and from
// AlterUserScramCredentials (persisted with saveMeta; they override the configured ones, deletions included).
import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Storage } from '../../storage/types.js';

const pbkdf2Async = promisify(pbkdf2);

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** Digest, key length and AlterUserScramCredentials code of each SCRAM mechanism (Kafka's ScramMechanism). */
export const SCRAM: Record<ScramMechanism, { digest: 'sha256' | 'sha512'; keyLen: number; code: number }> = {
  'SCRAM-SHA-256': { digest: 'sha256', keyLen: 32, code: 1 },
  'SCRAM-SHA-512': { digest: 'sha512', keyLen: 64, code: 2 },
};
export const SCRAM_MECHANISMS = Object.keys(SCRAM) as ScramMechanism[];
export const MIN_ITERATIONS = 4096;
export const MAX_ITERATIONS = 16384;

export function scramMechanismByCode(code: number): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => SCRAM[m].code === code);
}

export interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
  iterations: number;
}

export function hmac(digest: string, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(digest, key).update(data).digest();
}

export function hash(digest: string, data: Buffer): Buffer {
  return createHash(digest).update(data).digest();
}

/** StoredKey and ServerKey from SaltedPassword = Hi(password, salt, i). */
export function credentialFromSalted(mech: ScramMechanism, salt: Buffer, saltedPassword: Buffer, iterations: number): ScramCredential {
  const { digest } = SCRAM[mech];
  const clientKey = hmac(digest, saltedPassword, 'Client Key');
  return { salt, iterations, storedKey: hash(digest, clientKey), serverKey: hmac(digest, saltedPassword, 'Server Key') };
}

export async function deriveCredential(mech: ScramMechanism, password: string, iterations = MIN_ITERATIONS, salt: Buffer = randomBytes(24)): Promise<ScramCredential> {
  const { digest, keyLen } = SCRAM[mech];
  const salted = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, keyLen, digest);
  return credentialFromSalted(mech, salt, salted, iterations);
}

interface PersistedCredential {
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}
type Persisted = Record<string, Record<string, PersistedCredential | null>>;

const META = 'scram-credentials';

export interface UserPasswords {
  /** PLAIN password, also used for SCRAM mechanisms without their own. */
  password?: string;
  'SCRAM-SHA-256'?: string;
  'SCRAM-SHA-512'?: string;
}

export class CredentialStore {
  private plain = new Map<string, ScramCredential>();
  private configured = new Map<string, Map<ScramMechanism, ScramCredential>>();
  /** From AlterUserScramCredentials; null marks a deleted configured credential. */
  private dynamic = new Map<string, Map<ScramMechanism, ScramCredential | null>>();

  constructor(private readonly storage: Storage) {}

  async load(): Promise<void> {
    const saved = (await this.storage.loadMeta<Persisted>(META)) ?? {};
    for (const [user, mechs] of Object.entries(saved)) {
      const m = new Map<ScramMechanism, ScramCredential | null>();
      for (const [mech, c] of Object.entries(mechs)) {
        if (!(mech in SCRAM)) continue;
        m.set(mech as ScramMechanism, c && {
          salt: Buffer.from(c.salt, 'base64'), storedKey: Buffer.from(c.storedKey, 'base64'), serverKey: Buffer.from(c.serverKey, 'base64'), iterations: c.iterations,
        });
      }
      this.dynamic.set(user, m);
    }
  }

  private persist(): Promise<void> {
    const out: Persisted = {};
    for (const [user, mechs] of this.dynamic) {
      out[user] = {};
      for (const [mech, c] of mechs) {
        out[user][mech] = c && { salt: c.salt.toString('base64'), storedKey: c.storedKey.toString('base64'), serverKey: c.serverKey.toString('base64'), iterations: c.iterations };
      }
    }
    return this.storage.saveMeta(META, out);
  }

  /** Adds a configured user: PLAIN from `password`, each SCRAM mechanism from its own password or `password`. */
  async addUser(name: string, pw: UserPasswords): Promise<void> {
    if (!name) throw new Error('SASL user name must not be empty');
    const jobs: Promise<void>[] = [];
    if (pw.password !== undefined) jobs.push(deriveCredential('SCRAM-SHA-256', pw.password).then((c) => void this.plain.set(name, c)));
    for (const mech of SCRAM_MECHANISMS) {
      const p = pw[mech] ?? pw.password;
      if (p === undefined) continue;
      jobs.push(deriveCredential(mech, p).then((c) => {
        let m = this.configured.get(name);
        if (!m) this.configured.set(name, (m = new Map()));
        m.set(mech, c);
      }));
    }
    await Promise.all(jobs);
  }

  /**
   * Checks a PLAIN password in constant time against its salted form. Synchronous (about a millisecond) so that
   * authentication completes before the client's next frame is looked at, as in Kafka.
   */
  verifyPlain(name: string, password: string): boolean {
    const c = this.plain.get(name);
    // Unknown users cost the same work, so timing does not reveal which names exist.
    const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), c?.salt ?? Buffer.alloc(24), c?.iterations ?? MIN_ITERATIONS, SCRAM['SCRAM-SHA-256'].keyLen, 'sha256');
    const probe = credentialFromSalted('SCRAM-SHA-256', c?.salt ?? Buffer.alloc(24), salted, c?.iterations ?? MIN_ITERATIONS);
    return !!c && timingSafeEqual(probe.storedKey, c.storedKey);
  }

  scram(name: string, mech: ScramMechanism): ScramCredential | undefined {
    const d = this.dynamic.get(name);
    if (d?.has(mech)) return d.get(mech) ?? undefined;
    return this.configured.get(name)?.get(mech);
  }

  /** Users having at least one SCRAM credential, sorted. */
  scramUsers(): string[] {
    const names = new Set([...this.configured.keys(), ...this.dynamic.keys()]);
    return [...names].filter((n) => SCRAM_MECHANISMS.some((m) => this.scram(n, m))).sort();
  }

  async upsert(name: string, mech: ScramMechanism, cred: ScramCredential): Promise<void> {
    this.dynamicFor(name).set(mech, cred);
    await this.persist();
  }

  /** Deletes a credential; false when it does not exist. */
  async delete(name: string, mech: ScramMechanism): Promise<boolean> {
    if (!this.scram(name, mech)) return false;
    this.dynamicFor(name).set(mech, null);
    await this.persist();
    return true;
  }

  private dynamicFor(name: string): Map<ScramMechanism, ScramCredential | null> {
    let m = this.dynamic.get(name);
    if (!m) this.dynamic.set(name, (m = new Map()));
    return m;
  }
}

/** `user:password,user2:password2` (the first ':' separates), or an object / array form from the API. */
export function parseUserList(spec: unknown): [string, string][] {
  if (spec === undefined || spec === null || spec === '') return [];
  if (typeof spec === 'string') {
    return spec.split(',').map((s) => s.trim()).filter(Boolean).map((entry) => {
      const i = entry.indexOf(':');
      if (i <= 0) throw new Error(`invalid SASL user "${entry}": expected user:password`);
      return [entry.slice(0, i), entry.slice(i + 1)];
    });
  }
  if (Array.isArray(spec)) return spec.flatMap((s) => parseUserList(s));
  if (typeof spec === 'object') return Object.entries(spec as Record<string, unknown>).map(([u, p]) => [u, String(p)]);
  throw new Error('saslUsers must be "user:password,..." or an object of user -> password');
}

/** The users file: {"users": {"name": {"password": "...", "SCRAM-SHA-256": "...", "SCRAM-SHA-512": "..."}}}; a bare string is a password. */
export function parseUsersFile(json: unknown, file: string): [string, UserPasswords][] {
  const users = (json as { users?: unknown })?.users;
  if (!users || typeof users !== 'object' || Array.isArray(users)) throw new Error(`${file}: expected {"users": {"name": {"password": "..."}}}`);
  return Object.entries(users as Record<string, unknown>).map(([name, v]) => {
    if (typeof v === 'string') return [name, { password: v }];
    if (!v || typeof v !== 'object') throw new Error(`${file}: user "${name}" must be an object or a password string`);
    const o = v as Record<string, unknown>;
    const pw: UserPasswords = {};
    for (const k of ['password', ...SCRAM_MECHANISMS] as const) {
      if (o[k] === undefined) continue;
      if (typeof o[k] !== 'string') throw new Error(`${file}: user "${name}": "${k}" must be a string`);
      pw[k] = o[k] as string;
    }
    for (const k of Object.keys(o)) if (k !== 'password' && !(k in SCRAM)) throw new Error(`${file}: user "${name}": unknown key "${k}"`);
    return [name, pw];
  });
}
