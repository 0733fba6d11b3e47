// Debounced persistence of a metadata document: many changes in quick succession (one per produced batch)
// become one saveMeta call, and saves never overlap so an older snapshot cannot overwrite a newer one.
import type { Logger } from 'pino';
import type { Storage } from '../../storage/types.js';

export class DebouncedSaver {
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(
    private readonly storage: Storage,
    private readonly name: string,
    private readonly snapshot: () => unknown,
    private readonly logger: Logger,
    private readonly delayMs = 50,
  ) {}

  /** Marks the document changed; it is written within delayMs. */
  schedule(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.delayMs);
    this.timer.unref?.();
  }

  /** Writes now if anything changed; resolves once every save so far has completed. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.dirty) {
      this.dirty = false;
      this.chain = this.chain
        .then(() => this.storage.saveMeta(this.name, this.snapshot()))
        .catch((err) => this.logger.error({ err, doc: this.name }, 'saving metadata failed'));
    }
    return this.chain;
  }

  /** Stops the timer without writing (after a final flush on shutdown). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
