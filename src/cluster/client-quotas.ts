// Client quotas (KIP-546: DescribeClientQuotas, AlterClientQuotas). An entity is a user, a client id, both, or an
// IP, each by name or as the default (a null name); each has quota values (producer_byte_rate, ...). Validation,
// matching and messages follow Kafka's ClientQuotaControlManager; the values are kept with the cluster's metadata.
// producer_byte_rate and consumer_byte_rate are enforced (quota-rates.ts), controller_mutation_rate too
// (mutation-quota.ts); request_percentage and connection_creation_rate are stored and described.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Services } from '../broker/context.js';
import { KafkaError } from '../protocol/errors.js';
import type { ServiceInstaller } from '../services.js';
import type { Storage } from '../storage/types.js';
import { MutationQuotas } from './mutation-quota.js';
import { ByteRateQuotas } from './quota-rates.js';

export const USER = 'user';
export const CLIENT_ID = 'client-id';
export const IP = 'ip';
const ENTITY_TYPES = [USER, CLIENT_ID, IP];

/** Entity type → name (null: the default entity of that type), in USER, CLIENT_ID, IP order. */
export type QuotaEntity = [type: string, name: string | null][];

type KeyType = 'LONG' | 'INT' | 'DOUBLE';
// Kafka's QuotaConfig.userAndClientQuotaConfigs() and ipConfigs().
const USER_CLIENT_KEYS: Record<string, KeyType> = {
  producer_byte_rate: 'LONG',
  consumer_byte_rate: 'LONG',
  request_percentage: 'DOUBLE',
  controller_mutation_rate: 'DOUBLE',
};
const IP_KEYS: Record<string, KeyType> = { connection_creation_rate: 'INT' };

export interface QuotaAlteration {
  entity: QuotaEntity;
  /** value null: remove the key */
  ops: { key: string; value: number | null }[];
}

export interface FilterComponent {
  entityType: string;
  /** 0: exactly `match`, 1: the default entity, 2: any entity of the type */
  matchType: number;
  match: string | null;
}

interface Stored {
  entity: QuotaEntity;
  values: Record<string, number>;
}

const invalid = (message: string) => new KafkaError('INVALID_REQUEST', message);

/** The entity with one component per type (the last wins, as Kafka's map of them) in a fixed order. */
export function normalizeEntity(components: { entityType: string; entityName: string | null }[]): QuotaEntity {
  const m = new Map(components.map((c) => [c.entityType, c.entityName]));
  return [...m].sort(([a], [b]) => rank(a) - rank(b));
}
const rank = (type: string) => (ENTITY_TYPES.indexOf(type) + 4) % 4; // unknown types first: they fail validation
/** An entity as the Describe/AlterClientQuotas responses carry it. */
export const entityToWire = (e: QuotaEntity) => e.map(([entityType, entityName]) => ({ entityType, entityName }));
const entityKey = (e: QuotaEntity) => JSON.stringify(e);
/** As Kafka prints a ClientQuotaEntity in its messages. */
const describeEntity = (e: QuotaEntity) => `ClientQuotaEntity(entries=${`{${e.map(([t, n]) => `${t}=${n}`).join(', ')}}`})`;

export class ClientQuotas {
  private readonly entities = new Map<string, Stored>();
  /** Bumped by every change, so enforcement (quota-rates.ts) knows when to look again. */
  version = 0;

  constructor(private readonly storage: Storage) {}

  /**
   * The quota `key` that applies to a client, by Kafka's precedence (DefaultQuotaCallback), most specific first, and
   * who shares it: a user-wide or client-wide quota is shared by the clients it covers (its user / client id is then
   * ''), a default one applies to each user / client id on its own.
   */
  applicable(key: string, user: string, clientId: string): { bound: number; user: string; clientId: string } | null {
    const order: [QuotaEntity, string, string][] = [
      [[[USER, user], [CLIENT_ID, clientId]], user, clientId],
      [[[USER, user], [CLIENT_ID, null]], user, clientId],
      [[[USER, user]], user, ''],
      [[[USER, null], [CLIENT_ID, clientId]], user, clientId],
      [[[USER, null], [CLIENT_ID, null]], user, clientId],
      [[[USER, null]], user, ''],
      [[[CLIENT_ID, clientId]], '', clientId],
      [[[CLIENT_ID, null]], '', clientId],
    ];
    for (const [entity, u, c] of order) {
      const bound = this.entities.get(entityKey(entity))?.values[key];
      if (bound !== undefined) return { bound, user: u, clientId: c };
    }
    return null;
  }

  anySet(key: string): boolean {
    for (const s of this.entities.values()) if (key in s.values) return true;
    return false;
  }

  async load(): Promise<void> {
    for (const s of (await this.storage.loadMeta<Stored[]>('client-quotas')) ?? []) this.entities.set(entityKey(s.entity), s);
  }

