// TLS for SSL / SASL_SSL listeners: PEM files from --ssl-cert/--ssl-key/--ssl-ca, or a throwaway CA, server
// and client certificate made with the openssl binary (--ssl-self-signed, for development), and the
// ssl.client.auth policy (none | requested | required) with the certificate subject as principal.
import type childProcess from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isIP } from 'node:net';
import path from 'node:path';
import type tls from 'node:tls';
import type { Logger } from 'pino';
import type { BrokerNode, Endpoint } from '../cluster/cluster.js';
import type { Connection } from '../server/connection.js';
import { ANONYMOUS, certificatePrincipal } from './principal.js';

export type ClientAuth = 'none' | 'requested' | 'required';

export interface TlsFiles {
  dir: string;
  ca: string;
  cert: string;
  key: string;
  /** A client certificate signed by the same CA (self-signed mode), for mTLS. */
  clientCert?: string;
  clientKey?: string;
}

export interface TlsSetup {
  options: tls.TlsOptions;
  clientAuth: ClientAuth;
  files?: TlsFiles;
  /** Removes a temporary certificate directory. */
  cleanup?: () => Promise<void>;
}

export function parseClientAuth(v: unknown): ClientAuth {
  const s = String(v ?? 'none').toLowerCase();
  if (s !== 'none' && s !== 'requested' && s !== 'required') throw new Error(`ssl.client.auth must be required, requested or none, got "${v}"`);
  return s;
}

// node:child_process (~2 ms to load) only for --ssl-self-signed (docs/performance.md, finding 14).
const require = createRequire(import.meta.url);

function run(args: string[], cwd: string): Promise<void> {
  const { execFile } = require('node:child_process') as typeof childProcess;
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 30_000 }, (err, _out, stderr) => {
      if (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        reject(new Error(missing ? '--ssl-self-signed needs the openssl binary on PATH' : `openssl ${args[0]} failed: ${stderr || err.message}`));
      } else resolve();
    });
  });
}

