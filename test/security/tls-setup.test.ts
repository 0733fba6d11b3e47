// TLS setup details: certificate subject -> principal (Java's RFC 2253 rendering), the self-signed material
// (kept and reused in a data directory, temporary and removed otherwise), ssl.client.auth=requested, and the
// CLI flags / environment variables that configure security.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseCli } from '../../src/cli.js';
import { rfc2253 } from '../../src/security/principal.js';
import { startTestBroker } from '../compat/helpers.js';
import { RawClient } from './raw-client.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('certificate principals', () => {
  test('RDNs reversed, comma-joined, escapes kept, unknown attributes as OID=#hex like Java', () => {
    expect(rfc2253('C=US\nO=kafkalite\nCN=client')).toBe('CN=client,O=kafkalite,C=US');
    expect(rfc2253('O=Acme\\, Inc.\nOU=a + CN=b')).toBe('OU=a+CN=b,O=Acme\\, Inc.');
    expect(rfc2253('CN=x\nemailAddress=a@b.c')).toBe('1.2.840.113549.1.9.1=#16056140622e63,CN=x');
  });
});

describe('self-signed certificates', () => {
  test('made in <data-dir>/tls, reused by the next start; a memory broker uses a temp dir removed on stop', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'kafkalite-tls-test-'));
    dirs.push(dataDir);
    const opts = { port: undefined, memory: false, dataDir, listeners: 'SSL://127.0.0.1:0', sslSelfSigned: true };
    const a = await startTestBroker(opts);
    const files = a.services.tlsFiles;
    expect(files.dir).toBe(path.join(dataDir, 'tls'));
    const cert = new X509Certificate(readFileSync(files.cert));
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.checkIssued(new X509Certificate(readFileSync(files.ca)))).toBe(true);
    const before = readFileSync(files.cert, 'utf8');
    await a.stop();
    const b = await startTestBroker(opts);
    expect(readFileSync(b.services.tlsFiles.cert, 'utf8')).toBe(before);
    await b.stop();
    expect(existsSync(files.cert)).toBe(true);

    const m = await startTestBroker({ port: undefined, listeners: 'SSL://127.0.0.1:0', sslSelfSigned: true });
    const tmp = m.services.tlsFiles.dir;
    expect(existsSync(tmp)).toBe(true);
    await m.stop();
    expect(existsSync(tmp)).toBe(false);
  });

  test('ssl.client.auth=requested: a certificate names the principal, no certificate means User:ANONYMOUS', async () => {
    const broker = await startTestBroker({ port: undefined, listeners: 'SSL://127.0.0.1:0', sslSelfSigned: true, sslClientAuth: 'requested' });
    const seen: string[] = [];
    const installed = broker.services.onConnection;
    broker.services.onConnection = (c: any, n: any, e: any) => {
      installed(c, n, e);
      seen.push(c.state.principal);
    };
    const f = broker.services.tlsFiles;
    try {
      const anon = await RawClient.connect(broker.brokers[0].ports.SSL, { tls: {} });
      expect((await anon.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode).toBe(0);
      const withCert = await RawClient.connect(broker.brokers[0].ports.SSL, { tls: { cert: readFileSync(f.clientCert), key: readFileSync(f.clientKey) } });
      expect((await withCert.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode).toBe(0);
      expect(seen).toEqual(['User:ANONYMOUS', 'User:CN=client,O=kafkalite']);
      anon.close();
      withCert.close();
    } finally {
      await broker.stop();
    }
  });

  test('PEM files given by path (--ssl-cert/--ssl-key/--ssl-ca)', async () => {
    const src = await startTestBroker({ port: undefined, listeners: 'SSL://127.0.0.1:0', sslSelfSigned: true });
    const f = src.services.tlsFiles;
    const dir = mkdtempSync(path.join(tmpdir(), 'kafkalite-pem-'));
    dirs.push(dir);
    for (const [name, from] of [['c.pem', f.cert], ['k.pem', f.key], ['ca.pem', f.ca]]) writeFileSync(path.join(dir, name), readFileSync(from));
    await src.stop();
    const broker = await startTestBroker({
      port: undefined, listeners: 'SSL://127.0.0.1:0', sslCert: path.join(dir, 'c.pem'), sslKey: path.join(dir, 'k.pem'), sslCa: path.join(dir, 'ca.pem'), sslClientAuth: 'required',
    });
    try {
      const noCert = await RawClient.connect(broker.brokers[0].ports.SSL, { tls: { ca: readFileSync(path.join(dir, 'ca.pem')), servername: 'localhost', rejectUnauthorized: true } });
      expect(await noCert.waitClosed()).toBe(true);
    } finally {
      await broker.stop();
    }
  });

  test('an SSL listener without TLS material is a startup error', async () => {
    await expect(startTestBroker({ port: undefined, listeners: 'SSL://127.0.0.1:0' })).rejects.toThrow(/needs TLS options/);
  });
});

describe('CLI flags', () => {
  test('security flags map to broker options; KAFKALITE_SASL_USERS works too', () => {
    const { opts } = parseCli([
      '--listeners', 'SASL_SSL://127.0.0.1:9094', '--ssl-self-signed', '--ssl-client-auth', 'requested',
      '--sasl-users-file', '/tmp/users.json', '--authorizer', '--super-users', 'User:admin',
    ], { KAFKALITE_SASL_USERS: 'a:b,c:d' });
    expect(opts).toMatchObject({ sslSelfSigned: true, sslClientAuth: 'requested', saslUsersFile: '/tmp/users.json', saslUsers: 'a:b,c:d', authorizer: true });
    expect(opts.overrides!['super.users']).toBe('User:admin');
    expect(() => parseCli(['--ssl-client-auth', 'maybe'], {})).toThrow(/--ssl-client-auth/);
    const preset = parseCli(['--preset', 'kafkajs-suite'], {}).opts;
    expect(preset).toMatchObject({ sslSelfSigned: true, saslUsers: 'test:testtest,bob:bobbob,alice:alicealice' });
  });

  test('a users file with per-mechanism passwords', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kafkalite-users-'));
    dirs.push(dir);
    const file = path.join(dir, 'users.json');
    writeFileSync(file, JSON.stringify({ users: { u1: { password: 'p1' }, u2: { 'SCRAM-SHA-512': 'only-512' }, u3: 'p3' } }));
    const broker = await startTestBroker({ saslUsersFile: file });
    try {
      const store = broker.services.sasl.credentials;
      expect(store.scramUsers()).toEqual(['u1', 'u2', 'u3']);
      expect(store.scram('u2', 'SCRAM-SHA-256')).toBeUndefined();
      expect(store.scram('u2', 'SCRAM-SHA-512').iterations).toBe(4096);
      expect(store.verifyPlain('u1', 'p1')).toBe(true);
      expect(store.verifyPlain('u2', 'only-512')).toBe(false);
    } finally {
      await broker.stop();
    }
    writeFileSync(file, JSON.stringify({ users: { u1: { pasword: 'typo' } } }));
    await expect(startTestBroker({ saslUsersFile: file })).rejects.toThrow(/unknown key "pasword"/);
  });
});
