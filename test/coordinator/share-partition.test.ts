// The share-partition state machine (KIP-932): acquisition in whole batches, acknowledgements all or nothing,
// release and lock expiry with the delivery-count limit, and the start offset moving past finished records.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AckError, SharePartition, type BatchSpan } from '../../src/coordinator/share/share-partition.js';

let released = 0;
let maxInFlight = 100;
const env = { deliveryLimit: () => 3, lockDurationMs: () => 1000, maxInFlight: () => maxInFlight, released: () => void released++, changed: () => {} };
const batch = (baseOffset: number, lastOffset: number, skip = false): BatchSpan => ({ baseOffset, lastOffset, skip });
const ack = (firstOffset: number, lastOffset: number, ...acknowledgeTypes: number[]) => ({ firstOffset, lastOffset, acknowledgeTypes });
const ACCEPT = 1;
const RELEASE = 2;
const REJECT = 3;
const GAP = 0;

beforeEach(() => {
  vi.useFakeTimers();
  released = 0;
  maxInFlight = 100;
});
afterEach(() => vi.useRealTimers());

describe('SharePartition', () => {
  it('cuts acquired ranges at batch starts once they span BatchSize offsets (Kafka: at least BatchSize, batch-aligned)', () => {
    const batches = () => [batch(0, 2), batch(3, 5), batch(6, 8), batch(9, 11), batch(12, 14)];
    const r = new SharePartition('g', 't', 0, 0, env).acquire('a', batches(), 100, 5);
    expect(r.ranges.map((x) => [x.firstOffset, x.lastOffset])).toEqual([[0, 5], [6, 11], [12, 14]]);
    // BatchSize 0 (or one covering everything): one range.
    expect(new SharePartition('g', 't', 0, 0, env).acquire('a', batches(), 100, 0).ranges.map((x) => [x.firstOffset, x.lastOffset])).toEqual([[0, 14]]);
    expect(new SharePartition('g', 't', 0, 0, env).acquire('a', batches(), 100, 15).ranges.map((x) => [x.firstOffset, x.lastOffset])).toEqual([[0, 14]]);
  });

  it('acquires whole batches until max records, skips markers, and moves its start past acknowledged records', () => {
    const sp = new SharePartition('g', 't', 0, 10, env);
    const r = sp.acquire('a', [batch(10, 12), batch(13, 13, true), batch(14, 16), batch(17, 19)], 4);
    // 3 + (marker) + 3 records: the batch that reaches 4 is taken whole; the last batch is left.
    expect(r.ranges).toEqual([{ firstOffset: 10, lastOffset: 12, deliveryCount: 1 }, { firstOffset: 14, lastOffset: 16, deliveryCount: 1 }]);
    expect(r.used).toEqual([true, false, true, false]);
    expect(sp.nextOffset).toBe(17);
    expect(sp.fetchOffset()).toBe(17);
    // Another member gets the rest; nothing acquired is handed out twice.
    expect(sp.acquire('b', [batch(10, 12), batch(14, 19)], 100).ranges).toEqual([{ firstOffset: 17, lastOffset: 19, deliveryCount: 1 }]);

    sp.acknowledge('a', [ack(10, 12, ACCEPT)]);
    expect(sp.startOffset).toBe(14); // 13 is a marker: done without being delivered
    sp.acknowledge('a', [ack(14, 16, ACCEPT, REJECT, ACCEPT)]);
    expect(sp.startOffset).toBe(17);
  });

  it('refuses acknowledgements of records the member does not hold, applying none of the request', () => {
    const sp = new SharePartition('g', 't', 0, 0, env);
    sp.acquire('a', [batch(0, 4)], 100);
    const fails = (member: string, batches: ReturnType<typeof ack>[], code: string) => {
      try {
        sp.acknowledge(member, batches);
        throw new Error('accepted');
      } catch (e) {
        expect((e as AckError).code).toBe(code);
      }
    };
    fails('b', [ack(0, 0, ACCEPT)], 'INVALID_RECORD_STATE');
    fails('a', [ack(0, 1, ACCEPT), ack(3, 9, ACCEPT)], 'INVALID_REQUEST'); // past what was acquired
    fails('a', [ack(0, 2, ACCEPT, ACCEPT)], 'INVALID_REQUEST'); // types neither one nor one per offset
    fails('a', [ack(0, 0, 7)], 'INVALID_REQUEST');
    expect(sp.startOffset).toBe(0); // the valid first batches of those requests were not applied
    sp.acknowledge('a', [ack(0, 4, ACCEPT)]);
    fails('a', [ack(0, 0, ACCEPT)], 'INVALID_RECORD_STATE'); // already acknowledged (below the start now)
  });

  it('makes released and expired records available again, counting deliveries, and archives them at the limit', () => {
    const sp = new SharePartition('g', 't', 0, 0, env);
    expect(sp.acquire('a', [batch(0, 1)], 100).ranges[0].deliveryCount).toBe(1);
    sp.acknowledge('a', [ack(0, 1, RELEASE)]);
    expect(released).toBe(1);
    expect(sp.fetchOffset()).toBe(0);
    expect(sp.acquire('b', [batch(0, 1)], 100).ranges).toEqual([{ firstOffset: 0, lastOffset: 1, deliveryCount: 2 }]);
    // b never answers: the lock expires, the records come back for a third (last) delivery...
    vi.advanceTimersByTime(1000);
    expect(released).toBe(2);
    expect(sp.acquire('a', [batch(0, 1)], 100).ranges[0].deliveryCount).toBe(3);
    // ... and b's late acknowledgement is refused.
    expect(() => sp.acknowledge('b', [ack(0, 1, ACCEPT)])).toThrow('not the owner');
    // After the third delivery a release archives them: nothing left to hand out.
    sp.acknowledge('a', [ack(0, 1, RELEASE)]);
    expect(sp.startOffset).toBe(2);
    expect(sp.acquire('a', [batch(0, 1)], 100).ranges).toEqual([]);
  });

  it('gives back what a member holds when its session ends, without counting a delivery', () => {
    const sp = new SharePartition('g', 't', 0, 0, env);
    sp.acquire('a', [batch(0, 2)], 100);
    sp.acknowledge('a', [ack(0, 0, ACCEPT)]);
    sp.releaseMember('a');
    expect(released).toBe(1);
    expect(sp.acquire('b', [batch(0, 2)], 100).ranges).toEqual([{ firstOffset: 1, lastOffset: 2, deliveryCount: 1 }]);
  });

  it('keeps at most max.record.locks offsets in flight; GAP acknowledges offsets without records', () => {
    maxInFlight = 3;
    const sp = new SharePartition('g', 't', 0, 0, env);
    expect(sp.acquire('a', [batch(0, 1), batch(2, 4)], 100).ranges).toEqual([{ firstOffset: 0, lastOffset: 2, deliveryCount: 1 }]);
    expect(sp.acquire('a', [batch(3, 4)], 100).ranges).toEqual([]);
    sp.acknowledge('a', [ack(0, 2, ACCEPT, GAP, ACCEPT)]);
    expect(sp.startOffset).toBe(3);
    expect(sp.acquire('a', [batch(2, 4)], 100).ranges).toEqual([{ firstOffset: 3, lastOffset: 4, deliveryCount: 1 }]);
  });

  it('survives a restart: its state snapshot restores acquired records as available', () => {
    const sp = new SharePartition('g', 't', 0, 0, env);
    sp.acquire('a', [batch(0, 3)], 100);
    sp.acknowledge('a', [ack(1, 1, ACCEPT)]);
    const again = new SharePartition('g', 't', 0, sp.startOffset, env, sp.nextOffset);
    again.restore(sp.snapshot());
    expect(again.acquire('b', [batch(0, 3)], 100).ranges).toEqual([
      { firstOffset: 0, lastOffset: 0, deliveryCount: 2 },
      { firstOffset: 2, lastOffset: 3, deliveryCount: 2 },
    ]);
  });
});
