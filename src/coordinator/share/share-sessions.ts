// Share sessions (KIP-932, Kafka's ShareSessionCache): per broker, one per (group, member), holding the partitions
// the member fetches from that broker and the epoch its next ShareFetch or ShareAcknowledge must carry. Epoch 0
// opens a session, -1 closes it; a session also ends with its connection. Closing one releases what the member
// still holds on its partitions.
import { KafkaError } from '../../protocol/errors.js';
import type { Connection } from '../../server/connection.js';

export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;

export interface SessionPartition {
  topicId: string;
  partition: number;
}

export interface ShareSession {
  readonly groupId: string;
  readonly memberId: string;
  epoch: number;
  readonly partitions: Map<string, SessionPartition>;
  /** The connection that opened it: the session ends with it. */
  readonly conn: Connection;
}

const sessionKey = (nodeId: number, groupId: string, memberId: string) => `${nodeId}\0${groupId}\0${memberId}`;
export const partitionKey = (topicId: string, partition: number) => `${topicId}:${partition}`;

export class ShareSessions {
  private readonly sessions = new Map<string, ShareSession>();
  /** Keys of the sessions each connection opened (one close listener per connection, however often it reopens). */
  private readonly byConnection = new WeakMap<Connection, Set<string>>();

  /** `release` is called with a session that ended (closed, or its connection gone). */
  constructor(private readonly release: (s: ShareSession) => void) {}

  /**
   * The session a request with `epoch` continues, checked as Kafka does: SHARE_SESSION_NOT_FOUND without one,
   * INVALID_SHARE_SESSION_EPOCH when the epoch is not the expected one. `open` is for epoch 0 only.
   */
  current(nodeId: number, groupId: string, memberId: string, epoch: number): ShareSession {
    const s = this.sessions.get(sessionKey(nodeId, groupId, memberId));
    if (!s) throw new KafkaError('SHARE_SESSION_NOT_FOUND', `Share session not found for member ${memberId} of group ${groupId}.`);
    if (epoch !== FINAL_EPOCH && epoch !== s.epoch) throw new KafkaError('INVALID_SHARE_SESSION_EPOCH', `The share session epoch ${epoch} is not the expected ${s.epoch}.`);
    return s;
  }

  /** Opens a session (epoch 0), replacing the member's previous one on this broker; its next epoch is 1. */
  open(nodeId: number, groupId: string, memberId: string, conn: Connection, limit: number): ShareSession {
    const k = sessionKey(nodeId, groupId, memberId);
    // A replaced session is dropped without releasing its records: they stay the member's until acknowledged or
    // their locks expire (Kafka's ShareSessionCache does the same).
    if (!this.sessions.delete(k) && this.sessions.size >= limit) throw new KafkaError('SHARE_SESSION_LIMIT_REACHED', 'The limit of share sessions has been reached.');
    const s: ShareSession = { groupId, memberId, epoch: 1, partitions: new Map(), conn };
    this.sessions.set(k, s);
    let keys = this.byConnection.get(conn);
    if (!keys) {
      this.byConnection.set(conn, (keys = new Set()));
      conn.onClosed(() => {
        for (const key of keys!) {
          const open = this.sessions.get(key);
          if (open?.conn === conn) this.end(key, open);
        }
      });
    }
    keys.add(k);
    return s;
  }

  /** The request was accepted: the next one must carry the following epoch (wrapping to 1, as Kafka's nextEpoch). */
  advance(s: ShareSession): void {
    s.epoch = s.epoch === 0x7fffffff ? 1 : s.epoch + 1;
  }

  /** Still the member's session here (not closed, replaced, or gone with its connection). */
  isOpen(nodeId: number, s: ShareSession): boolean {
    return this.sessions.get(sessionKey(nodeId, s.groupId, s.memberId)) === s;
  }

  close(nodeId: number, s: ShareSession): void {
    const k = sessionKey(nodeId, s.groupId, s.memberId);
    if (this.sessions.get(k) === s) this.end(k, s);
  }

  /** Ends every session of a group (it was deleted). */
  dropGroup(groupId: string): void {
    for (const [k, s] of this.sessions) if (s.groupId === groupId) this.sessions.delete(k);
  }

  private end(k: string, s: ShareSession): void {
    this.sessions.delete(k);
    this.release(s);
  }
}
