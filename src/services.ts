// Subsystems attached to a running cluster (group and transaction coordinators, security, replication...).
// Each installer adds its objects to `services` by name; handlers look them up there, so a subsystem can
// be absent (as in early builds) without the handlers that merely consult it breaking.
import type { Services } from './broker/context.js';
import { clientQuotasInstaller } from './cluster/client-quotas.js';
import { faultsInstaller } from './cluster/faults.js';
import { replicationInstaller } from './cluster/replication.js';
import { securityInstaller } from './security/index.js';
import { groupCoordinatorInstaller } from './coordinator/group/index.js';
import { transactionsInstaller } from './coordinator/txn/index.js';
import { telemetryInstaller } from './coordinator/telemetry/index.js';

export interface ServiceInstaller {
  name: string;
  install(services: Services, opts: Record<string, any>): Promise<void> | void;
  /** Called on shutdown, in reverse install order. */
  stop?(services: Services): Promise<void> | void;
}

export const INSTALLERS: ServiceInstaller[] = [
  replicationInstaller,
  faultsInstaller,
  securityInstaller,
  groupCoordinatorInstaller,
  transactionsInstaller,
  clientQuotasInstaller,
  telemetryInstaller,
];
