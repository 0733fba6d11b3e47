// Shared by GetTelemetrySubscriptions and PushTelemetry (KIP-714): the client's attributes that subscriptions match
// on, and the telemetry service (installed by src/coordinator/telemetry/).
import type { ClientAttributes } from '../cluster/client-metrics-configs.js';
import type { TelemetryService } from '../coordinator/telemetry/index.js';
import type { RequestContext, Services } from './context.js';

export function telemetry(ctx: RequestContext): TelemetryService {
  const t = ctx.services.telemetry as TelemetryService;
  // Client instances last seen on a connection are forgotten with it (as Kafka 4.0 does).
  if (!ctx.conn.state.telemetryWatched) {
    ctx.conn.state.telemetryWatched = true;
    const connId = ctx.conn.id;
    ctx.conn.onClosed(() => t.instances.forgetConnection(connId));
  }
  return t;
}

/** What `match` can test, but the instance id (which the service fills in). */
export function clientAttributes(ctx: RequestContext): Omit<ClientAttributes, 'client_instance_id'> {
  const sw = ctx.conn.state.clientSoftware as { name: string; version: string } | undefined;
  const { clientIp, remotePort } = ctx.conn;
  return {
    client_id: ctx.header.clientId ?? null,
    client_software_name: sw?.name ?? null,
    client_software_version: sw?.version ?? null,
    client_source_address: clientIp || null,
    client_source_port: remotePort !== undefined ? String(remotePort) : null,
  };
}

/** Kafka lists the telemetry APIs only with a receiver configured; kafkalite's are a topic and an in-process callback. */
export function telemetryAdvertised(services: Services): boolean {
  return (services.telemetry as TelemetryService | undefined)?.receiving === true;
}
