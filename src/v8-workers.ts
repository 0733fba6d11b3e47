// `kafkalite --v8-workers-nice N`: lowers the CPU priority (nice value) of V8's worker threads, where its optimizing
// compiler (TurboFan) and parts of its garbage collector run. Why (docs/performance.md, finding 20): in a fresh process
// V8 compiles the request path on these threads for the first seconds of traffic, one job of 1-30 ms after another.
// On a machine with few cores a job often holds the core the broker's main thread last ran on while the main thread
// sleeps in epoll; when a request arrives, Linux lets the job run on (~1.5 ms) before the main thread does, and that
// wait was most of a fresh broker's e2e p99 (2.2 ms against 0.5 ms warm; 0.9-1.3 ms with the workers at nice 19).
// It is not the default because of the other side: on a CPU-saturated machine a worker at a low priority waits long
// for a core while it holds a lock the main thread then needs (malloc's, the task queue's), and the main thread
// stalls with it (up to ~0.9 s seen at nice 19, ~160 ms once at nice 10).
//
// Linux only (per-thread nice values, /proc/self/task), and only for the CLI: an in-process broker leaves its host
// process's threads alone. libuv's thread pool, which runs the file engine's large reads and writes, keeps its
// priority; it is told apart by where its threads wait (below).
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import v8 from 'node:v8';

export interface ThreadState {
  tid: number;
  /** /proc/self/task/TID/comm: thread name. */
  comm: string;
  /** /proc/self/task/TID/syscall: "NR ARG1 ... SP PC" while blocked in a system call, "running" otherwise. */
  syscall: string;
}

/**
 * The threads of process `pid` to deprioritize: every thread but the main one that is blocked in a system call on
 * something outside the images of the node binary and its libraries (/proc/self/maps). V8's workers wait on a
 * condition variable in the platform's heap-allocated task queue; libuv's pool threads and Node's inspector thread
 * wait on statics of the node binary (or of libuv.so / libnode.so in a distribution's Node), and newer Node versions
 * name libuv's threads too. A thread that is running has nothing to tell it apart, so it is left alone.
 */
export function v8WorkerThreads(pid: number, threads: ThreadState[], maps: string): number[] {
  // File-backed mappings, each with the anonymous one right after it: an executable's or library's .bss (where
  // statics such as libuv's condition variable live) is mapped without a name past the end of its data segment.
  const images: [bigint, bigint][] = [];
  let prevEnd = -1n;
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (!m) continue;
    const [lo, hi] = [BigInt('0x' + m[1]), BigInt('0x' + m[2])];
    const image = m[3].startsWith('/') || (m[3] === '' && lo === prevEnd);
    if (image) images.push([lo, hi]);
    prevEnd = m[3].startsWith('/') ? hi : -1n;
  }
  const out: number[] = [];
  for (const t of threads) {
    if (t.tid === pid || /libuv|uv-?worker/i.test(t.comm)) continue;
    const arg1 = t.syscall.trim().split(' ')[1];
    if (!arg1?.startsWith('0x')) continue;
    const addr = BigInt(arg1);
    if (!images.some(([lo, hi]) => addr >= lo && addr < hi)) out.push(t.tid);
  }
  return out;
}

/**
 * Sets `nice` on this process's V8 worker threads; returns how many it changed (0 where /proc is missing). Young-
 * generation GCs then run on the main thread alone: a parallel scavenge has the main thread wait for the workers'
 * share of it, which a worker at a low priority may be slow to get to.
 */
export function lowerV8WorkerPriority(nice: number): number {
  let threads: ThreadState[];
  let maps: string;
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
    threads = readdirSync('/proc/self/task').map((t) => ({
      tid: Number(t),
      comm: readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim(),
      syscall: readFileSync(`/proc/self/task/${t}/syscall`, 'utf8'),
    }));
  } catch {
    return 0; // not Linux, or a thread ended while being read: leave the priorities as they are
  }
  let changed = 0;
  for (const tid of v8WorkerThreads(process.pid, threads, maps)) {
    try {
      setPriority(tid, nice);
      changed++;
    } catch {
      // the thread ended meanwhile
    }
  }
  if (changed) v8.setFlagsFromString('--no-parallel-scavenge'); // read at every scavenge: safe to change while running
  return changed;
}
