// Certificates for TLS tests, made with openssl (a Debian package the test environment installs):
// a CA, a server certificate for 127.0.0.1/localhost, a client certificate for mTLS, and a second
// CA nobody trusts (for the refusals).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../env/processes.ts';

export type TestCertificates = {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** A client certificate from a CA the server does not trust. */
  rogueCertFile: string;
  rogueKeyFile: string;
  rogueCaFile: string;
};

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args);
}

async function ca(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  await openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`].concat([
      '-keyout',
      key,
      '-out',
      cert,
    ]),
  );
  return { cert, key };
}

async function leaf(
  dir: string,
  name: string,
  issuer: { cert: string; key: string },
  ext: string,
): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const extFile = join(dir, `${name}.ext`);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', key, '-out', csr]);
  await writeFile(extFile, ext + '\n');
  await openssl(
    ['x509', '-req', '-in', csr, '-CA', issuer.cert, '-CAkey', issuer.key, '-CAcreateserial'].concat([
      '-days',
      '2',
      '-out',
      cert,
      '-extfile',
      extFile,
    ]),
  );
  return { cert, key };
}

export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-tls-'));
  const root = await ca(dir, 'swarmscope-test-ca');
  const rogue = await ca(dir, 'rogue-ca');
  const server = await leaf(
    dir,
    'server',
    root,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth',
  );
  const client = await leaf(dir, 'collector', root, 'extendedKeyUsage=clientAuth');
  const rogueClient = await leaf(dir, 'rogue-collector', rogue, 'extendedKeyUsage=clientAuth');
  return {
    dir,
    caFile: root.cert,
    serverCertFile: server.cert,
    serverKeyFile: server.key,
    clientCertFile: client.cert,
    clientKeyFile: client.key,
    rogueCertFile: rogueClient.cert,
    rogueKeyFile: rogueClient.key,
    rogueCaFile: rogue.cert,
  };
}
