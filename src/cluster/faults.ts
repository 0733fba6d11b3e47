// Request-level fault injection: the dispatcher asks `intercept` before running a handler, and the answer
// may be a delay, an injected Kafka error for the next N requests of an API, or a dropped connection.
// Requests reaching a stopped broker (already accepted before its listeners closed) are dropped too.
import type { RequestContext, Services } from '../broker/context.js';
import { NO_RESPONSE } from '../broker/context.js';
import { ErrorCode, errorName, type ErrorName } from '../protocol/errors.js';
import { SERVER_API_SCHEMAS } from '../protocol/messages.js';
import { errorResponse } from './fault-responses.js';

export interface ErrorFault {
  /** API key or name ("Produce", "JoinGroup"...). */
  apiKey: number | string;
  /** Kafka error name ("NOT_LEADER_OR_FOLLOWER") or code. */
  error: string | number;
  /** How many requests get the error (default 1). */
  count?: number;
  /** Only requests to this broker (default any). */
  brokerId?: number;
  message?: string;
}

export interface DelayFault {
  /** API key or name; absent means every API. */
  apiKey?: number | string;
  ms: number;
  /** How many requests are delayed (default: until cleared). */
  count?: number;
  brokerId?: number;
}

export interface CloseFault {
  apiKey?: number | string;
  count?: number;
  brokerId?: number;
}

export interface FaultRule {
  id: number;
  kind: 'error' | 'delay' | 'close';
  apiKey?: number;
  brokerId?: number;
  remaining: number;
  errorCode?: number;
  message?: string;
  ms?: number;
}

export type Intercepted = { close: string } | { response: unknown } | undefined;

export function resolveApiKey(api: number | string | undefined): number | undefined {
  if (api === undefined || api === null) return undefined;
  if (typeof api === 'number' || /^\d+$/.test(String(api))) {
    const key = Number(api);
    if (!SERVER_API_SCHEMAS.has(key)) throw new Error(`unknown API key ${api}`);
    return key;
  }
  const want = String(api).toLowerCase().replace(/[^a-z]/g, '');
  for (const s of SERVER_API_SCHEMAS.values()) if (s.name.toLowerCase() === want) return s.key;
  throw new Error(`unknown API "${api}"`);
}

export function resolveError(e: string | number): number {
  if (typeof e === 'number' || /^-?\d+$/.test(String(e))) return Number(e);
  const name = String(e).toUpperCase() as ErrorName;
  if (!(name in ErrorCode)) throw new Error(`unknown Kafka error "${e}"`);
  return ErrorCode[name];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class FaultInjector {
  private rules: FaultRule[] = [];
  private nextId = 1;

  constructor(private readonly services: Services) {}

  private add(rule: Omit<FaultRule, 'id'>): FaultRule {
    const r = { ...rule, id: this.nextId++ };
    this.rules.push(r);
    this.services.logger.info({ fault: r }, 'fault injected');
    return r;
  }

  /** The next `count` requests of the API answer with `error` (per partition where the response has partitions). */
  injectError(f: ErrorFault): FaultRule {
    const apiKey = resolveApiKey(f.apiKey);
    if (apiKey === undefined) throw new Error('injectError needs an apiKey');
    return this.add({ kind: 'error', apiKey, brokerId: f.brokerId, remaining: f.count ?? 1, errorCode: resolveError(f.error), message: f.message });
  }

  /** Delays requests (of one API, or all) by `ms` before handling them. */
  delay(f: DelayFault): FaultRule {
    return this.add({ kind: 'delay', apiKey: resolveApiKey(f.apiKey), brokerId: f.brokerId, remaining: f.count ?? Infinity, ms: f.ms });
  }

  /** The next `count` requests (of one API, or any) close their connection instead of being answered. */
  closeConnection(f: CloseFault = {}): FaultRule {
    return this.add({ kind: 'close', apiKey: resolveApiKey(f.apiKey), brokerId: f.brokerId, remaining: f.count ?? 1 });
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: number): boolean {
    const n = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== n;
  }

  clear(): void {
    this.rules = [];
  }

  /** Called by the dispatcher before the handler; undefined (synchronously) when nothing applies. */
  intercept(ctx: RequestContext, body: unknown): Promise<Intercepted> | undefined {
    if (!ctx.broker.alive) return Promise.resolve({ close: `broker ${ctx.broker.nodeId} is stopped` });
    if (this.rules.length === 0) return undefined;
    const key = ctx.header.requestApiKey;
    const matching = this.rules.filter((r) => (r.apiKey === undefined || r.apiKey === key) && (r.brokerId === undefined || r.brokerId === ctx.broker.nodeId));
    if (matching.length === 0) return undefined;
    let delayMs = 0;
    let outcome: FaultRule | undefined;
    for (const r of matching) {
      if (r.kind === 'delay') delayMs += r.ms ?? 0;
      else if (outcome) continue;
      else outcome = r;
      r.remaining--;
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return (async (): Promise<Intercepted> => {
      if (delayMs > 0) await sleep(delayMs);
      if (!outcome) return undefined;
      const api = SERVER_API_SCHEMAS.get(key)?.name ?? String(key);
      if (outcome.kind === 'close') return { close: `${api} request: connection closed by fault injection` };
      const code = outcome.errorCode!;
      const response = errorResponse(ctx, body, code, outcome.message ?? null);
      if (response === undefined) return { close: `${api} request: cannot carry injected ${errorName(code)}, connection closed` };
      if (response === NO_RESPONSE) return { close: `${api} acks=0 request failed with injected ${errorName(code)}` };
      ctx.logger.debug({ api, error: errorName(code) }, 'injected error');
      return { response };
    })();
  }
}

export const faultsInstaller = {
  name: 'faults',
  install(services: Services): void {
    services.faults = new FaultInjector(services);
  },
};
