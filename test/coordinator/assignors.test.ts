// The KIP-848 server-side assignors: balance, stickiness and heterogeneous subscriptions (uniform), and
// contiguous per-topic ranges (range).
import { describe, expect, it } from 'vitest';
import { rangeAssignor, uniformAssignor, type AssignorMember, type TopicPartitions } from '../../src/coordinator/group/assignors.js';

const member = (memberId: string, topics: string[], current: Record<string, number[]> = {}): AssignorMember => ({
  memberId,
  topics: new Set(topics),
  current: new Map(Object.entries(current).map(([t, ps]) => [t, new Set(ps)])),
});
const count = (tp: TopicPartitions | undefined) => [...(tp ?? new Map()).values()].reduce((n, s) => n + s.size, 0);
const flat = (tp: TopicPartitions | undefined) => [...(tp ?? new Map())].flatMap(([t, s]) => [...s].map((p) => `${t}:${p}`)).sort();

describe('uniform assignor', () => {
  it('balances partitions within one and assigns each exactly once', () => {
    const out = uniformAssignor({ members: [member('a', ['t']), member('b', ['t']), member('c', ['t'])], partitionCounts: new Map([['t', 7]]) });
    expect([...out.values()].map(count).sort()).toEqual([2, 2, 3]);
    const all = [...out.values()].flatMap(flat);
    expect(new Set(all).size).toBe(7);
  });

  it('is sticky: a new member takes partitions without reshuffling the rest', () => {
    const a = member('a', ['t'], { t: [0, 1, 2] });
    const b = member('b', ['t'], { t: [3, 4, 5] });
    const out = uniformAssignor({ members: [a, b, member('c', ['t'])], partitionCounts: new Map([['t', 6]]) });
    expect(flat(out.get('a')).every((x) => ['t:0', 't:1', 't:2'].includes(x))).toBe(true);
    expect(flat(out.get('b')).every((x) => ['t:3', 't:4', 't:5'].includes(x))).toBe(true);
    expect([...out.values()].map(count)).toEqual([2, 2, 2]);
  });

  it('gives topics only to their subscribers and still balances what it can', () => {
    const out = uniformAssignor({
      members: [member('a', ['x', 'y']), member('b', ['y'])],
      partitionCounts: new Map([['x', 2], ['y', 2]]),
    });
    expect(flat(out.get('b')).every((p) => p.startsWith('y:'))).toBe(true);
    expect(count(out.get('a')) + count(out.get('b'))).toBe(4);
    expect(count(out.get('b'))).toBeGreaterThanOrEqual(1);
  });
});

describe('range assignor', () => {
  it('splits each topic into contiguous ranges, earlier member ids first', () => {
    const out = rangeAssignor({ members: [member('b', ['t', 'u']), member('a', ['t', 'u'])], partitionCounts: new Map([['t', 5], ['u', 2]]) });
    expect(flat(out.get('a'))).toEqual(['t:0', 't:1', 't:2', 'u:0']);
    expect(flat(out.get('b'))).toEqual(['t:3', 't:4', 'u:1']);
  });
});
