// Small filesystem helpers shared by the log, the checkpoints and the metadata store.
import { promises as fsp, readSync, writevSync } from 'node:fs';
import path from 'node:path';

let tmpCounter = 0;

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * fsync on a directory makes a create/rename/unlink inside it durable; without it a crash can lose the
 * directory entry even though the file's data was synced.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `file` atomically: write a temp file in the same directory, fsync it, rename over the target,
 * fsync the directory. Readers see the old or the new content, never a torn mix, even across a crash.
 */
export async function atomicWrite(file: string, data: string | Buffer, durable = true): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${++tmpCounter}.tmp`);
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    if (durable) await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  if (durable) await fsyncDir(dir);
}

/** Temp files left by an atomicWrite interrupted by a crash. */
export function isAtomicTemp(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/** The entries of a directory, or undefined when it does not exist. */
export async function listDir(dir: string): Promise<string[] | undefined> {
  try {
    return await fsp.readdir(dir);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fsp.readFile(file);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

// Reads and writes up to this size go straight to the page cache on the event loop instead of through libuv's
// thread pool. A small pread/pwrite that hits the page cache takes microseconds; the hop to a pool thread and
// back took 50-150 us per call on this machine when the broker had been idle, which was most of the file
// engine's extra end-to-end latency over the memory engine (docs/performance.md, finding 7). Larger transfers
// keep using the pool so that copying megabytes does not stall other connections.
export const SYNC_IO_BYTES = 64 * 1024;

/** Positional read that loops over short reads; returns the bytes actually read (may be short at EOF). */
export async function readAt(fh: fsp.FileHandle, buf: Buffer, position: number): Promise<number> {
  let done = 0;
  const sync = buf.length <= SYNC_IO_BYTES;
  while (done < buf.length) {
    const bytesRead = sync
      ? readSync(fh.fd, buf, done, buf.length - done, position + done)
      : (await fh.read(buf, done, buf.length - done, position + done)).bytesRead;
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** Positional gathered write of `bufs` at `position`; returns the bytes written. */
export async function writevAt(fh: fsp.FileHandle, bufs: Buffer[], position: number): Promise<number> {
  let total = 0;
  for (const b of bufs) total += b.length;
  if (total <= SYNC_IO_BYTES) return writevSync(fh.fd, bufs, position);
  return (await fh.writev(bufs, position)).bytesWritten;
}
