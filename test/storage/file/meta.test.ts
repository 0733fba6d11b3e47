import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStorage } from '../../../src/storage/file/index.js';
import { tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let storage: FileStorage;

beforeEach(async () => {
  tmp = tempDir();
  storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'always' });
});
afterEach(async () => {
  await storage.close();
  tmp.cleanup();
});

describe('metadata documents', () => {
  it('saves and loads JSON documents that survive a restart', async () => {
    expect(await storage.loadMeta('topics')).toBeUndefined();
    const doc = { topics: [{ name: 'a', id: 'x', partitions: 3, configs: { 'retention.ms': '1000' } }] };
    await storage.saveMeta('topics', doc);
    expect(await storage.loadMeta('topics')).toEqual(doc);
    await storage.saveMeta('topics', { topics: [] });
    expect(await storage.loadMeta('topics')).toEqual({ topics: [] });
    await storage.close();
    storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'always' });
    expect(await storage.loadMeta('topics')).toEqual({ topics: [] });
    expect(readdirSync(join(tmp.dir, '__meta'))).toEqual(['topics.json']);
  });

  it('serializes concurrent saves: the last call wins and loads see acknowledged saves', async () => {
    const saves = Array.from({ length: 30 }, (_, i) => storage.saveMeta('groups', { n: i }));
    const load = storage.loadMeta<{ n: number }>('groups');
    await Promise.all(saves);
    expect(await load).toEqual({ n: 29 });
    expect(await storage.loadMeta('groups')).toEqual({ n: 29 });
    expect(readdirSync(join(tmp.dir, '__meta'))).toEqual(['groups.json']);
  });

  it('snapshots the value at call time', async () => {
    const value = { a: 1 };
    const p = storage.saveMeta('snap', value);
    value.a = 2;
    await p;
    expect(await storage.loadMeta('snap')).toEqual({ a: 1 });
  });

  it('keeps names inside __meta and distinct', async () => {
    await storage.saveMeta('../escape', 1);
    await storage.saveMeta('group/offsets.x', 2);
    await storage.saveMeta('group_offsets_x', 3);
    expect(readdirSync(tmp.dir).sort()).toEqual(['.lock', '__meta']);
    expect(await storage.loadMeta('../escape')).toBe(1);
    expect(await storage.loadMeta('group/offsets.x')).toBe(2);
    expect(await storage.loadMeta('group_offsets_x')).toBe(3);
  });

  it('ignores and removes temp files left by a crash mid-save', async () => {
    await storage.saveMeta('producers', { ok: true });
    await storage.close();
    writeFileSync(join(tmp.dir, '__meta', '.producers.json.123.1.tmp'), '{"ok": fal');
    storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'always' });
    expect(await storage.loadMeta('producers')).toEqual({ ok: true });
    expect(readdirSync(join(tmp.dir, '__meta'))).toEqual(['producers.json']);
  });
});
