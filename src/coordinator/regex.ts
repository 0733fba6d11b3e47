// Regular expressions from clients (KIP-848 SubscribedTopicRegex, ListTransactions' TransactionalIdPattern), run
// as Kafka runs them: RE2/J syntax and full-string matches. re2js is a port of RE2/J, so what Kafka accepts, refuses
// (lookarounds, backreferences) and how it reports it is the same, and matching takes linear time: a client's
// `(a+)+` cannot stall the broker as it would a backtracking JavaScript RegExp.
// Loaded on first use (~8 ms, 260 KB): most brokers never see a regex.
import { createRequire } from 'node:module';

type Re2 = typeof import('re2js');
export interface FullMatch {
  matches(input: string): boolean;
}

const require = createRequire(import.meta.url);
let re2: Re2 | undefined;
const compiled = new Map<string, FullMatch>();
/** Patterns are compiled once; members heartbeat with the same one every few seconds. */
const CACHE_LIMIT = 1000;

/** Compiles `pattern`, or throws an Error whose message is RE2/J's ("error parsing regexp: …"). */
export function compileRe2(pattern: string): FullMatch {
  let re = compiled.get(pattern);
  if (re === undefined) {
    re2 ??= require('re2js') as Re2;
    re = re2.RE2JS.compile(pattern);
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}
