// Turns a request frame into a response frame: decode, route to the handler for its API key, encode.
import type { BrokerNode, Endpoint } from '../cluster/cluster.js';
import { SERVER_API_SCHEMAS, decodeRequest, encodeResponse } from '../protocol/messages.js';
import type { Connection, FrameResult } from '../server/connection.js';
import { NO_RESPONSE, type HandlerDef, type RequestContext, type Services } from './context.js';
import { HANDLERS } from './handlers.js';
import { ErrorCode } from '../protocol/errors.js';

export interface SupportedApi {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

// Every entry has this one shape, whatever its handler's definition holds: `preAuth` and `handle` are read on every
// request, and reading them from the handlers' own objects (a different shape per API) made that code deoptimize
// each time a client used one more API (docs/performance.md, finding 19).
interface Served {
  handler: HandlerDef;
  minVersion: number;
  maxVersion: number;
  preAuth: boolean;
  handle: HandlerDef['handle'];
}

// The versions served: the handler's range, else the schema's up to the newest version Kafka advertises (a latest
// version the schema marks unstable is neither advertised nor accepted, as in Kafka).
let served: Map<number, Served> | undefined;
function servedApis(): Map<number, Served> {
  served ??= new Map(HANDLERS.map((h) => {
    const s = SERVER_API_SCHEMAS.get(h.apiKey)!;
    const entry: Served = { handler: h, minVersion: h.minVersion ?? s.minVersion, maxVersion: h.maxVersion ?? s.stableMaxVersion, preAuth: !!h.preAuth, handle: h.handle.bind(h) };
    return [h.apiKey, entry];
  }));
  return served;
}

/**
 * An API version we do not serve: ApiVersions gets Kafka's v0 body with UNSUPPORTED_VERSION and our ranges, so the
 * client can downgrade; for any other API there is no response it could read, so the connection closes.
 */
function refuseVersion(services: Services, apiKey: number, correlationId: number, why: string): FrameResult {
  if (apiKey !== 18) return { close: why };
  return encodeResponse(18, 0, correlationId, { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: supportedApis(services) });
}

/** The API version ranges this broker implements, as ApiVersions advertises them (with `services`: as configured). */
export function supportedApis(services?: Services): SupportedApi[] {
  return [...servedApis()]
    .filter(([, s]) => !services || !s.handler.advertised || s.handler.advertised(services))
    .map(([apiKey, s]) => ({ apiKey, minVersion: s.minVersion, maxVersion: s.maxVersion }))
    .sort((a, b) => a.apiKey - b.apiKey);
}

export function createDispatcher(services: Services, broker: BrokerNode, endpoint: Endpoint) {
  const { logger } = services;
  return async function onFrame(frame: Buffer, conn: Connection): Promise<FrameResult> {
    // A SASL v0 handshake switches the connection to raw, unframed-by-Kafka tokens until authenticated.
    if (conn.state.rawSasl) return services.sasl.handleRawToken(conn, frame);
    const d = decodeRequest(frame);
    if (!d.ok) {
      if (d.kind === 'unsupported') return refuseVersion(services, d.apiKey, d.correlationId, `${d.error} (correlation id ${d.correlationId})`);
      return { close: `malformed request: ${d.error}` };
    }
    const { header, body } = d;
    const version = header.requestApiVersion;
    const api = servedApis().get(header.requestApiKey);
    if (!api || version < api.minVersion || version > api.maxVersion) {
      return refuseVersion(services, header.requestApiKey, header.correlationId, `${d.api.name} v${version} is not supported by this broker`);
    }
    if (!api.preAuth && endpoint.securityProtocol.startsWith('SASL') && !conn.state.principal) {
      return { close: `${d.api.name} before SASL authentication completed` };
    }
    // KIP-368: once the SASL session lifetime is over, only re-authentication is accepted.
    if (conn.state.sessionExpiresAt !== undefined && !api.preAuth && Date.now() >= conn.state.sessionExpiresAt) {
      return { close: `${d.api.name} after the SASL session expired (connections.max.reauth.ms) without re-authentication` };
    }
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ conn: conn.id, api: d.api.name, v: version, corr: header.correlationId, client: header.clientId }, 'request');
    }
    const ctx: RequestContext = { services, cluster: services.cluster, broker, endpoint, conn, header, apiVersion: version, logger, requestBytes: frame.length };
    // Fault injection (src/cluster/faults.ts): undefined, synchronously, unless a fault applies.
    const fault = services.faults?.intercept(ctx, body);
    if (fault) {
      const f = await fault;
      if (f) return 'close' in f ? f : encodeResponse(header.requestApiKey, version, header.correlationId, f.response);
    }
    const response = await api.handle(ctx, body);
    if (response === NO_RESPONSE) return null;
    const chunks = encodeResponse(header.requestApiKey, version, header.correlationId, response);
    const after = ctx.afterResponse;
    return after ? { chunks, onWritten: () => { for (const f of after) f(); } } : chunks;
  };
}
