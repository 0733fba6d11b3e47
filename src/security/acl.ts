// ACLs with the semantics of Kafka's AclAuthorizer / StandardAuthorizer: bindings of a resource pattern
// (LITERAL name, the "*" wildcard, or a PREFIXED name) to a principal, host, operation and ALLOW/DENY.
// A matching DENY wins over any ALLOW; super.users bypass ACLs; a resource no ACL matches at all is
// allowed only when allow.everyone.if.no.acl.found=true. ACLs are enforced only when an authorizer is
// configured (--authorizer, authorizer.class.name, or allow.everyone.if.no.acl.found set explicitly),
// as a Kafka broker without authorizer.class.name allows everything.
import type { RequestContext } from '../broker/context.js';
import type { Cluster } from '../cluster/cluster.js';
import { KafkaError } from '../protocol/errors.js';
import { ANONYMOUS } from './principal.js';

export const ResourceType = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export const AclOperation = {
  UNKNOWN: 0, ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12, CREATE_TOKENS: 13, DESCRIBE_TOKENS: 14,
} as const;
export const PermissionType = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

export type OperationName = keyof typeof AclOperation;
export type Op = OperationName | number;

export const CLUSTER_NAME = 'kafka-cluster';
const WILDCARD = '*';
const WILDCARD_PRINCIPAL = 'User:*';

// Operations Kafka reports in authorized-operations bitfields, per resource type (AclEntry.supportedOperations).
// Groups have had configs since Kafka 4.0 (DESCRIBE_CONFIGS, ALTER_CONFIGS): Kafka 2.4 emulation reports the 3 older.
const SUPPORTED_OPS: Record<number, number[]> = {
  [ResourceType.TOPIC]: [3, 4, 5, 6, 7, 8, 10, 11],
  [ResourceType.GROUP]: [3, 6, 8, 10, 11],
  [ResourceType.CLUSTER]: [5, 9, 10, 11, 7, 12, 8],
  [ResourceType.TRANSACTIONAL_ID]: [8, 4],
  [ResourceType.DELEGATION_TOKEN]: [8],
  [ResourceType.USER]: [13, 14],
};

export interface AclBinding {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

/** A filter as DescribeAcls / DeleteAcls send it: null strings and ANY codes match everything. */
export interface AclFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permissionType: number;
}

function opCode(op: Op): number {
  return typeof op === 'number' ? op : AclOperation[op];
}

/** Operations an ALLOW on `granted` also allows (Kafka: READ/WRITE/DELETE/ALTER imply DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS). */
function allowImplies(granted: number, wanted: number): boolean {
  if (granted === wanted || granted === AclOperation.ALL) return true;
  if (wanted === AclOperation.DESCRIBE) return [AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER].includes(granted as 3);
  if (wanted === AclOperation.DESCRIBE_CONFIGS) return granted === AclOperation.ALTER_CONFIGS;
  return false;
}

/** Does `pattern` (a stored binding's resource) apply to the concrete resource `name`? */
function patternMatchesResource(b: AclBinding, type: number, name: string): boolean {
  if (b.resourceType !== type) return false;
  if (b.patternType === PatternType.LITERAL) return b.resourceName === name || b.resourceName === WILDCARD;
  if (b.patternType === PatternType.PREFIXED) return name.startsWith(b.resourceName);
  return false;
}

/** ResourcePatternFilter.matches + AccessControlEntryFilter.matches. */
export function filterMatches(f: AclFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== b.resourceType) return false;
  switch (f.patternType) {
    case PatternType.ANY:
      if (f.resourceName !== null && f.resourceName !== b.resourceName) return false;
      break;
    case PatternType.MATCH:
      if (f.resourceName !== null) {
        const ok = b.patternType === PatternType.LITERAL
          ? b.resourceName === f.resourceName || b.resourceName === WILDCARD
          : b.patternType === PatternType.PREFIXED && f.resourceName.startsWith(b.resourceName);
        if (!ok) return false;
      }
      break;
    default:
      if (f.patternType !== b.patternType) return false;
      if (f.resourceName !== null && f.resourceName !== b.resourceName) return false;
  }
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== AclOperation.ANY && f.operation !== b.operation) return false;
  if (f.permissionType !== PermissionType.ANY && f.permissionType !== b.permissionType) return false;
  return true;
}