// Our own config, so no distribution openssl.cnf (and its default extensions) gets in the way.
function opensslConfig(san: string[]): string {
  const alt = san.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  return [
    '[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', 'CN = unused',
    '[ca_ext]', 'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash',
    '[server_ext]', 'basicConstraints = CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth,clientAuth', `subjectAltName = ${alt}`, 'authorityKeyIdentifier = keyid',
    '[client_ext]', 'basicConstraints = CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = clientAuth', 'authorityKeyIdentifier = keyid', '',
  ].join('\n');
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function issue(dir: string, name: string, subject: string, ext: string): Promise<void> {
  await run(['req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject, '-config', 'openssl.cnf'], dir);
  const serial = '0x' + Date.now().toString(16) + Math.floor(Math.random() * 0xffff).toString(16);
  await run(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', serial, '-days', '825', '-sha256',
    '-extfile', 'openssl.cnf', '-extensions', ext, '-out', `${name}.pem`], dir);
  await rm(path.join(dir, `${name}.csr`), { force: true });
}

function stillValid(file: string): boolean {
  try {
    const cert = new X509Certificate(readFileSync(file));
    return new Date(cert.validTo).getTime() > Date.now() + 86_400_000;
  } catch {
    return false;
  }
}

/**
 * Makes (or reuses, in a data directory) a development CA, a server certificate for the listener hosts
 * (plus localhost/127.0.0.1/::1) and a client certificate CN=client,O=kafkalite for mTLS.
 */
export async function selfSigned(dataDir: string | undefined, hosts: string[]): Promise<{ files: TlsFiles; temporary: boolean }> {
  const temporary = !dataDir;
  const dir = dataDir ? path.join(dataDir, 'tls') : await mkdtemp(path.join(tmpdir(), 'kafkalite-tls-'));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const san = [...new Set(['localhost', '127.0.0.1', '::1', ...hosts.filter((h) => h && h !== '0.0.0.0' && h !== '::')])];
  const files: TlsFiles = {
    dir,
    ca: path.join(dir, 'ca.pem'),
    cert: path.join(dir, 'server.pem'),
    key: path.join(dir, 'server.key'),
    clientCert: path.join(dir, 'client.pem'),
    clientKey: path.join(dir, 'client.key'),
  };
  const sanFile = path.join(dir, 'san.txt');
  const sanText = san.join(',');
  await writeFile(path.join(dir, 'openssl.cnf'), opensslConfig(san));
  let newCa = false;
  if (!existsSync(files.ca) || !existsSync(path.join(dir, 'ca.key')) || !stillValid(files.ca)) {
    await run(['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650', '-sha256',
      '-subj', '/O=kafkalite/CN=kafkalite development CA', '-config', 'openssl.cnf', '-extensions', 'ca_ext'], dir);
    newCa = true;
  }
  const sanSame = existsSync(sanFile) && (await readFile(sanFile, 'utf8')) === sanText;
  if (newCa || !sanSame || !existsSync(files.key) || !stillValid(files.cert)) {
    await issue(dir, 'server', '/O=kafkalite/CN=localhost', 'server_ext');
    await writeFile(sanFile, sanText);
  }
  if (newCa || !existsSync(files.clientKey!) || !stillValid(files.clientCert!)) {
    await issue(dir, 'client', '/O=kafkalite/CN=client', 'client_ext');
  }
  return { files, temporary };
}

export interface TlsInstallOptions {
  tls?: tls.TlsOptions;
  sslCert?: string;
  sslKey?: string;
  sslKeyPassword?: string;
  sslCa?: string;
  sslClientAuth?: string;
  sslSelfSigned?: boolean;
  dataDir?: string;
  memory?: boolean;
}

/** Builds the TLS server options, or undefined when no TLS material was configured. */
export async function setupTls(opts: TlsInstallOptions, configuredClientAuth: string | null, hosts: string[], logger: Logger): Promise<TlsSetup | undefined> {
  if (opts.tls) {
    // Caller-supplied options: Node enforces them; we only read back the policy for principals.
    const t = opts.tls;
    return { options: t, clientAuth: t.requestCert ? (t.rejectUnauthorized === false ? 'requested' : 'required') : 'none' };
  }
  const clientAuth = parseClientAuth(opts.sslClientAuth ?? configuredClientAuth ?? 'none');
  let files: TlsFiles | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  if (opts.sslSelfSigned && !opts.sslCert) {
    const made = await selfSigned(opts.memory ? undefined : opts.dataDir, hosts);
    files = made.files;
    if (made.temporary) cleanup = () => rm(made.files.dir, { recursive: true, force: true });
    logger.info({ ca: files.ca, cert: files.cert, clientCert: files.clientCert, clientKey: files.clientKey },
      `self-signed TLS certificate for development; clients can trust the CA in ${files.ca}`);
  } else if (opts.sslCert || opts.sslKey) {
    if (!opts.sslCert || !opts.sslKey) throw new Error('--ssl-cert and --ssl-key must be given together');
    files = { dir: path.dirname(opts.sslCert), cert: opts.sslCert, key: opts.sslKey, ca: opts.sslCa ?? '' };
  } else {
    return undefined;
  }
  const ca = files.ca ? await readFile(files.ca) : undefined;
  if (clientAuth !== 'none' && !ca) throw new Error('ssl.client.auth needs --ssl-ca (the CA that signs client certificates)');
  const options: tls.TlsOptions = {
    cert: await readFile(files.cert),
    key: await readFile(files.key),
    passphrase: opts.sslKeyPassword,
    ca,
    // Client certificates are verified against `ca`, but the verdict is applied per listener after the handshake
    // (Kafka applies ssl.client.auth to SSL listeners only, not to SASL_SSL ones, and all share these options).
    requestCert: clientAuth !== 'none',
    rejectUnauthorized: false,
  };
  return { options, clientAuth, files, cleanup };
}

/** Sets the principal of a new connection on a PLAINTEXT or SSL listener; closes SSL ones failing ssl.client.auth. */
export function onTransportConnection(conn: Connection, ep: Endpoint, clientAuth: ClientAuth): void {
  if (ep.securityProtocol === 'PLAINTEXT') {
    conn.state.principal = ANONYMOUS;
    return;
  }
  if (ep.securityProtocol !== 'SSL') return; // SASL listeners: the principal comes from authentication
  const socket = conn.socket as unknown as tls.TLSSocket;
  const cert = clientAuth === 'none' ? undefined : socket.getPeerX509Certificate?.();
  if (cert && !socket.authorized) {
    conn.close(`SSL client certificate rejected: ${socket.authorizationError}`);
    return;
  }
  if (!cert && clientAuth === 'required') {
    conn.close('SSL handshake failed: client certificate required (ssl.client.auth=required)');
    return;
  }
  conn.state.principal = cert ? certificatePrincipal(cert) : ANONYMOUS;
}

/** Host names the server certificate should cover: every listener's bind and advertised host. */
export function listenerHosts(nodes: BrokerNode[] | undefined, extra: (string | undefined)[]): string[] {
  const out: string[] = [];
  for (const n of nodes ?? []) for (const e of n.endpoints) out.push(e.host, e.advertisedHost);
  for (const h of extra) if (h) out.push(h);
  return out.map((h) => h.replace(/^\[|\]$/g, ''));
}
