// The security subsystem, installed before the listeners start: TLS material for SSL / SASL_SSL listeners
// (services.tls), the principal of each new connection (services.onConnection), SASL users and the SASL
// state machine (services.sasl), and the ACL authorizer (services.acl).
import { readFile } from 'node:fs/promises';
import type { Services } from '../broker/context.js';
import type { ServiceInstaller } from '../services.js';
import { Authorizer } from './acl.js';
import { SaslAuthenticator } from './sasl/authenticator.js';
import { CredentialStore, parseUserList, parseUsersFile, SCRAM, type UserPasswords } from './sasl/credentials.js';
import { listenerHosts, onTransportConnection, setupTls, type ClientAuth } from './tls.js';

async function loadUsers(store: CredentialStore, opts: Record<string, any>): Promise<number> {
  const users = new Map<string, UserPasswords>();
  const merge = (name: string, pw: UserPasswords) => users.set(name, { ...users.get(name), ...pw });
  for (const [name, password] of parseUserList(opts.saslUsers)) merge(name, { password });
  if (opts.saslUsersFile) {
    const file = String(opts.saslUsersFile);
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      throw new Error(`--sasl-users-file ${file}: ${(e as Error).message}`);
    }
    for (const [name, pw] of parseUsersFile(json, file)) merge(name, pw);
  }
  // { name: { 'SCRAM-SHA-256': pw, 'SCRAM-SHA-512': pw } }: SCRAM-only users with per-mechanism passwords.
  for (const [name, mechs] of Object.entries((opts.scramUsers ?? {}) as Record<string, Record<string, string>>)) {
    const pw: UserPasswords = {};
    for (const [mech, p] of Object.entries(mechs)) {
      if (!(mech in SCRAM) && mech !== 'password') throw new Error(`scramUsers.${name}: unknown mechanism ${mech}`);
      pw[mech as keyof UserPasswords] = p;
    }
    merge(name, pw);
  }
  await Promise.all([...users].map(([name, pw]) => store.addUser(name, pw)));
  return users.size;
}

export const securityInstaller: ServiceInstaller = {
  name: 'security',
  async install(services: Services, opts: Record<string, any>) {
    const { cluster, logger } = services;
    const hosts = listenerHosts(cluster.brokers, [opts.advertisedHost, opts.host]);
    const tls = await setupTls(opts, cluster.config.explicit('ssl.client.auth') ?? null, hosts, logger);
    const clientAuth: ClientAuth = tls?.clientAuth ?? 'none';
    if (tls) {
      services.tls = tls.options;
      services.tlsFiles = tls.files;
      services.tlsCleanup = tls.cleanup;
    }
    const previous = services.onConnection;
    services.onConnection = (conn: any, node: any, ep: any) => {
      previous?.(conn, node, ep);
      onTransportConnection(conn, ep, clientAuth);
    };

    const credentials = new CredentialStore(cluster.storage);
    await credentials.load();
    const count = await loadUsers(credentials, opts);
    services.sasl = new SaslAuthenticator(cluster, credentials, logger);
    if (count > 0) logger.debug({ users: count }, 'SASL users configured');

    // Kafka enforces ACLs only with an authorizer (authorizer.class.name). allow.everyone.if.no.acl.found is an
    // authorizer setting, so setting it explicitly (as the kafkajs-suite preset does) turns the authorizer on too.
    const enabled = !!opts.authorizer || !!cluster.config.explicit('authorizer.class.name') || cluster.config.explicit('allow.everyone.if.no.acl.found') !== undefined;
    const acl = new Authorizer(cluster, enabled);
    await acl.load();
    services.acl = acl;
  },
  async stop(services: Services) {
    await services.tlsCleanup?.();
  },
};