/** Kafka's checks on a new binding (StandardAuthorizer.validateNewAcl + SecurityUtils.parseKafkaPrincipal). */
export function validateNewAcl(b: AclBinding): void {
  const bad = (msg: string) => new KafkaError('INVALID_REQUEST', msg);
  if (![2, 3, 4, 5, 6, 7].includes(b.resourceType)) throw bad(`Invalid resourceType ${b.resourceType}`);
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED) throw bad(`Invalid patternType ${b.patternType}`);
  if (b.operation <= AclOperation.ANY || b.operation > AclOperation.DESCRIBE_TOKENS) throw bad(`Invalid operation ${b.operation}`);
  if (b.permissionType !== PermissionType.ALLOW && b.permissionType !== PermissionType.DENY) throw bad(`Invalid permissionType ${b.permissionType}`);
  if (!b.resourceName) throw bad('Resource name should not be empty');
  if (b.resourceType === ResourceType.CLUSTER && b.resourceName !== CLUSTER_NAME) throw bad('The only valid name for the CLUSTER resource is kafka-cluster');
  const i = b.principal.indexOf(':');
  if (i <= 0 || i === b.principal.length - 1) throw bad(`expected a string in format principalType:principalName but got ${b.principal}`);
  if (!b.host) throw bad('Invalid empty host');
}

function sameBinding(a: AclBinding, b: AclBinding): boolean {
  return a.resourceType === b.resourceType && a.resourceName === b.resourceName && a.patternType === b.patternType
    && a.principal === b.principal && a.host === b.host && a.operation === b.operation && a.permissionType === b.permissionType;
}

/** The client's IP as Kafka puts it in ACL host matching (IPv4-mapped IPv6 addresses shown as IPv4). */
export function clientHost(ctx: RequestContext): string {
  return ctx.conn?.clientIp ?? '';
}

export function principalOf(ctx: RequestContext): string {
  return ctx.conn?.state.principal ?? ANONYMOUS;
}

export class Authorizer {
  private bindings: AclBinding[] = [];
  private superUsersRaw: string | null = null;
  private superUsers = new Set<string>();

  constructor(private readonly cluster: Cluster, readonly enabled: boolean) {}

  async load(): Promise<void> {
    this.bindings = (await this.cluster.storage.loadMeta<AclBinding[]>('acls')) ?? [];
  }

  private persist(): Promise<void> {
    return this.cluster.storage.saveMeta('acls', this.bindings);
  }

  private isSuperUser(principal: string): boolean {
    const raw = this.cluster.config.get('super.users');
    if (raw !== this.superUsersRaw) {
      this.superUsersRaw = raw;
      this.superUsers = new Set((raw ?? '').split(';').map((s) => s.trim()).filter(Boolean));
    }
    return this.superUsers.has(principal);
  }

  /** Kafka's authorize() for one action. Always true when no authorizer is configured. */
  authorize(principal: string, host: string, op: Op, resourceType: number, name: string): boolean {
    if (!this.enabled) return true;
    if (this.isSuperUser(principal)) return true;
    const wanted = opCode(op);
    let anyForResource = false;
    let allowed = false;
    for (const b of this.bindings) {
      if (!patternMatchesResource(b, resourceType, name)) continue;
      anyForResource = true;
      if (b.principal !== principal && b.principal !== WILDCARD_PRINCIPAL) continue;
      if (b.host !== host && b.host !== WILDCARD) continue;
      if (b.permissionType === PermissionType.DENY) {
        if (b.operation === wanted || b.operation === AclOperation.ALL) return false;
      } else if (b.permissionType === PermissionType.ALLOW && allowImplies(b.operation, wanted)) {
        allowed = true;
      }
    }
    if (!anyForResource) return this.cluster.config.bool('allow.everyone.if.no.acl.found');
    return allowed;
  }

