// Small filesystem helpers shared by the log, the checkpoints and the metadata store.
import { promises as fsp } from 'node:fs';
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

/** Positional read that loops over short reads; returns the bytes actually read (may be short at EOF). */
export async function readAt(fh: fsp.FileHandle, buf: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}
