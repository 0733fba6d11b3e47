// Shared by DescribeConfigs, AlterConfigs, IncrementalAlterConfigs and CreateTopics: how Kafka describes a
// topic's or a broker's configs (value, source, synonyms), and how it validates changes to them.
// Mirrors Kafka's ConfigHelper (describe) and ConfigAdminManager / ConfigurationControlManager (alter).
import { resolve } from 'node:path';
import type { Cluster, Topic } from '../cluster/cluster.js';
import { validateTopicName } from '../cluster/cluster.js';
import { CONFIG_TYPE_CODE, brokerSynonyms, isDynamicBrokerConfig, validateConfig } from '../cluster/config.js';
import { CLIENT_METRICS_CONFIGS } from '../cluster/client-metrics-configs.js';
import { GROUP_CONFIGS } from '../cluster/group-configs.js';
import { KafkaError } from '../protocol/errors.js';
import { ErrorCode } from '../protocol/errors.js';
import { clusterAllowed, groupAllowed, topicAllowed } from './admin-acl.js';
import type { RequestContext } from './context.js';
import { toError } from './util.js';

/** ConfigResource.Type ids. */
export const RESOURCE = { UNKNOWN: 0, TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, CLIENT_METRICS: 16, GROUP: 32 } as const;
const RESOURCE_NAME: Record<number, string> = { 2: 'TOPIC', 4: 'BROKER', 8: 'BROKER_LOGGER', 16: 'CLIENT_METRICS', 32: 'GROUP' };
export function resourceTypeName(type: number): string {
  return RESOURCE_NAME[type] ?? 'UNKNOWN';
}

/** DescribeConfigsResponse.ConfigSource ids. */
export const SOURCE = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;

export interface Synonym {
  name: string;
  value: string | null;
  source: number;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: number;
  readOnly: boolean;
  isSensitive: boolean;
  /** Where the value comes from, most specific first (always computed; callers drop them unless asked). */
  synonyms: Synonym[];
  configType: number;
  documentation: string | null;
}

/** Static broker values that come from how the broker was started rather than from its config map. */
function startupValue(ctx: RequestContext, nodeId: number, name: string): string | undefined {
  const node = ctx.cluster.broker(nodeId);
  switch (name) {
    case 'broker.id': case 'node.id': return String(nodeId);
    case 'listeners': return node?.endpoints.map((e) => `${e.name}://${e.host}:${e.port}`).join(',');
    case 'advertised.listeners': return node?.endpoints.map((e) => `${e.name}://${e.advertisedHost}:${e.advertisedPort}`).join(',');
    case 'log.dirs': return logDirOf(ctx);
    case 'broker.rack': return node?.rack ?? undefined;
    default: return undefined;
  }
}

/** The one log directory kafkalite reports: the data dir, or "/memory" for the memory engine. */
export function logDirOf(ctx: RequestContext): string {
  const dir = ctx.services.options?.dataDir as string | undefined;
  return ctx.cluster.storage.kind === 'file' && dir ? resolve(dir) : '/memory';
}

/**
 * Kafka's ConfigHelper.configSynonyms: every level at which one of `names` is set, per-broker dynamic first,
 * then dynamic default, static, and Kafka's default; entries before `name` itself are dropped.
 */
function configSynonyms(ctx: RequestContext, nodeId: number | 'any', name: string, names: string[]): Synonym[] {
  const cfg = ctx.cluster.config;
  const perBroker = (n: string): string | undefined => {
    if (nodeId !== 'any') return cfg.dynamicPerBroker.get(nodeId)?.get(n);
    // For topic configs: kafkalite's brokers share one configuration, so any broker's dynamic value counts.
    for (const m of cfg.dynamicPerBroker.values()) if (m.has(n)) return m.get(n);
    return undefined;
  };
  // What the broker runs with comes first: node.id numbers the first broker, the others have their own id.
  const staticValue = (n: string) => (nodeId === 'any' ? undefined : startupValue(ctx, nodeId, n)) ?? cfg.explicit(n);
  const out: Synonym[] = [];
  const add = (get: (n: string) => string | null | undefined, source: number) => {
    for (const n of names) {
      const v = get(n);
      if (v !== undefined && v !== null) out.push({ name: n, value: v, source });
    }
  };
  add(perBroker, SOURCE.DYNAMIC_BROKER_CONFIG);
  add((n) => cfg.dynamicDefault.get(n), SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG);
  add(staticValue, SOURCE.STATIC_BROKER_CONFIG);
  add((n) => cfg.surface.broker[n]?.default, SOURCE.DEFAULT_CONFIG);
  // As Kafka: synonyms more specific than the described name (e.g. log.retention.ms for .hours) are dropped,
  // which also drops everything when only a less specific one is set.
  const first = out.findIndex((s) => s.name === name);
  return first < 0 ? [] : out.slice(first);
}

