// Leader epochs survive a restart so they never go backwards: clients fence on older epochs, and the
// epoch start offsets are the leader-epoch cache OffsetForLeaderEpoch answers from.
import type { Cluster } from './cluster.js';

type SavedEpochs = Record<string, { leader: number; leaderEpoch: number; epochStarts?: { epoch: number; startOffset: number }[] }[]>;

const META_KEY = 'leader-epochs';

/** Restores leader epochs after a restart; a partition whose leader changed meanwhile starts a new epoch. */
export async function loadEpochs(cluster: Cluster): Promise<void> {
  const saved = await cluster.storage.loadMeta<SavedEpochs>(META_KEY);
  if (!saved) return;
  for (const t of cluster.topics.values()) {
    const parts = saved[t.id];
    if (!parts) continue;
    for (const p of t.partitions) {
      const s = parts[p.index];
      if (!s) continue;
      p.leaderEpoch = s.leaderEpoch;
      p.epochStarts = s.epochStarts?.filter((e) => e.startOffset <= p.log.logEndOffset);
      if (s.leader !== p.leader) {
        p.leaderEpoch++;
        p.epochStarts = [...(p.epochStarts ?? []), { epoch: p.leaderEpoch, startOffset: p.log.logEndOffset }];
      }
    }
  }
}

/** Saves leader epochs; saves requested while one is running coalesce into one more (a broker stop changes many). */
export class EpochSaver {
  private saving?: Promise<void>;
  private saveAgain = false;

  constructor(private readonly cluster: Cluster) {}

  save(): Promise<void> {
    this.saveAgain = true;
    this.saving ??= (async () => {
      try {
        while (this.saveAgain) {
          this.saveAgain = false;
          await this.write();
        }
      } finally {
        this.saving = undefined;
      }
    })();
    return this.saving;
  }

  /** The save in progress, if any: shutdown waits for it. */
  get pending(): Promise<void> | undefined {
    return this.saving;
  }

  private async write(): Promise<void> {
    const out: SavedEpochs = {};
    for (const t of this.cluster.topics.values()) {
      out[t.id] = t.partitions.map((p) => ({ leader: p.leader, leaderEpoch: p.leaderEpoch, epochStarts: p.epochStarts }));
    }
    await this.cluster.storage.saveMeta(META_KEY, out);
  }
}
