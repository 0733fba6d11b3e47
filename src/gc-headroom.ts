// The CLI's old-generation headroom (docs/performance.md, finding 21). V8 counts the external memory (Buffers) allocated
// since the last full GC against the old generation's allocation limit, and sizes that limit from the JavaScript heap
// alone: a broker's heap is small (~8 MB live) while its data lives in Buffers, so the limit came out near 20 MB and
// every ~12 MB of produced data the memory engine kept started a full mark-compact of the whole heap, about a fifth of
// its produce CPU. After each full GC this sets V8's growing factor so that the next limit leaves at least HEADROOM
// above the live heap, as `node --initial-old-space-size=64` does for a process's start; for heaps large enough that
// V8's own factor (up to 4x) gives that much, V8 decides alone. Only the CLI calls it: an in-process broker leaves its
// host's V8 settings alone.
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

const HEADROOM = 64 << 20;
/** V8's largest dynamic growing factor (4x) as heap-growing-percent: above it, setting the flag would only shrink. */
const V8_MAX_PERCENT = 300;

/** The --heap-growing-percent that leaves `headroom` above `live` bytes, or 0 (V8's own dynamic factor). */
export function growingPercent(live: number, headroom = HEADROOM): number {
  const percent = Math.ceil((100 * headroom) / Math.max(live, 1));
  return percent > V8_MAX_PERCENT ? percent : 0;
}

/** Keeps the growing factor matched to the live heap from now on, after every full GC. */
export function keepGcHeadroom(): void {
  let current = -1;
  const apply = () => {
    const percent = growingPercent(v8.getHeapStatistics().used_heap_size);
    if (percent === current) return;
    current = percent;
    v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  };
  apply();
  const observer = new PerformanceObserver((list) => {
    // The limit for the next cycle was computed at the end of this GC, with the old value; this one is for the next.
    const major = (e: PerformanceEntry) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
    if (list.getEntries().some(major)) apply();
  });
  observer.observe({ entryTypes: ['gc'] });
}
