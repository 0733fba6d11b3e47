// Byte-rate quotas applied to Produce and Fetch (src/cluster/quota-rates.ts decides how long to throttle), and the
// controller mutation quota of the topic admin APIs (src/cluster/mutation-quota.ts). Since
// KIP-219 (Produce v6, Fetch v8) the response goes out at once with throttleTimeMs and the connection reads no more
// requests until that time has passed; older clients do not know to back off, so, as Kafka does, their response
// itself is delayed. Synchronous (no await on the request path) unless a response must wait.
import { type MutationQuota, type MutationQuotas, UNBOUNDED } from '../cluster/mutation-quota.js';
import type { ByteRateKey, ByteRateQuotas } from '../cluster/quota-rates.js';
import { principalOf } from '../security/acl.js';
import { splitPrincipal } from '../security/principal.js';
import type { RequestContext } from './context.js';

const KIP_219_VERSION: Record<ByteRateKey, number> = { producer_byte_rate: 6, consumer_byte_rate: 8 };

/** The quota's user and client id of a request: the principal's name (ANONYMOUS without SASL or TLS) and client.id. */
function client(ctx: RequestContext): [string, string] {
  return [splitPrincipal(principalOf(ctx)).name, ctx.header.clientId ?? ''];
}

/**
 * Records `bytes` against the client's quota; returns the throttle time (ms), having muted or delayed as Kafka does.
 * `muting`: whether the client knows to back off (KIP-219); APIs newer than it (ShareFetch) always do.
 */
export function throttleByteRate(ctx: RequestContext, key: ByteRateKey, bytes: number, muting = ctx.apiVersion >= KIP_219_VERSION[key]): number | Promise<number> {
  const rates = ctx.services.byteRates as ByteRateQuotas | undefined;
  if (!rates?.enforces(key)) return 0;
  return applyThrottle(ctx, rates.record(key, ...client(ctx), bytes), muting);
}

/**
 * Throttles the client for `ms` (none when 0): a client that knows to back off (KIP-219) gets the response at once and
 * its connection is muted meanwhile; an older one gets the response only then. Returns `ms`.
 */
function applyThrottle(ctx: RequestContext, ms: number, muting: boolean): number | Promise<number> {
  if (ms <= 0) return 0;
  if (muting) {
    ctx.conn.mute(ms);
    return ms;
  }
  return new Promise((resolve) => setTimeout(() => resolve(ms), ms));
}

/**
 * consumer_byte_rate for a Fetch or ShareFetch response of `bytes`: the throttle time. A throttled response goes
 * out without its records (Kafka), so their bytes are taken back off the client's rate.
 */
export function throttleFetchResponse(ctx: RequestContext, bytes: number, muting?: boolean): number | Promise<number> {
  const settle = (ms: number): number => {
    if (ms > 0) (ctx.services.byteRates as ByteRateQuotas | undefined)?.unrecord('consumer_byte_rate', ...client(ctx), bytes);
    return ms;
  };
  const throttled = throttleByteRate(ctx, 'consumer_byte_rate', bytes, muting);
  return typeof throttled === 'number' ? settle(throttled) : throttled.then(settle);
}

/** Fetch max_bytes for a client under a consumer_byte_rate quota (Kafka's getMaxValueInQuotaWindow); Infinity if none. */
export function fetchByteLimit(ctx: RequestContext): number {
  const rates = ctx.services.byteRates as ByteRateQuotas | undefined;
  return rates?.enforces('consumer_byte_rate') ? rates.maxBytesInWindow('consumer_byte_rate', ...client(ctx)) : Infinity;
}

/** The controller mutation quota of a CreateTopics / DeleteTopics / CreatePartitions request: strict from `strictSince`. */
export function mutationQuota(ctx: RequestContext, strictSince: number): MutationQuota {
  const quotas = ctx.services.mutationQuotas as MutationQuotas | undefined;
  return quotas ? quotas.forRequest(...client(ctx), ctx.apiVersion >= strictSince) : UNBOUNDED;
}

/** The response's throttle time under a mutation quota, applied as for the byte rates; `kip219` is the API's first version that backs off by itself. */
export function mutationThrottle(ctx: RequestContext, quota: MutationQuota, kip219: number): number | Promise<number> {
  return applyThrottle(ctx, quota.throttleTimeMs(), ctx.apiVersion >= kip219);
}