/** A topic's configs as Kafka describes them: every topic config, with its override or inherited value. */
export function topicConfigEntries(ctx: RequestContext, overrides: ReadonlyMap<string, string>, includeDocumentation = false): ConfigEntry[] {
  const defs = ctx.cluster.config.surface.topic;
  return Object.keys(defs).sort().map((name) => {
    const def = defs[name];
    const sensitive = def.type === 'password';
    const own = overrides.get(name);
    const value = own ?? ctx.cluster.config.topicDefault(name).value;
    const primary = def.synonyms?.[0];
    const synonyms: Synonym[] = primary ? configSynonyms(ctx, 'any', primary, brokerSynonyms(primary)) : [];
    if (own !== undefined) synonyms.unshift({ name, value: own, source: SOURCE.DYNAMIC_TOPIC_CONFIG });
    if (sensitive) for (const s of synonyms) s.value = null;
    return {
      name,
      value: sensitive ? null : value,
      source: synonyms[0]?.source ?? SOURCE.DEFAULT_CONFIG,
      readOnly: false,
      isSensitive: sensitive,
      synonyms,
      configType: CONFIG_TYPE_CODE[def.type],
      documentation: includeDocumentation ? (def.doc ?? null) : null,
    };
  });
}

/**
 * A group's configs as Kafka's ConfigHelper describes them: every group config, its override (GROUP_CONFIG) or the
 * value it takes from the broker (DEFAULT_CONFIG: Kafka names no broker synonym for them).
 */
export function groupConfigEntries(ctx: RequestContext, groupId: string, includeDocumentation = false): ConfigEntry[] {
  if (groupId === '') throw new KafkaError('INVALID_REQUEST', 'Group name must not be empty');
  const configs = ctx.cluster.groupConfigs;
  const overrides = configs.overrides(groupId);
  return Object.keys(GROUP_CONFIGS).sort().map((name) => {
    const own = overrides.get(name);
    return {
      name,
      value: own ?? configs.brokerValue(name),
      source: own === undefined ? SOURCE.DEFAULT_CONFIG : SOURCE.GROUP_CONFIG,
      readOnly: false,
      isSensitive: false,
      synonyms: own === undefined ? [] : [{ name, value: own, source: SOURCE.GROUP_CONFIG }],
      configType: CONFIG_TYPE_CODE[GROUP_CONFIGS[name].type],
      documentation: includeDocumentation ? (GROUP_CONFIGS[name].doc ?? null) : null,
    };
  });
}

/** A client metrics subscription's configs as Kafka 4.1 describes them: all three, set (CLIENT_METRICS_CONFIG) or not. */
export function clientMetricsConfigEntries(ctx: RequestContext, name: string, includeDocumentation = false): ConfigEntry[] {
  if (name === '') throw new KafkaError('INVALID_REQUEST', 'Client metrics subscription name must not be empty');
  const overrides = ctx.cluster.clientMetrics.overrides(name);
  return Object.keys(CLIENT_METRICS_CONFIGS).sort().map((key) => {
    const def = CLIENT_METRICS_CONFIGS[key];
    const own = overrides.get(key);
    return {
      name: key,
      value: own ?? def.default,
      source: own === undefined ? SOURCE.DEFAULT_CONFIG : SOURCE.CLIENT_METRICS_CONFIG,
      readOnly: false,
      isSensitive: false,
      synonyms: own === undefined ? [] : [{ name: key, value: own, source: SOURCE.CLIENT_METRICS_CONFIG }],
      configType: CONFIG_TYPE_CODE[def.type],
      documentation: includeDocumentation ? (def.doc ?? null) : null,
    };
  });
}

/** Cluster-level resources: brokers, their loggers and client metrics subscriptions need CLUSTER permissions. */
export function isClusterResource(type: number): boolean {
  return type === RESOURCE.BROKER || type === RESOURCE.BROKER_LOGGER || type === RESOURCE.CLIENT_METRICS;
}

/**
 * A broker's configs: all known ones for a broker id, or only the dynamic cluster defaults for "" (as Kafka).
 */
export function brokerConfigEntries(ctx: RequestContext, nodeId: number | null, includeDocumentation = false): ConfigEntry[] {
  const cfg = ctx.cluster.config;
  const defs = cfg.surface.broker;
  const names = nodeId === null ? [...cfg.dynamicDefault.keys()] : Object.keys(defs);
  return names.sort().map((name) => {
    const def = defs[name];
    const sensitive = def?.type === 'password';
    let synonyms = configSynonyms(ctx, nodeId ?? -1, name, brokerSynonyms(name));
    if (nodeId === null) synonyms = synonyms.filter((s) => s.source === SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG);
    const value = nodeId === null
      ? (cfg.dynamicDefault.get(name) ?? null)
      : (cfg.dynamicPerBroker.get(nodeId)?.get(name) ?? cfg.dynamicDefault.get(name) ?? startupValue(ctx, nodeId, name)
        ?? cfg.explicit(name) ?? def?.default ?? null);
    if (sensitive) for (const s of synonyms) s.value = null;
    return {
      name,
      value: sensitive ? null : value,
      source: synonyms[0]?.source ?? SOURCE.DEFAULT_CONFIG,
      readOnly: !isDynamicBrokerConfig(name, cfg.surface),
      isSensitive: sensitive,
      synonyms,
      configType: def ? CONFIG_TYPE_CODE[def.type] : 0,
      documentation: includeDocumentation ? (def?.doc ?? null) : null,
    };
  });
}

