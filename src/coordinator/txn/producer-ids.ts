// Producer id allocation. As Kafka's ProducerIdManager, ids are handed out from blocks of 1000 whose end is
// persisted before any id of the block is used, so ids stay unique across restarts without a write per id.
import type { Storage } from '../../storage/types.js';

const BLOCK_SIZE = 1000;

export class ProducerIdManager {
  private next = 0;
  private blockEnd = 0;
  private reserving: Promise<void> | undefined;

  constructor(private readonly storage: Storage) {}

  async load(): Promise<void> {
    const saved = await this.storage.loadMeta<{ nextBlockStart: number }>('producer-ids');
    this.next = this.blockEnd = saved?.nextBlockStart ?? 0;
  }

  async generate(): Promise<number> {
    while (this.next >= this.blockEnd) {
      this.reserving ??= (async () => {
        const end = this.blockEnd + BLOCK_SIZE;
        await this.storage.saveMeta('producer-ids', { nextBlockStart: end });
        this.blockEnd = end;
      })().finally(() => {
        this.reserving = undefined;
      });
      await this.reserving;
    }
    return this.next++;
  }
}