  /**
   * Kafka's alterClientQuotas: each entity is validated on its own and answered with its own error; the changes of
   * the valid ones are applied together (none with validateOnly). Results are per distinct entity, in request order.
   */
  async alter(alterations: QuotaAlteration[], validateOnly: boolean): Promise<{ entity: QuotaEntity; error: KafkaError | null }[]> {
    const results = new Map<string, { entity: QuotaEntity; error: KafkaError | null }>();
    const changes: [Stored, string, number | null][] = [];
    for (const { entity, ops } of alterations) {
      const key = entityKey(entity);
      const wanted = new Map<string, number | null>();
      for (const op of ops) {
        if (wanted.has(op.key)) results.set(key, { entity, error: invalid(`Duplicate quota key ${op.key} not updating quota for this entity ${describeEntity(entity)}`) });
        else wanted.set(op.key, op.value);
      }
      if (results.has(key)) {
        results.set(key, { entity, error: invalid(`Ignoring duplicate entity ${describeEntity(entity)}`) });
        continue;
      }
      try {
        const keys = await validKeys(entity);
        const stored = this.entities.get(key) ?? { entity, values: {} };
        const mine: typeof changes = [];
        for (const [k, v] of wanted) {
          if (v !== null) checkValue(keys, k, v);
          if (v === null ? k in stored.values : stored.values[k] !== v) mine.push([stored, k, v]);
        }
        changes.push(...mine);
        results.set(key, { entity, error: null });
      } catch (e) {
        if (!(e instanceof KafkaError)) throw e;
        results.set(key, { entity, error: e });
      }
    }
    if (!validateOnly && changes.length > 0) {
      for (const [stored, k, v] of changes) {
        if (v === null) delete stored.values[k];
        else stored.values[k] = v;
        const key = entityKey(stored.entity);
        if (Object.keys(stored.values).length === 0) this.entities.delete(key);
        else this.entities.set(key, stored);
      }
      this.version++;
      await this.storage.saveMeta('client-quotas', [...this.entities.values()]);
    }
    return [...results.values()];
  }

  /** Kafka's describeClientQuotas: the entities matching every component (and no other type, if strict). */
  describe(components: FilterComponent[], strict: boolean): Stored[] {
    const exact = new Map<string, string | null>();
    const any = new Set<string>();
    for (const c of components) {
      if (c.entityType === '') throw invalid('Invalid empty entity type.');
      if (exact.has(c.entityType) || any.has(c.entityType)) throw invalid(`Entity type ${c.entityType} cannot appear more than once in the filter.`);
      if (!ENTITY_TYPES.includes(c.entityType)) throw new KafkaError('UNSUPPORTED_VERSION', `Unsupported entity type ${c.entityType}`);
      if (c.matchType === 0 && c.match !== null) exact.set(c.entityType, c.match);
      else if (c.matchType === 1) exact.set(c.entityType, null);
      else if (c.matchType === 2) any.add(c.entityType);
      else throw invalid(c.matchType === 0 ? `An exact match on ${c.entityType} needs a name` : `Unexpected match type: ${c.matchType}`);
    }
    const has = (t: string) => exact.has(t) || any.has(t);
    if (has(IP) && (has(USER) || has(CLIENT_ID))) {
      throw invalid('Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.');
    }
    return [...this.entities.values()].filter(({ entity }) => {
      if (strict && entity.length !== exact.size + any.size) return false;
      const names = new Map(entity);
      for (const [t, n] of exact) if (!names.has(t) || names.get(t) !== n) return false;
      for (const t of any) if (!names.has(t)) return false;
      return true;
    });
  }
}

/** The quota keys an entity may set, or Kafka's error for the entity (validateEntity + configKeysForEntityType). */
async function validKeys(entity: QuotaEntity): Promise<Record<string, KeyType>> {
  if (entity.length === 0) throw invalid('Invalid empty client quota entity');
  for (const [type, name] of entity) {
    if (!ENTITY_TYPES.includes(type)) throw invalid(`Unhandled client quota entity type: ${type}`);
    if (name === '') throw invalid(`Empty ${type} not supported`);
  }
  const names = new Map(entity);
  if (!names.has(IP)) return USER_CLIENT_KEYS;
  // Kafka's message, its missing space included.
  if (entity.length > 1) throw invalid('Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId');
  const ip = names.get(IP);
  if (ip != null && !isIP(ip) && !(await lookup(ip).then(() => true, () => false))) throw invalid(`${ip} is not a valid IP or resolvable host.`);
  return IP_KEYS;
}

/** Kafka's validateQuotaKeyValue. */
function checkValue(keys: Record<string, KeyType>, key: string, value: number): void {
  const type = Object.hasOwn(keys, key) ? keys[key] : undefined;
  if (type === undefined) throw invalid(`Invalid configuration key ${key}`);
  if (!(value > 0)) throw invalid(`Quota ${key} must be greater than 0`);
  if (type === 'DOUBLE') return;
  if (type === 'INT' && value > 2147483647) throw invalid(`Proposed value for ${key} is too large for an INT.`);
  if (type === 'LONG' && value > 9223372036854775807) throw invalid(`Proposed value for ${key} is too large for a LONG.`);
  if (Math.abs(value % 1) > 1e-6) throw invalid(`${key} cannot be a fractional value.`);
}

export const clientQuotasInstaller: ServiceInstaller = {
  name: 'client-quotas',
  async install(services: Services) {
    const { cluster } = services;
    const quotas = new ClientQuotas(cluster.storage);
    await quotas.load();
    services.quotas = quotas;
    services.byteRates = new ByteRateQuotas(quotas, () => ({
      windows: cluster.config.int('quota.window.num'),
      windowMs: cluster.config.int('quota.window.size.seconds') * 1000,
    }));
    services.mutationQuotas = new MutationQuotas(quotas, () => ({
      windows: cluster.config.int('controller.quota.window.num'),
      windowSeconds: cluster.config.int('controller.quota.window.size.seconds'),
    }));
  },
};