  /** Bitfield of the operations allowed on a resource, as in Metadata / DescribeGroups / DescribeCluster. */
  authorizedOperations(principal: string, host: string, resourceType: number, name: string): number {
    let bits = 0;
    let ops = SUPPORTED_OPS[resourceType] ?? [];
    if (resourceType === ResourceType.GROUP && this.cluster.config.get('kafkalite.emulate.version') === '2.4') ops = ops.slice(0, 3);
    for (const op of ops) if (this.authorize(principal, host, op, resourceType, name)) bits |= 1 << op;
    return bits;
  }

  describe(filter: AclFilter): AclBinding[] {
    return this.bindings.filter((b) => filterMatches(filter, b));
  }

  /** Adds bindings (duplicates are ignored, as in Kafka); each is validated independently. */
  async create(list: AclBinding[]): Promise<(KafkaError | null)[]> {
    const results = list.map((b) => {
      try {
        validateNewAcl(b);
        if (!this.bindings.some((x) => sameBinding(x, b))) this.bindings.push({ ...b });
        return null;
      } catch (e) {
        if (e instanceof KafkaError) return e;
        throw e;
      }
    });
    await this.persist();
    return results;
  }

  /** Removes the bindings matching each filter; returns what each filter removed. */
  async delete(filters: AclFilter[]): Promise<AclBinding[][]> {
    const removed = filters.map((f) => this.bindings.filter((b) => filterMatches(f, b)));
    const gone = new Set(removed.flat());
    if (gone.size > 0) {
      this.bindings = this.bindings.filter((b) => !gone.has(b));
      await this.persist();
    }
    return removed;
  }

  // Hooks the request handlers call (ctx carries the connection's principal and address).
  private can(ctx: RequestContext, op: Op, type: number, name: string): boolean {
    if (!this.enabled) return true;
    return this.authorize(principalOf(ctx), clientHost(ctx), op, type, name);
  }
  canDescribeTopic(ctx: RequestContext, topic: string): boolean {
    return this.can(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, topic);
  }
  canWriteTopic(ctx: RequestContext, topic: string): boolean {
    return this.can(ctx, AclOperation.WRITE, ResourceType.TOPIC, topic);
  }
  canReadTopic(ctx: RequestContext, topic: string): boolean {
    return this.can(ctx, AclOperation.READ, ResourceType.TOPIC, topic);
  }
  canTopic(ctx: RequestContext, op: Op, topic: string): boolean {
    return this.can(ctx, op, ResourceType.TOPIC, topic);
  }
  /** CREATE on the cluster or on the topic, as Kafka checks for CreateTopics and auto-creation. */
  canCreateTopic(ctx: RequestContext, topic: string): boolean {
    return this.can(ctx, AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME) || this.can(ctx, AclOperation.CREATE, ResourceType.TOPIC, topic);
  }
  canGroup(ctx: RequestContext, op: Op, groupId: string): boolean {
    return this.can(ctx, op, ResourceType.GROUP, groupId);
  }
  canDescribeGroup(ctx: RequestContext, groupId: string): boolean {
    return this.can(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, groupId);
  }
  canDeleteGroup(ctx: RequestContext, groupId: string): boolean {
    return this.can(ctx, AclOperation.DELETE, ResourceType.GROUP, groupId);
  }
  canCluster(ctx: RequestContext, op: Op): boolean {
    return this.can(ctx, op, ResourceType.CLUSTER, CLUSTER_NAME);
  }
  canTransactionalId(ctx: RequestContext, op: Op, transactionalId: string): boolean {
    return this.can(ctx, op, ResourceType.TRANSACTIONAL_ID, transactionalId);
  }
  topicOperations(ctx: RequestContext, topic: string): number {
    return this.operations(ctx, ResourceType.TOPIC, topic);
  }
  groupOperations(ctx: RequestContext, groupId: string): number {
    return this.operations(ctx, ResourceType.GROUP, groupId);
  }
  clusterOperations(ctx: RequestContext): number {
    return this.operations(ctx, ResourceType.CLUSTER, CLUSTER_NAME);
  }
  private operations(ctx: RequestContext, type: number, name: string): number {
    return this.authorizedOperations(principalOf(ctx), clientHost(ctx), type, name);
  }
}
