// The classic group protocol's clocks: members that stop heartbeating or never sync are removed after their
// session or rebalance timeout, and a new group waits group.initial.rebalance.delay.ms for more members.
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { topicName } from '../compat/helpers.js';
import { classicCalls, sleep } from './classic-calls.js';
import { useRawBroker } from './raw-broker.js';
import { API, RawClient } from './raw-client.js';

let broker: RunningBroker;
let c: RawClient;
useRawBroker({ overrides: { 'group.min.session.timeout.ms': '100' } }, (env) => ({ broker, c } = env));
const { join, hb } = classicCalls(() => c);

describe('session and rebalance timeouts', () => {
  it('a member that stops heartbeating is removed after its session timeout and the group rebalances', async () => {
    const group = topicName('g');
    const first = await join(group, { session: 300 });
    const r = await join(group, { memberId: first.memberId, session: 300 });
    await c.send(API.SyncGroup, 5, { groupId: group, generationId: r.generationId, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    await sleep(600);
    expect(await hb(group, r.memberId, r.generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const d = await c.send(API.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: false });
    expect(d.groups[0].groupState).toBe('Empty');
  });

  it('a session past its deadline counts as expired even before its timer fires (DeleteGroups on a busy loop)', async () => {
    const group = topicName('g');
    const first = await join(group, { session: 200 });
    const r = await join(group, { memberId: first.memberId, session: 200 });
    await c.send(API.SyncGroup, 5, { groupId: group, generationId: r.generationId, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    // The member's client closes; this process is then busy past the session deadline, so the expiry timer is due
    // but has not run when DeleteGroups is handled (synchronously, in the same turn). librdkafka's 0081 deletes its
    // groups right after its members' sessions end and met this under load: NON_EMPTY_GROUP.
    const until = Date.now() + 250;
    while (Date.now() < until);
    const result = await broker.services.groups!.deleteGroups([group]);
    expect(result.get(group)).toBe(ErrorCode.NONE);
  });

  it('a member that never syncs after the join phase is removed after the rebalance timeout', async () => {
    const group = topicName('g');
    const first = await join(group, { rebalance: 200 });
    const r = await join(group, { memberId: first.memberId, rebalance: 200 });
    expect(r.errorCode).toBe(0);
    await sleep(450);
    const d = await c.send(API.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: false });
    expect(d.groups[0].groupState).toBe('Empty');
  });
});

describe('group.initial.rebalance.delay.ms', () => {
  it('a new group waits the delay so members joining together land in one generation', async () => {
    broker.cluster.config.set('group.initial.rebalance.delay.ms', '300');
    const other = await RawClient.connect(broker.port);
    try {
      const group = topicName('g');
      const started = Date.now();
      const [a, b] = await Promise.all([join(group, { version: 3 }), (async () => {
        await sleep(100);
        return join(group, { version: 3 }, other);
      })()]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      expect(a.generationId).toBe(1);
      expect(b.generationId).toBe(1);
      expect(a.leader).toBe(a.memberId);
      expect(a.members).toHaveLength(2);
    } finally {
      broker.cluster.config.set('group.initial.rebalance.delay.ms', null);
      other.close();
    }
  });
});
