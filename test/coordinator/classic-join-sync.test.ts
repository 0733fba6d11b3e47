// The classic group protocol byte for byte, membership half: JoinGroup, SyncGroup and Heartbeat answers to
// out-of-order or stale requests, rebalances, and static members. Driven by a raw client so each request is
// exactly the one under test.
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { topicName } from '../compat/helpers.js';
import { classicCalls, proto, sleep } from './classic-calls.js';
import { newTopic, useRawBroker } from './raw-broker.js';
import { API, RawClient, subscription } from './raw-client.js';

let broker: RunningBroker;
let c: RawClient;
useRawBroker({ overrides: { 'group.min.session.timeout.ms': '100' } }, (env) => ({ broker, c } = env));
const { join, soloMember, hb, commit } = classicCalls(() => c);

describe('JoinGroup / SyncGroup / Heartbeat', () => {
  it('v4+ asks for a member id first, then makes the lone member leader of generation 1', async () => {
    const group = topicName('g');
    const first = await join(group);
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^raw-client-/);
    const r = await join(group, { memberId: first.memberId });
    expect(r).toMatchObject({ errorCode: 0, generationId: 1, protocolType: 'consumer', protocolName: 'range', leader: first.memberId, memberId: first.memberId, skipAssignment: false });
    expect(r.members).toHaveLength(1);
    expect(Buffer.from(r.members[0].metadata).equals(subscription(['t']))).toBe(true);
    const s = await c.send(API.SyncGroup, 5, { groupId: group, generationId: 1, memberId: r.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: r.memberId, assignment: Buffer.from('xyz') }] });
    expect(s).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range' });
    expect(Buffer.from(s.assignment).toString()).toBe('xyz');
    expect(await hb(group, r.memberId, 1)).toBe(ErrorCode.NONE);
  });

  it('v3 joins without the member-id round trip; v0 uses the session timeout as rebalance timeout', async () => {
    const r3 = await join(topicName('g'), { version: 3 });
    expect(r3.errorCode).toBe(0);
    expect(r3.generationId).toBe(1);
    const r0 = await join(topicName('g'), { version: 0 });
    expect(r0.errorCode).toBe(0);
  });

  it('rejects bad session timeouts, empty group ids and mismatched protocols', async () => {
    expect((await join(topicName('g'), { session: 50 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await join(topicName('g'), { session: 1800001 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await join('')).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await join(topicName('g'), { protocolType: '' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await join(topicName('g'), { protocols: [] })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const group = topicName('g');
    await soloMember(group);
    expect((await join(group, { protocolType: 'connect', version: 3 })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await join(group, { protocols: proto(['t'], 'roundrobin'), version: 3 })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    // A member id the group never handed out.
    expect((await join(group, { memberId: 'nobody' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await join(topicName('g'), { memberId: 'nobody' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('SyncGroup and Heartbeat check member, generation and protocol', async () => {
    const group = topicName('g');
    const m = await soloMember(group);
    const sync = (o: any) => c.send(API.SyncGroup, 5, { groupId: group, generationId: m.generationId, memberId: m.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [], ...o }).then((r) => r.errorCode);
    expect(await sync({ generationId: 7 })).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await sync({ memberId: 'ghost' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await sync({ protocolName: 'roundrobin' })).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(await sync({ protocolType: 'connect' })).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(await sync({ groupId: topicName('nope') })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // In Stable, SyncGroup returns the member's current assignment.
    const again = await c.send(API.SyncGroup, 5, { groupId: group, generationId: m.generationId, memberId: m.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect(Buffer.from(again.assignment).toString()).toBe('A');
    expect(await hb(group, m.memberId, m.generationId + 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await hb(group, 'ghost', m.generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await hb(topicName('nope'), m.memberId, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a second member triggers a rebalance: heartbeat says REBALANCE_IN_PROGRESS until everyone rejoined', async () => {
    const group = topicName('g');
    const a = await soloMember(group);
    // Each member on its own connection: responses on one connection come back in request order.
    const cb = await RawClient.connect(broker.port);
    const bFirst = await join(group, {}, cb);
    const bJoin = join(group, { memberId: bFirst.memberId }, cb);
    await sleep(20);
    expect(await hb(group, a.memberId, a.generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const syncDuringRebalance = await c.send(API.SyncGroup, 5, { groupId: group, generationId: a.generationId, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect(syncDuringRebalance.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const [ra, rb] = await Promise.all([join(group, { memberId: a.memberId }), bJoin]);
    expect(ra.generationId).toBe(2);
    expect(rb.generationId).toBe(2);
    expect(ra.leader).toBe(a.memberId);
    expect(ra.members).toHaveLength(2);
    expect(rb.members).toHaveLength(0);
    // The follower's SyncGroup waits for the leader's.
    const followerSync = cb.send(API.SyncGroup, 5, { groupId: group, generationId: 2, memberId: rb.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    const state = await c.send(API.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: false });
    expect(state.groups[0].groupState).toBe('CompletingRebalance');
    // A commit in CompletingRebalance is refused with REBALANCE_IN_PROGRESS.
    const topic = await newTopic(broker, 't');
    expect(await commit(group, topic, { generation: 2, memberId: a.memberId })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const leaderSync = await c.send(API.SyncGroup, 5, { groupId: group, generationId: 2, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: a.memberId, assignment: Buffer.from('LA') }, { memberId: rb.memberId, assignment: Buffer.from('FB') }] });
    expect(Buffer.from(leaderSync.assignment).toString()).toBe('LA');
    expect(Buffer.from((await followerSync).assignment).toString()).toBe('FB');
    const d = await c.send(API.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: true });
    expect(d.groups[0]).toMatchObject({ groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(d.groups[0].members.map((m: any) => Buffer.from(m.memberAssignment).toString()).sort()).toEqual(['FB', 'LA']);
    expect(d.groups[0].members[0].clientHost).toBe('/127.0.0.1');
    expect(d.groups[0].authorizedOperations).toBeGreaterThan(0);
    cb.close();
  });

  it('a member rejoining with a changed subscription triggers a rebalance; an unchanged follower does not', async () => {
    const group = topicName('g');
    const a = await soloMember(group);
    const cb = await RawClient.connect(broker.port);
    try {
      const bFirst = await join(group, {}, cb);
      const bJoin = join(group, { memberId: bFirst.memberId }, cb);
      const ra = await join(group, { memberId: a.memberId });
      const rb = await bJoin;
      await Promise.all([
        c.send(API.SyncGroup, 5, { groupId: group, generationId: ra.generationId, memberId: ra.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }),
        cb.send(API.SyncGroup, 5, { groupId: group, generationId: rb.generationId, memberId: rb.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }),
      ]);
      // Same metadata from the follower in Stable: the current generation comes straight back.
      const same = await join(group, { memberId: rb.memberId }, cb);
      expect(same).toMatchObject({ errorCode: 0, generationId: ra.generationId, members: [] });
      // New subscription: the group goes back to PreparingRebalance and the leader learns it from its heartbeat.
      const changed = join(group, { memberId: rb.memberId, protocols: proto(['t', 'u']) }, cb);
      await sleep(20);
      expect(await hb(group, ra.memberId, ra.generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
      const ra2 = await join(group, { memberId: ra.memberId });
      expect((await changed).generationId).toBe(ra.generationId + 1);
      expect(ra2.members.map((m: any) => Buffer.from(m.metadata).equals(subscription(['t', 'u']))).filter(Boolean)).toHaveLength(1);
    } finally {
      cb.close();
    }
  });

});

describe('static membership', () => {
  it('a static member rejoining with a new member id keeps its assignment without a rebalance and fences the old id', async () => {
    const group = topicName('g');
    const r = await join(group, { instanceId: 'inst-1' });
    expect(r.errorCode).toBe(0); // static members need no MEMBER_ID_REQUIRED round trip
    expect(r.memberId).toMatch(/^inst-1-/);
    await c.send(API.SyncGroup, 5, { groupId: group, generationId: r.generationId, memberId: r.memberId, groupInstanceId: 'inst-1', protocolType: null, protocolName: null, assignments: [{ memberId: r.memberId, assignment: Buffer.from('S') }] });
    const again = await join(group, { instanceId: 'inst-1' });
    expect(again.errorCode).toBe(0);
    expect(again.memberId).not.toBe(r.memberId);
    expect(again.generationId).toBe(r.generationId);
    expect(again.skipAssignment).toBe(true); // it is the leader, v9 tells it not to reassign
    const s = await c.send(API.SyncGroup, 5, { groupId: group, generationId: again.generationId, memberId: again.memberId, groupInstanceId: 'inst-1', protocolType: null, protocolName: null, assignments: [] });
    expect(Buffer.from(s.assignment).toString()).toBe('S');
    expect(await hb(group, r.memberId, r.generationId, 'inst-1')).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await join(group, { memberId: r.memberId, instanceId: 'inst-1' })).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const d = await c.send(API.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: false });
    expect(d.groups[0].groupState).toBe('Stable');
    expect(d.groups[0].members[0].groupInstanceId).toBe('inst-1');
    // LeaveGroup v3+ by instance id; a stale member id for that instance is fenced.
    const bad = await c.send(API.LeaveGroup, 5, { groupId: group, memberId: '', members: [{ memberId: r.memberId, groupInstanceId: 'inst-1', reason: null }] });
    expect(bad.members[0].errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const ok = await c.send(API.LeaveGroup, 5, { groupId: group, memberId: '', members: [{ memberId: '', groupInstanceId: 'inst-1', reason: null }, { memberId: 'ghost', groupInstanceId: null, reason: null }] });
    expect(ok.errorCode).toBe(0);
    expect(ok.members.map((m: any) => m.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    const empty = await c.send(API.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: false });
    expect(empty.groups[0].groupState).toBe('Empty');
  });

  it('LeaveGroup v0 reports a single unknown member as the top-level error', async () => {
    const group = topicName('g');
    await soloMember(group);
    const r = await c.send(API.LeaveGroup, 0, { groupId: group, memberId: 'ghost' });
    expect(r.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});