/**
 * Parses a BROKER resource name: null for the cluster default (""), else it must be this broker's id.
 * DescribeConfigs (ConfigHelper) and the alter APIs (ConfigAdminManager) word the errors differently.
 */
export function brokerResourceId(ctx: RequestContext, name: string, describe = false): number | null {
  if (name === '') return null;
  const id = ctx.broker.nodeId;
  if (!/^-?\d+$/.test(name)) throw new KafkaError('INVALID_REQUEST', `${describe ? 'Broker' : 'Node'} id must be an integer, but it is: ${name}`);
  if (Number(name) !== id) {
    throw new KafkaError('INVALID_REQUEST', describe ? `Unexpected broker id, expected ${id} or empty string, but received ${name}` : `Unexpected broker id, expected ${id}, but received ${name}`);
  }
  return id;
}

/**
 * The topic an alter request names, checked in Kafka's controller order: the name, then the new configs
 * (`validate`), then that the topic exists.
 */
export function alterableTopic(cluster: Cluster, name: string, validate: (topic: Topic | undefined) => void): Topic {
  if (name === '') throw new KafkaError('INVALID_REQUEST', 'Default topic resources are not allowed.');
  validateTopicName(name);
  const topic = cluster.topics.get(name);
  validate(topic);
  if (!topic) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `The topic '${name}' does not exist.`);
  return topic;
}

/** Validates a topic's complete new override set (Kafka's LogConfig.validate). */
export function validateTopicOverrides(cluster: Cluster, configs: Map<string, string>): void {
  cluster.validateTopicConfigs(Object.fromEntries(configs));
}

/** Validates a broker's new dynamic config set (Kafka's DynamicBrokerConfig.validate), as INVALID_REQUEST. */
export function validateBrokerOverrides(cluster: Cluster, configs: Map<string, string>): void {
  const surface = cluster.config.surface;
  const defs = surface.broker;
  // Like Kafka, only known broker configs that are not dynamic are refused; names Kafka does not know
  // (e.g. a topic config name on a broker resource) are stored as given.
  const fixed = [...configs.keys()].filter((k) => k in defs && !isDynamicBrokerConfig(k, surface));
  if (fixed.length) throw new KafkaError('INVALID_REQUEST', `Cannot update these configs dynamically: Set(${fixed.join(', ')})`);
  for (const [k, v] of configs) {
    if (!(k in defs)) continue;
    try {
      validateConfig(defs, k, v);
    } catch (e) {
      throw new KafkaError('INVALID_REQUEST', (e as Error).message);
    }
  }
}

/** Names that appear more than once in a resource's config list (Kafka answers INVALID_REQUEST). */
export function hasDuplicates(names: string[]): boolean {
  return new Set(names).size !== names.length;
}

/** Resources named more than once in one request, keyed "type:name" (each answered INVALID_REQUEST). */
export function duplicateResources(resources: { resourceType: number; resourceName: string }[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const r of resources) {
    const key = `${r.resourceType}:${r.resourceName}`;
    if (seen.has(key)) dup.add(key);
    seen.add(key);
  }
  return dup;
}

interface AlterResource {
  resourceType: number;
  resourceName: string;
  configs: { name: string }[];
}

/**
 * The part AlterConfigs and IncrementalAlterConfigs share: per resource, the authorization check (answered
 * with the bare error code, as Kafka does), duplicate resource and config names, then `apply`, whose
 * KafkaError becomes that resource's error.
 */
export async function alterEachResource<R extends AlterResource>(
  ctx: RequestContext,
  resources: R[],
  apply: (r: R) => Promise<void>,
): Promise<{ resourceType: number; resourceName: string; errorCode: number; errorMessage: string | null }[]> {
  const dups = duplicateResources(resources);
  const responses = [];
  for (const r of resources) {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    if (r.resourceType === RESOURCE.TOPIC && !topicAllowed(ctx, 'ALTER_CONFIGS', r.resourceName)) {
      responses.push({ ...base, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null });
      continue;
    }
    if (isClusterResource(r.resourceType) && !clusterAllowed(ctx, 'ALTER_CONFIGS')) {
      responses.push({ ...base, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null });
      continue;
    }
    if (r.resourceType === RESOURCE.GROUP && !groupAllowed(ctx, 'ALTER_CONFIGS', r.resourceName)) {
      responses.push({ ...base, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null });
      continue;
    }
    try {
      if (dups.has(`${r.resourceType}:${r.resourceName}`)) throw new KafkaError('INVALID_REQUEST', 'Each resource must appear at most once.');
      if (hasDuplicates(r.configs.map((c) => c.name))) throw new KafkaError('INVALID_REQUEST', 'Error due to duplicate config keys');
      await apply(r);
      responses.push({ ...base, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (e) {
      responses.push({ ...base, ...toError(e, ctx) });
    }
  }
  return responses;
}
