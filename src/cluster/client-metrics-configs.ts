// Client metrics subscriptions (KIP-714: ConfigResource type CLIENT_METRICS): named sets of `metrics` (name prefixes,
// `*` for all), `interval.ms` and `match` (which clients), validated as Kafka's ClientMetricsConfigs and kept with
// the cluster's metadata. A subscription whose configs are all deleted is gone. GetTelemetrySubscriptions answers
// from them (src/coordinator/telemetry/).
import { KafkaError } from '../protocol/errors.js';
import type { Storage } from '../storage/types.js';
import { compileRe2, type FullMatch } from '../coordinator/regex.js';
import type { ConfigDef } from './config.js';
import { NamedConfigs } from './named-configs.js';

export const CLIENT_METRICS_CONFIGS: Record<string, ConfigDef> = {
  metrics: { type: 'list', default: '', doc: 'Telemetry metric name prefix list' },
  'interval.ms': { type: 'int', default: '300000', doc: 'Metrics push interval in milliseconds' },
  match: { type: 'list', default: '', doc: 'Client match criteria' },
};

/** What `match` may test, as Kafka's ClientMetricsConfigs.ALLOWED_MATCH_PARAMS. */
export const MATCH_KEYS = ['client_instance_id', 'client_id', 'client_software_name', 'client_software_version', 'client_source_address', 'client_source_port'] as const;
export type ClientAttributes = Record<(typeof MATCH_KEYS)[number], string | null>;

export const DEFAULT_INTERVAL_MS = 300000;
const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 3600000;

export interface Subscription {
  name: string;
  metrics: string[];
  intervalMs: number;
  /** Every pattern must match its attribute, whole (no patterns: every client). */
  match: [key: string, re: FullMatch][];
}

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

function parseMatch(entries: string[]): [string, FullMatch][] {
  const byKey = new Map<string, FullMatch>();
  for (const entry of entries) {
    const parts = entry.split('=');
    const key = parts[0]?.trim() ?? '';
    let re: FullMatch | undefined;
    if (parts.length === 2 && (MATCH_KEYS as readonly string[]).includes(key)) {
      try {
        re = compileRe2(parts[1].trim());
      } catch {
        // an invalid pattern is refused below, like an unknown key
      }
    }
    if (!re) throw new KafkaError('INVALID_CONFIG', `Illegal client matching pattern: ${entry}`);
    byKey.set(key, re); // a repeated key: the last one counts, as in Kafka
  }
  return [...byKey];
}

export class ClientMetricsConfigs extends NamedConfigs {
  private parsed: Subscription[] | null = null;
  /** Bumped by every change: client instances built from an older set rebuild their subscription. */
  version = 0;

  constructor(storage: Storage) {
    super(storage, 'client-metrics');
  }

  /** Kafka's ClientMetricsConfigs.validate, over the subscription's complete new config set. */
  validate(name: string, next: ReadonlyMap<string, string>): void {
    if (name === '') throw new KafkaError('INVALID_REQUEST', "Subscription name can't be empty");
    for (const [key, value] of next) {
      if (!(key in CLIENT_METRICS_CONFIGS)) throw new KafkaError('INVALID_REQUEST', `Unknown client metrics configuration: ${key}`);
      if (key === 'interval.ms') {
        if (!/^\s*-?\d+\s*$/.test(value)) throw new KafkaError('INVALID_CONFIG', `Invalid value ${value} for configuration interval.ms: Not a number of type INT`);
        const ms = Number(value);
        if (ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
          throw new KafkaError('INVALID_REQUEST', `Invalid value ${value} for interval.ms, interval must be between ${MIN_INTERVAL_MS} and ${MAX_INTERVAL_MS} (1 hour)`);
        }
      }
      if (key === 'match') parseMatch(list(value));
    }
  }

  override async set(name: string, next: ReadonlyMap<string, string>): Promise<void> {
    this.parsed = null;
    this.version++;
    await super.set(name, next);
  }


  subscriptions(): Subscription[] {
    this.parsed ??= [...this.byName].map(([name, m]) => ({
      name,
      metrics: list(m.get('metrics')),
      intervalMs: Number(m.get('interval.ms') ?? DEFAULT_INTERVAL_MS),
      match: parseMatch(list(m.get('match'))),
    }));
    return this.parsed;
  }
}

/** Whether a subscription applies to a client: every pattern matches its attribute (a missing one never does). */
export function matches(sub: Subscription, client: ClientAttributes): boolean {
  return sub.match.every(([key, re]) => {
    const v = client[key as keyof ClientAttributes];
    return v !== null && re.matches(v);
  });
}
