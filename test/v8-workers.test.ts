// The CLI lowers the priority of V8's worker threads and leaves libuv's pool alone (src/v8-workers.ts; why, and what it
// changes, in docs/performance.md finding 20).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../src/cli.js';
import { v8WorkerThreads } from '../src/v8-workers.js';

const BIN = join(__dirname, '..', 'bin', 'kafkalite');

// The head of a Node 20 process's /proc/self/maps: the binary's segments, its .bss (unnamed, right after them), the heap.
const MAPS = `00400000-00b6f000 r--p 00000000 fe:00 260689                             /usr/bin/node
00b72000-025fe000 r-xp 00772000 fe:00 260689                             /usr/bin/node
0563e000-0565d000 rw-p 0523d000 fe:00 260689                             /usr/bin/node
0565d000-05689000 rw-p 00000000 00:00 0 
0e125000-0e3e8000 rw-p 00000000 00:00 0                                  [heap]
155a5a80000-155a5ac0000 rw-p 00000000 00:00 0 
7f9f40000000-7f9f40021000 rw-p 00000000 00:00 0 
7f9f42000000-7f9f42100000 r-xp 00000000 fe:00 1234                       /usr/lib/x86_64-linux-gnu/libuv.so.1.0.0
7f9f42100000-7f9f42102000 rw-p 00100000 fe:00 1234                       /usr/lib/x86_64-linux-gnu/libuv.so.1.0.0
7f9f42102000-7f9f42103000 rw-p 00000000 00:00 0 
`;

const futex = (addr: string) => `202 ${addr} 0x189 0x0 0x0 0xffffffff 0x0 0x7f9f42b39cf0 0x7f9f4449d117\n`;

describe('V8 worker threads', () => {
  it('are the threads waiting outside the binaries: not the main thread, libuv pool, inspector or a running one', () => {
    const threads = [
      { tid: 100, comm: 'node', syscall: 'running\n' }, // main
      { tid: 101, comm: 'node', syscall: '281 0x9 0x7f9f42b39cf0 0x400 0xffffffff 0x0 0x8 0x7f9f42b39cd0 0x7f9f4459c0ce\n' }, // delayed-task scheduler, epoll
      ...[102, 103, 104, 105].map((tid) => ({ tid, comm: 'node', syscall: futex('0xe1a8630') })), // V8 workers: the platform's queue, on the heap
      { tid: 106, comm: 'node', syscall: futex('0x5660460') }, // inspector: a static in the binary's .bss
      ...[107, 108].map((tid) => ({ tid, comm: 'node', syscall: futex('0x566f9cc') })), // libuv pool: a static too
      { tid: 109, comm: 'node', syscall: futex('0x7f9f42102010') }, // libuv pool of a shared libuv.so
      { tid: 110, comm: 'libuv-worker', syscall: futex('0x155a5a80010') }, // named by newer Node
      { tid: 111, comm: 'node', syscall: futex('0x7f9f40000100') }, // a condition variable in a malloc arena
      { tid: 112, comm: 'node', syscall: 'running\n' }, // busy: nothing to tell what it is
    ];
    expect(v8WorkerThreads(100, threads, MAPS)).toEqual([101, 102, 103, 104, 105, 111]);
  });

  it('--v8-workers-nice takes 0..19, 0 (leave them) by default', () => {
    expect(parseCli([], {}).v8WorkersNice).toBe(0);
    expect(parseCli(['--v8-workers-nice', '19'], {}).v8WorkersNice).toBe(19);
    expect(parseCli([], { KAFKALITE_V8_WORKERS_NICE: '10' }).v8WorkersNice).toBe(10);
    expect(() => parseCli(['--v8-workers-nice', '20'], {})).toThrow(UsageError);
    expect(() => parseCli(['--v8-workers-nice', '-1'], {})).toThrow(UsageError);
  });

  /** Nice value of each thread of `pid` (field 19 of /proc/PID/task/TID/stat, counted after the command's ')'). */
  const niceValues = (pid: number) =>
    readdirSync(`/proc/${pid}/task`).map((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return { tid: Number(tid), nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) };
    });

  async function threadNices(args: string[]) {
    const child = spawn(process.execPath, [BIN, '--memory', '--port', '0', '--log-level', 'warn', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => String(d).includes('kafkalite ready') && resolve());
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      return { pid: child.pid!, threads: niceValues(child.pid!) };
    } finally {
      child.kill('SIGTERM');
    }
  }

  it.runIf(existsSync('/proc/self/task'))('--v8-workers-nice 19 runs them at nice 19 and leaves the main thread and libuv pool at 0; by default all stay', async () => {
    const { pid, threads } = await threadNices(['--v8-workers-nice', '19']);
    expect(threads.find((t) => t.tid === pid)!.nice).toBe(0);
    // Node's platform has 4 V8 workers and a delayed-task thread; libuv's pool (4) and the inspector's thread stay.
    expect(threads.filter((t) => t.nice === 19).length).toBeGreaterThanOrEqual(4);
    expect(threads.filter((t) => t.tid !== pid && t.nice === 0).length).toBeGreaterThanOrEqual(4);
    expect((await threadNices([])).threads.every((t) => t.nice === 0)).toBe(true);
  });
});
