// Installs the group coordinator as `services.groups` (handlers reach it through ctx.services.groups).
import type { Services } from '../../broker/context.js';
import type { ServiceInstaller } from '../../services.js';
import { GroupCoordinator } from './coordinator.js';

export { GroupCoordinator } from './coordinator.js';

export const groupCoordinatorInstaller: ServiceInstaller = {
  name: 'groups',
  async install(services: Services) {
    const coordinator = new GroupCoordinator(services);
    await coordinator.load();
    services.groups = coordinator;
  },
  async stop(services: Services) {
    await (services.groups as GroupCoordinator | undefined)?.stop();
  },
};
