// ShareAcknowledge (key 79, KIP-932): acknowledgements without a fetch, in the member's share session on this
// broker (epoch 0 cannot open one; -1 applies them and closes the session, releasing what the member still holds).
import { GROUP_READ, groupAllowed } from '../coordinator/group/request-util.js';
import { FINAL_EPOCH, INITIAL_EPOCH, type ShareSession } from '../coordinator/share/share-sessions.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { ShareAcknowledgeRequest, ShareAcknowledgeResponse } from '../protocol/generated/share-acknowledge.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { acknowledgePartition, checkIds, continuedSession, leaderHint, shareGroupsEnabled, shareServices } from './share-util.js';
import { toError } from './util.js';

export default defineHandler<ShareAcknowledgeRequest>({
  apiKey: 79,
  minVersion: 1,
  handle(ctx, req): Input<ShareAcknowledgeResponse> {
    const top = (errorCode: number, errorMessage: string | null = null): Input<ShareAcknowledgeResponse> => ({ throttleTimeMs: 0, errorCode, errorMessage, responses: [], nodeEndpoints: [] });
    if (!shareGroupsEnabled(ctx)) return top(ErrorCode.UNSUPPORTED_VERSION, 'Share groups are not enabled (share.version is 0).');
    let s: ShareSession;
    try {
      checkIds(req.groupId, req.memberId);
      if (!groupAllowed(ctx, GROUP_READ, req.groupId!)) return top(ErrorCode.GROUP_AUTHORIZATION_FAILED);
      if (req.shareSessionEpoch === INITIAL_EPOCH) throw new KafkaError('INVALID_SHARE_SESSION_EPOCH', 'ShareAcknowledge Request cannot have epoch as INITIAL_EPOCH.');
      s = continuedSession(ctx, req.groupId!, req.memberId!, req.shareSessionEpoch);
    } catch (e) {
      const x = toError(e, ctx);
      return top(x.errorCode, x.errorMessage);
    }
    const endpoints = new Map<number, { nodeId: number; host: string; port: number; rack: string | null }>();
    const responses = req.topics.map((t) => ({
      topicId: t.topicId,
      partitions: t.partitions.map((p) => {
        const hint = leaderHint(ctx, t.topicId, p.partitionIndex, endpoints);
        const r = hint.errorCode !== ErrorCode.NONE ? { errorCode: hint.errorCode, errorMessage: null } : acknowledgePartition(ctx, s, t.topicId, p.partitionIndex, p.acknowledgementBatches);
        return { partitionIndex: p.partitionIndex, ...r, currentLeader: hint.currentLeader };
      }),
    }));
    const { sessions } = shareServices(ctx);
    if (req.shareSessionEpoch === FINAL_EPOCH) sessions.close(ctx.broker.nodeId, s);
    else sessions.advance(s);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses, nodeEndpoints: [...endpoints.values()] };
  },
});
