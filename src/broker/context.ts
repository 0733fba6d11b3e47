// What a request handler sees: the cluster, the broker node and listener the request came in on,
// the connection, and the decoded header. Handlers return the response body (generated Input type).
import type { Logger } from 'pino';
import type { BrokerNode, Cluster, Endpoint } from '../cluster/cluster.js';
import type { RequestHeader } from '../protocol/generated/request-header.js';
import type { Connection } from '../server/connection.js';

export interface Services {
  cluster: Cluster;
  logger: Logger;
  /** Coordinators and other subsystems register themselves here by name (groups, txn, acl, sasl...). */
  [name: string]: any;
}

export interface RequestContext {
  services: Services;
  cluster: Cluster;
  broker: BrokerNode;
  endpoint: Endpoint;
  conn: Connection;
  header: RequestHeader;
  apiVersion: number;
  logger: Logger;
  /** Size of the request frame (header and body): what a produce byte-rate quota counts. */
  requestBytes?: number;
  /** Called once the response has been written to the socket (e.g. to reuse read buffers it referenced). */
  afterResponse?: (() => void)[];
}

/** Returned by a handler when no response must be sent (Produce with acks=0). */
export const NO_RESPONSE = Symbol('no-response');

export interface HandlerDef<Req = any> {
  apiKey: number;
  /** Version range this handler implements; defaults to the schema's range up to its newest stable version. */
  minVersion?: number;
  maxVersion?: number;
  /** Allowed before SASL authentication completes (ApiVersions, SaslHandshake, SaslAuthenticate). */
  preAuth?: boolean;
  /** Whether ApiVersions lists this API (default: always); requests for it are served either way, as in Kafka. */
  advertised?(services: Services): boolean;
  handle(ctx: RequestContext, body: Req): Promise<any> | any;
}

export function defineHandler<Req>(def: HandlerDef<Req>): HandlerDef<Req> {
  return def;
}
