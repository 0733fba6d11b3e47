// The authorizer's decision rules, as Kafka's AclAuthorizer/StandardAuthorizer apply them.
import { describe, expect, test } from 'vitest';
import { BrokerConfig } from '../../src/cluster/config.js';
import type { Cluster } from '../../src/cluster/cluster.js';
import { AclOperation as Op, Authorizer, filterMatches, PatternType, PermissionType, ResourceType, type AclBinding } from '../../src/security/acl.js';
import { MemoryStorage } from '../../src/storage/memory.js';

const { TOPIC, GROUP, CLUSTER } = ResourceType;
const { LITERAL, PREFIXED } = PatternType;
const { ALLOW, DENY } = PermissionType;

function authorizer(overrides: Record<string, string> = {}, enabled = true): Authorizer {
  const cluster = { config: new BrokerConfig(overrides), storage: new MemoryStorage() } as unknown as Cluster;
  return new Authorizer(cluster, enabled);
}

const acl = (resourceType: number, resourceName: string, patternType: number, principal: string, operation: number, permissionType: number, host = '*'): AclBinding =>
  ({ resourceType, resourceName, patternType, principal, host, operation, permissionType });

describe('Authorizer', () => {
  test('without an authorizer everything is allowed', () => {
    const a = authorizer({}, false);
    expect(a.authorize('User:x', '1.2.3.4', 'WRITE', TOPIC, 't')).toBe(true);
  });

  test('no ACL for a resource: allow.everyone.if.no.acl.found decides (default false)', async () => {
    expect(authorizer().authorize('User:x', 'h', 'READ', TOPIC, 't')).toBe(false);
    expect(authorizer({ 'allow.everyone.if.no.acl.found': 'true' }).authorize('User:x', 'h', 'READ', TOPIC, 't')).toBe(true);
    // ...but once any ACL matches the resource, only ACLs count.
    const a = authorizer({ 'allow.everyone.if.no.acl.found': 'true' });
    await a.create([acl(TOPIC, 't', LITERAL, 'User:alice', Op.READ, ALLOW)]);
    expect(a.authorize('User:bob', 'h', 'READ', TOPIC, 't')).toBe(false);
    expect(a.authorize('User:bob', 'h', 'READ', TOPIC, 'other')).toBe(true);
  });

  test('DENY wins over ALLOW; ALL and wildcard principal/host/resource match', async () => {
    const a = authorizer();
    await a.create([
      acl(TOPIC, '*', LITERAL, 'User:*', Op.ALL, ALLOW),
      acl(TOPIC, 'secret', LITERAL, 'User:bob', Op.READ, DENY),
      acl(TOPIC, 'secret', LITERAL, 'User:*', Op.WRITE, DENY, '10.0.0.9'),
    ]);
    expect(a.authorize('User:bob', '10.0.0.1', 'READ', TOPIC, 'secret')).toBe(false);
    expect(a.authorize('User:bob', '10.0.0.1', 'WRITE', TOPIC, 'secret')).toBe(true);
    expect(a.authorize('User:alice', '10.0.0.9', 'WRITE', TOPIC, 'secret')).toBe(false);
    expect(a.authorize('User:alice', '10.0.0.1', 'READ', TOPIC, 'anything')).toBe(true);
    // A DENY on READ does not deny DESCRIBE (implication is for ALLOW only).
    expect(a.authorize('User:bob', '10.0.0.1', 'DESCRIBE', TOPIC, 'secret')).toBe(true);
  });

  test('ALLOW READ/WRITE/DELETE/ALTER imply DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS, nothing else', async () => {
    const a = authorizer();
    await a.create([
      acl(TOPIC, 'r', LITERAL, 'User:u', Op.READ, ALLOW),
      acl(TOPIC, 'c', LITERAL, 'User:u', Op.ALTER_CONFIGS, ALLOW),
    ]);
    expect(a.authorize('User:u', 'h', 'DESCRIBE', TOPIC, 'r')).toBe(true);
    expect(a.authorize('User:u', 'h', 'WRITE', TOPIC, 'r')).toBe(false);
    expect(a.authorize('User:u', 'h', 'DESCRIBE_CONFIGS', TOPIC, 'c')).toBe(true);
    expect(a.authorize('User:u', 'h', 'DESCRIBE', TOPIC, 'c')).toBe(false);
  });

  test('PREFIXED patterns and resource types are separate', async () => {
    const a = authorizer();
    await a.create([acl(TOPIC, 'orders-', PREFIXED, 'User:u', Op.READ, ALLOW), acl(GROUP, 'orders-', PREFIXED, 'User:u', Op.READ, ALLOW)]);
    expect(a.authorize('User:u', 'h', 'READ', TOPIC, 'orders-eu')).toBe(true);
    expect(a.authorize('User:u', 'h', 'READ', TOPIC, 'order')).toBe(false);
    expect(a.authorize('User:u', 'h', 'READ', GROUP, 'orders-app')).toBe(true);
    expect(a.authorize('User:u', 'h', 'READ', CLUSTER, 'kafka-cluster')).toBe(false);
  });

  test('super.users bypass ACLs', async () => {
    const a = authorizer({ 'super.users': 'User:admin;User:CN=ops,O=acme' });
    await a.create([acl(TOPIC, '*', LITERAL, 'User:*', Op.ALL, DENY)]);
    expect(a.authorize('User:admin', 'h', 'WRITE', TOPIC, 't')).toBe(true);
    expect(a.authorize('User:CN=ops,O=acme', 'h', 'WRITE', TOPIC, 't')).toBe(true);
    expect(a.authorize('User:other', 'h', 'WRITE', TOPIC, 't')).toBe(false);
  });

  test('authorized operations bitfield for a topic', async () => {
    const a = authorizer();
    await a.create([acl(TOPIC, 't', LITERAL, 'User:u', Op.WRITE, ALLOW)]);
    expect(a.authorizedOperations('User:u', 'h', TOPIC, 't')).toBe((1 << Op.WRITE) | (1 << Op.DESCRIBE));
  });

  test('filters: ANY, MATCH, exact pattern types, null fields', () => {
    const b = acl(TOPIC, 'orders-', PREFIXED, 'User:u', Op.READ, ALLOW);
    const f = { resourceType: ResourceType.ANY, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: Op.ANY, permissionType: PermissionType.ANY };
    expect(filterMatches(f, b)).toBe(true);
    expect(filterMatches({ ...f, patternType: PatternType.MATCH, resourceName: 'orders-eu' }, b)).toBe(true);
    expect(filterMatches({ ...f, patternType: PatternType.MATCH, resourceName: 'other' }, b)).toBe(false);
    expect(filterMatches({ ...f, patternType: LITERAL, resourceName: 'orders-' }, b)).toBe(false);
    expect(filterMatches({ ...f, patternType: PREFIXED, resourceName: 'orders-' }, b)).toBe(true);
    expect(filterMatches({ ...f, principal: 'User:x' }, b)).toBe(false);
    expect(filterMatches({ ...f, permissionType: DENY }, b)).toBe(false);
  });

  test('create ignores duplicates, delete reports what each filter removed, state is persisted', async () => {
    const storage = new MemoryStorage();
    const cluster = { config: new BrokerConfig(), storage } as unknown as Cluster;
    const a = new Authorizer(cluster, true);
    const x = acl(TOPIC, 't', LITERAL, 'User:u', Op.READ, ALLOW);
    await a.create([x, x, acl(GROUP, 'g', LITERAL, 'User:u', Op.READ, ALLOW)]);
    expect(await storage.loadMeta<AclBinding[]>('acls')).toHaveLength(2);
    const removed = await a.delete([{ resourceType: TOPIC, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: Op.ANY, permissionType: PermissionType.ANY }]);
    expect(removed).toEqual([[x]]);
    const again = new Authorizer(cluster, true);
    await again.load();
    expect(again.describe({ resourceType: ResourceType.ANY, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: Op.ANY, permissionType: PermissionType.ANY })).toHaveLength(1);
  });
});
