// Config overrides per named resource (ConfigResource types GROUP and CLIENT_METRICS), kept with the cluster's
// metadata as one document. A name whose configs are all deleted is gone.
import type { Storage } from '../storage/types.js';

export class NamedConfigs {
  protected readonly byName = new Map<string, Map<string, string>>();

  constructor(
    private readonly storage: Storage,
    private readonly doc: string,
  ) {}

  async load(): Promise<void> {
    const saved = (await this.storage.loadMeta<Record<string, Record<string, string>>>(this.doc)) ?? {};
    for (const [name, m] of Object.entries(saved)) this.byName.set(name, new Map(Object.entries(m)));
  }

  /** The names that have configs of their own. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  overrides(name: string): ReadonlyMap<string, string> {
    return this.byName.get(name) ?? new Map();
  }

  async set(name: string, next: ReadonlyMap<string, string>): Promise<void> {
    if (next.size === 0) this.byName.delete(name);
    else this.byName.set(name, new Map(next));
    const out: Record<string, Record<string, string>> = {};
    for (const [n, m] of this.byName) out[n] = Object.fromEntries(m);
    await this.storage.saveMeta(this.doc, out);
  }
}
