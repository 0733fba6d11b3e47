// A member of a classic group and the results pending JoinGroup / SyncGroup requests wait for.

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export function joinError(errorCode: number, memberId = ''): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
}

export interface MemberJoinInfo {
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
}

export class ClassicMember {
  assignment: Buffer = Buffer.alloc(0);
  /** Set while the member's JoinGroup waits for the join phase to complete. */
  joinWaiter?: (r: JoinResult) => void;
  /** Set while the member's SyncGroup waits for the leader's assignment. */
  syncWaiter?: (r: SyncResult) => void;
  /** Joined during the current rebalance (not yet part of a completed generation). */
  isNew = true;

  constructor(
    public memberId: string,
    public info: MemberJoinInfo,
  ) {}

  get groupInstanceId(): string | null {
    return this.info.groupInstanceId;
  }

  get isStatic(): boolean {
    return this.info.groupInstanceId !== null;
  }

  metadataFor(protocol: string | null): Buffer {
    return this.info.protocols.find((p) => p.name === protocol)?.metadata ?? Buffer.alloc(0);
  }

  /** The protocol this member prefers among the candidates (its list is ordered by preference). */
  vote(candidates: Set<string>): string | undefined {
    return this.info.protocols.find((p) => candidates.has(p.name))?.name;
  }

  /** Same protocol names, order and metadata bytes: a rejoin that does not change the subscription. */
  sameProtocols(protocols: Protocol[]): boolean {
    const mine = this.info.protocols;
    return mine.length === protocols.length && mine.every((p, i) => p.name === protocols[i].name && p.metadata.equals(protocols[i].metadata));
  }

  completeJoin(r: JoinResult): void {
    const w = this.joinWaiter;
    this.joinWaiter = undefined;
    w?.(r);
  }

  completeSync(r: SyncResult): void {
    const w = this.syncWaiter;
    this.syncWaiter = undefined;
    w?.(r);
  }
}
