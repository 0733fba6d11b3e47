// Group state as journal records (group-journal.ts): replay rules, and through a broker on the file engine,
// a restart after many commits (with compactions on the way) and after a crash that tore the journal's tail
// gives back exactly the committed offsets.
import { readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayGroups, type GroupRecord } from '../../src/coordinator/group/group-journal.js';
import type { PersistedDoc } from '../../src/coordinator/group/persistence.js';
import { DiskBroker } from './raw-broker.js';
import { API, type RawClient } from './raw-client.js';

const row = (topic: string, p: number, offset: number) => [topic, p, offset, -1, '', 1000] as [string, number, number, number, string, number];

describe('replayGroups', () => {
  const snapshot: PersistedDoc = {
    version: 1,
    groups: [
      { groupId: 'a', type: 'classic', stateTimestamp: 1, offsets: [row('t', 0, 5), row('t', 1, 6)] },
      { groupId: 'b', type: 'classic', stateTimestamp: 2, offsets: [row('t', 0, 7)] },
    ],
  };

  it('applies sets, deletes, metadata changes and group deletion in order', () => {
    const records: GroupRecord[] = [
      { g: 'a', set: [row('t', 0, 50)] },
      { g: 'a', del: [['t', 1]] },
      { g: 'a', meta: { groupId: 'a', type: 'consumer', stateTimestamp: 9 } },
      { g: 'b', gone: true },
      { g: 'b', meta: { groupId: 'b', type: 'classic', stateTimestamp: 10 } },
      { g: 'b', set: [row('u', 3, 1)] },
      { g: 'c', set: [row('t', 2, 2)] },
    ];
    const out = replayGroups(snapshot, records);
    expect(out.find((g) => g.groupId === 'a')).toEqual({ groupId: 'a', type: 'consumer', stateTimestamp: 9, offsets: [row('t', 0, 50)] });
    expect(out.find((g) => g.groupId === 'b')).toEqual({ groupId: 'b', type: 'classic', stateTimestamp: 10, offsets: [row('u', 3, 1)] });
    // Offsets with no metadata record: a simple (classic) group.
    expect(out.find((g) => g.groupId === 'c')).toMatchObject({ groupId: 'c', type: 'classic', offsets: [row('t', 2, 2)] });
  });

  it('replaying records already in the snapshot changes nothing (compaction snapshots can be ahead)', () => {
    const records: GroupRecord[] = [{ g: 'a', set: [row('t', 0, 5)] }, { g: 'b', gone: true }, { g: 'b', meta: { groupId: 'b', type: 'classic', stateTimestamp: 2 } }, { g: 'b', set: [row('t', 0, 7)] }];
    const once = replayGroups(snapshot, records);
    expect(replayGroups({ version: 1, groups: once }, records)).toEqual(once);
  });
});

const commit = (groupId: string, topic: string, parts: [number, number][]) => ({
  groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
  topics: [{ name: topic, partitions: parts.map(([p, o]) => ({ partitionIndex: p, committedOffset: o, committedLeaderEpoch: -1, committedMetadata: `m${o}` })) }],
});

async function fetchAll(c: RawClient, groups: string[]): Promise<Map<string, Map<number, number>>> {
  const r = await c.send(API.OffsetFetch, 8, { groups: groups.map((groupId) => ({ groupId, topics: null })), requireStable: false });
  const out = new Map<string, Map<number, number>>();
  for (const g of r.groups) {
    const m = new Map<number, number>();
    for (const t of g.topics) for (const p of t.partitions) m.set(p.partitionIndex, p.committedOffset);
    out.set(g.groupId, m);
  }
  return out;
}

describe('group journal on the file engine', () => {
  it('restores exactly the committed offsets after many commits, deletions and compactions', async () => {
    const disk = await DiskBroker.create('always');
    const topic = 'journaled';
    const P = 50;
    await disk.broker.cluster.createTopic(topic, { numPartitions: P });
    const groups = ['g0', 'g1', 'g2'];
    const model = new Map<string, Map<number, number>>(groups.map((g) => [g, new Map()]));
    // ~3.5 KB per 50-partition commit, 1,200 of them: several times the 1 MiB below which no compaction runs.
    for (let round = 0; round < 400; round++) {
      const sends = groups.map((g, i) => {
        const parts: [number, number][] = Array.from({ length: P }, (_, p) => [p, round * 1000 + i * 100 + p]);
        for (const [p, o] of parts) model.get(g)!.set(p, o);
        return disk.c.send(API.OffsetCommit, 8, commit(g, topic, parts));
      });
      for (const r of await Promise.all(sends)) expect(r.topics[0].partitions.every((p: any) => p.errorCode === 0)).toBe(true);
      if (round === 150) {
        const d = await disk.c.send(API.DeleteGroups, 2, { groupsNames: ['g1'] });
        expect(d.results[0].errorCode).toBe(0);
        model.set('g1', new Map());
      }
      if (round === 250) {
        const d = await disk.c.send(API.OffsetDelete, 0, { groupId: 'g2', topics: [{ name: topic, partitions: [{ partitionIndex: 7 }] }] });
        expect(d.errorCode).toBe(0);
        model.get('g2')!.delete(7);
      }
    }
    // The last rounds commit g2's partition 7 again; take one more deletion that stays.
    const d = await disk.c.send(API.OffsetDelete, 0, { groupId: 'g2', topics: [{ name: topic, partitions: [{ partitionIndex: 8 }] }] });
    expect(d.errorCode).toBe(0);
    model.get('g2')!.delete(8);
    const meta = join(disk.dataDir, '__meta');
    expect(readdirSync(meta)).toEqual(expect.arrayContaining(['groups.json', 'groups.journal']));
    expect(statSync(join(meta, 'groups.journal')).size).toBeLessThan(1.1 * (1 << 20));
    expect(await fetchAll(disk.c, groups)).toEqual(model);
    await disk.restart();
    try {
      expect(await fetchAll(disk.c, groups)).toEqual(model);
      const r = await disk.c.send(API.OffsetFetch, 8, { groups: [{ groupId: 'g0', topics: null }], requireStable: false });
      expect(r.groups[0].topics[0].partitions[3].metadata).toBe(`m${model.get('g0')!.get(3)}`);
    } finally {
      await disk.stop();
    }
  });

  it('after a crash that tore the last journal entry, every earlier commit is there', async () => {
    const disk = await DiskBroker.create('always');
    const topic = 'torn';
    await disk.broker.cluster.createTopic(topic, { numPartitions: 2 });
    await disk.c.send(API.OffsetCommit, 8, commit('other', topic, [[1, 42]]));
    // Sequential commits: one journal entry each.
    for (let o = 1; o <= 10; o++) await disk.c.send(API.OffsetCommit, 8, commit('torn-group', topic, [[0, o]]));
    await disk.stop();
    const journal = join(disk.dataDir, '__meta', 'groups.journal');
    truncateSync(journal, statSync(journal).size - 4);

    await disk.start();
    try {
      const got = await fetchAll(disk.c, ['torn-group', 'other']);
      expect(got.get('torn-group')).toEqual(new Map([[0, 9]]));
      expect(got.get('other')).toEqual(new Map([[1, 42]]));
      // The broker appends after the cut: the next commit survives the next restart.
      await disk.c.send(API.OffsetCommit, 8, commit('torn-group', topic, [[0, 11]]));
    } finally {
      await disk.stop();
    }
    await disk.start();
    try {
      expect((await fetchAll(disk.c, ['torn-group'])).get('torn-group')).toEqual(new Map([[0, 11]]));
    } finally {
      await disk.stop();
    }
  });
});
