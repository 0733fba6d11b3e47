// Request/response framing on top of the generated schemas: header versions, typed decode results.
// Everything from index.js (the codecs are one module): the per-API files would each be one more module to load.
import {
  API_SCHEMAS, SERVER_API_SCHEMAS, decodeRequestHeader, encodeRequestHeader, decodeResponseHeader, encodeResponseHeader,
  type ApiSchema, type RequestHeader, type ServerApiSchema,
} from './generated/index.js';
import { ProtocolError, Reader, Writer } from './primitives.js';

// The broker's code uses SERVER_API_SCHEMAS only, so that its bundle can leave out the client halves of the codecs;
// encodeRequest() and decodeResponse() below (tests, benchmarks) use API_SCHEMAS.
export { API_SCHEMAS, SERVER_API_SCHEMAS, type ApiSchema, type ServerApiSchema };

export function requestHeaderVersion(apiKey: number, version: number): number {
  const api = SERVER_API_SCHEMAS.get(apiKey);
  if (apiKey === 7 && version === 0) return 0; // ControlledShutdown v0 has no client id
  return api && api.flexibleFrom >= 0 && version >= api.flexibleFrom ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, version: number): number {
  // ApiVersions responses always use header v0, so a client can read the error of an unsupported version.
  if (apiKey === 18) return 0;
  const api = SERVER_API_SCHEMAS.get(apiKey);
  return api && api.flexibleFrom >= 0 && version >= api.flexibleFrom ? 1 : 0;
}

export type DecodedRequest =
  | { ok: true; header: RequestHeader; api: ServerApiSchema; body: any }
  /** Header readable but the API or version is not one we know: answer UNSUPPORTED_VERSION. */
  | { ok: false; kind: 'unsupported'; apiKey: number; apiVersion: number; correlationId: number; error: string }
  /** Nothing usable: close the connection. */
  | { ok: false; kind: 'malformed'; error: string; apiKey?: number; apiVersion?: number; correlationId?: number };

/** Decodes a request frame (header + body, without the size prefix). Never throws. */
export function decodeRequest(frame: Buffer): DecodedRequest {
  if (frame.length < 8) return { ok: false, kind: 'malformed', error: `frame of ${frame.length} bytes is shorter than a request header` };
  const apiKey = frame.readInt16BE(0);
  const apiVersion = frame.readInt16BE(2);
  const correlationId = frame.readInt32BE(4);
  const api = SERVER_API_SCHEMAS.get(apiKey);
  if (!api || apiVersion < api.minVersion || apiVersion > api.maxVersion) {
    return { ok: false, kind: 'unsupported', apiKey, apiVersion, correlationId, error: api ? `${api.name} v${apiVersion} is not supported` : `unknown API key ${apiKey}` };
  }
  try {
    const r = new Reader(frame);
    const header = decodeRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
    // Bytes after the body are ignored, as Kafka's request parser ignores them: librdkafka (2.15 too) sends an
    // all-topics Metadata v9+ request with a 4-byte array-count placeholder of which only the first byte is read.
    const body = api.decodeRequest(r, apiVersion);
    return { ok: true, header, api, body };
  } catch (e) {
    if (e instanceof ProtocolError || e instanceof RangeError) {
      return { ok: false, kind: 'malformed', error: (e as Error).message, apiKey, apiVersion, correlationId };
    }
    throw e;
  }
}

/** Encodes a request frame with its 4-byte size prefix (used by tests and the in-process client). */
export function encodeRequest(apiKey: number, apiVersion: number, correlationId: number, clientId: string | null, body: any): Buffer {
  const api = API_SCHEMAS.get(apiKey);
  if (!api) throw new Error(`unknown API key ${apiKey}`);
  return encodeRequestWith(api.encodeRequest, apiKey, apiVersion, correlationId, clientId, body);
}

/**
 * The same with the body's encoder given (e.g. `encodeProduceRequest` from ./generated/index.js): code in the broker's
 * bundle that sends a few kinds of request (src/warm-up.ts) brings in those encoders only, not API_SCHEMAS's all.
 */
export function encodeRequestWith(encodeBody: (w: Writer, body: any, version: number) => void, apiKey: number, apiVersion: number,
  correlationId: number, clientId: string | null, body: any): Buffer {
  const w = new Writer();
  w.int32(0);
  encodeRequestHeader(w, { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId }, requestHeaderVersion(apiKey, apiVersion));
  encodeBody(w, body, apiVersion);
  const buf = w.toBuffer();
  buf.writeInt32BE(buf.length - 4, 0);
  return buf;
}

/** Encodes a response (header + body) as buffer chunks, the first starting with the 4-byte size. */
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: any): Buffer[] {
  const api = SERVER_API_SCHEMAS.get(apiKey)!;
  const w = new Writer(512);
  w.int32(0);
  encodeResponseHeader(w, { correlationId }, responseHeaderVersion(apiKey, apiVersion));
  api.encodeResponse(w, body, apiVersion);
  const total = w.length;
  const chunks = w.chunksOut();
  chunks[0].writeInt32BE(total - 4, 0);
  return chunks;
}

/** Decodes a response frame (without size prefix); throws ProtocolError on bad input. */
export function decodeResponse(apiKey: number, apiVersion: number, frame: Buffer): { correlationId: number; body: any } {
  const api = API_SCHEMAS.get(apiKey);
  if (!api) throw new ProtocolError(`unknown API key ${apiKey}`);
  const r = new Reader(frame);
  const h = decodeResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
  const body = api.decodeResponse(r, apiVersion);
  return { correlationId: h.correlationId, body };
}
