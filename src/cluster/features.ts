// Kafka's feature levels (KIP-584, KIP-1022): what ApiVersions reports as supported and finalized, and what
// UpdateFeatures may change. kafkalite supports the levels whose behaviour it has: no KIP-890 epoch bump per
// transaction (transaction.version stops at 1, which only changes the coordinator's own log format), no
// eligible leader replicas (KIP-966), no streams groups. group.version 0 turns KIP-848 groups off and
// share.version 0 share groups, as in Kafka. Levels are kept with the cluster's metadata.
import type { Storage } from '../storage/types.js';

export interface FeatureRange {
  min: number;
  max: number;
}

/** metadata.version levels: 7 is 3.3-IV3 (the oldest Kafka 4 accepts), 27 is 4.1-IV1 (Kafka 4.1's newest stable). */
export const MIN_METADATA_VERSION = 7;
export const METADATA_VERSION = 27;
/** The newest metadata.version level whose upgrade changed the metadata records (4.0-IV1): a safe downgrade cannot cross it. */
const LAST_METADATA_CHANGE = 23;

export const SUPPORTED_FEATURES: ReadonlyMap<string, FeatureRange> = new Map([
  ['metadata.version', { min: MIN_METADATA_VERSION, max: METADATA_VERSION }],
  ['kraft.version', { min: 0, max: 1 }],
  ['transaction.version', { min: 0, max: 1 }],
  ['group.version', { min: 0, max: 1 }],
  ['share.version', { min: 0, max: 1 }],
]);

/** Levels other features need: feature -> level -> required metadata.version (Kafka's FeatureVersion.dependencies). */
const DEPENDENCIES: Record<string, Record<number, number>> = { 'kraft.version': { 1: 21 } };

export const UpgradeType = { UPGRADE: 1, SAFE_DOWNGRADE: 2, UNSAFE_DOWNGRADE: 3 } as const;

export interface FeatureUpdate {
  feature: string;
  level: number;
  upgradeType: number;
}

const DOC = 'features';
/** Kafka's controller writes a no-op record every 500 ms (metadata.max.idle.interval.ms). */
const NOOP_INTERVAL_MS = 500;
const OFFSET_ORIGIN = Date.UTC(2025, 0, 1);

export class Features {
  private readonly levels = new Map<string, number>();
  private lastChange = 0;

  constructor(
    private readonly storage: Storage,
    /** Whether share groups start enabled (group.share.enable): false forces share.version 0 at start-up. */
    private readonly shareGroups: boolean,
  ) {
    // A fresh cluster finalizes every feature at the highest level kafkalite supports (see the header).
    for (const [name, range] of SUPPORTED_FEATURES) this.levels.set(name, range.max);
  }

  async load(): Promise<void> {
    const saved = await this.storage.loadMeta<{ levels: Record<string, number>; lastChange: number }>(DOC);
    if (saved) {
      this.levels.clear();
      for (const [name, level] of Object.entries(saved.levels)) this.levels.set(name, level);
      this.lastChange = saved.lastChange;
    }
    if (!this.shareGroups) this.levels.delete('share.version');
  }

  /** The finalized level (0 when the feature is not finalized). */
  level(name: string): number {
    return this.levels.get(name) ?? 0;
  }

  /** Finalized features above level 0, as ApiVersions lists them. */
  finalized(): [string, number][] {
    return [...this.levels].filter(([, l]) => l > 0);
  }

  /**
   * The cluster metadata offset that Kafka reports as FinalizedFeaturesEpoch and DescribeQuorum's high watermark:
   * it grows as Kafka's does with its no-op records, and past every feature change, so clients that keep the
   * highest epoch they saw (the Java client) take a change at once.
   */
  metadataOffset(now = Date.now()): number {
    return Math.max(Math.floor((now - OFFSET_ORIGIN) / NOOP_INTERVAL_MS), this.lastChange);
  }

  /**
   * Checks the updates as Kafka's controller does (all or nothing); returns the error message of the first that
   * fails, else applies them (unless validateOnly) and returns null.
   */
  async update(updates: FeatureUpdate[], controllerId: number, validateOnly: boolean): Promise<string | null> {
    const proposed = new Map(this.levels);
    for (const u of updates) {
      const err = this.check(u, controllerId);
      if (err) return err;
      proposed.set(u.feature, u.level);
    }
    for (const [feature, level] of proposed) {
      const needs = DEPENDENCIES[feature]?.[level];
      const mv = proposed.get('metadata.version') ?? 0;
      if (needs !== undefined && mv < needs) return `${feature} could not be set to ${level} because it depends on metadata.version level ${needs}`;
    }
    if (validateOnly) return null;
    for (const [feature, level] of proposed) {
      if (level === 0) this.levels.delete(feature);
      else this.levels.set(feature, level);
    }
    this.lastChange = this.metadataOffset() + 1;
    await this.storage.saveMeta(DOC, { levels: Object.fromEntries(this.levels), lastChange: this.lastChange });
    return null;
  }

  /** Kafka's FeatureControlManager.updateFeature, with its messages. */
  private check(u: FeatureUpdate, controllerId: number): string | null {
    const invalid = (why: string) => `Invalid update version ${u.level} for feature ${u.feature}. ${why}`;
    if (u.upgradeType < UpgradeType.UPGRADE || u.upgradeType > UpgradeType.UNSAFE_DOWNGRADE) return invalid('The controller does not support the given upgrade type.');
    if (u.level < 0) return invalid('A feature version cannot be less than 0.');
    const range = SUPPORTED_FEATURES.get(u.feature);
    if (!range) return invalid(u.level === 0 ? `Feature ${u.feature} not found.` : `Local controller ${controllerId} does not support this feature.`);
    const current = this.level(u.feature);
    if (u.feature === 'metadata.version') {
      if (u.level < range.min || u.level > range.max) return invalid(`Local controller ${controllerId} only supports versions ${range.min}-${range.max}`);
    } else if (u.level > range.max) {
      return invalid(`Local controller ${controllerId} only supports versions ${range.min}-${range.max}`);
    }
    if (u.level > current && u.upgradeType !== UpgradeType.UPGRADE) return invalid("Can't downgrade to a newer version.");
    if (u.level < current) {
      if (u.upgradeType === UpgradeType.UPGRADE) {
        return invalid("Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade.");
      }
      if (u.feature === 'kraft.version') return invalid("Can't downgrade the version of this feature.");
      if (u.feature === 'metadata.version' && u.level < LAST_METADATA_CHANGE) {
        return u.upgradeType === UpgradeType.SAFE_DOWNGRADE
          ? `Invalid metadata.version ${u.level}. Refusing to perform the requested downgrade because it might delete metadata information.`
          : `Invalid metadata.version ${u.level}. Unsafe metadata downgrade is not supported in this version.`;
      }
    }
    return null;
  }
}
