/**
 * The embedded lab for tests, `exaudit lab` and `exaudit demo`: fake Exchange HTTPS servers on 127.0.0.1
 * with one self-signed certificate (written to a temp file so scans can trust it with --ca).
 */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLabServer, type LabServerSpec, type RunningLabServer, type Tls } from './http/server.js';

export type { LabServerSpec } from './http/server.js';

export interface HttpLab {
  servers: RunningLabServer[];
  /** PEM of the lab certificate (self-signed, SAN 127.0.0.1 and localhost). */
  ca: string;
  /** A file holding `ca`, for `scan --ca`. */
  caFile: string;
  close(): Promise<void>;
}

let cached: Tls | undefined;
export async function labCertificate(): Promise<Tls> {
  if (cached) return cached;
  // selfsigned is a development dependency: the lab runs from a clone (npm install), not from a production install.
  const { generate } = (await import('selfsigned')) as unknown as { generate(attrs: unknown, opts: unknown): Promise<{ private: string; cert: string }> };
  const pems = await generate([{ name: 'commonName', value: 'mail.contoso.test' }], {
    keySize: 2048, algorithm: 'sha256', notAfterDate: new Date(Date.now() + 7 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }, { type: 2, value: 'mail.contoso.test' }] },
    ],
  });
  cached = { key: pems.private, cert: pems.cert };
  return cached;
}

export async function startHttpLab(specs: LabServerSpec[]): Promise<HttpLab> {
  const tls = await labCertificate();
  const dir = mkdtempSync(join(tmpdir(), 'exaudit-lab-'));
  const caFile = join(dir, 'lab-ca.pem');
  writeFileSync(caFile, tls.cert);
  const servers: RunningLabServer[] = [];
  try {
    for (const s of specs) servers.push(await startLabServer(s, tls));
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  return {
    servers, ca: tls.cert, caFile,
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A mixed fleet: every family, before and after the July 2021 SU, with and without mitigations, and bad servers. */
export function defaultHttpFleet(): LabServerSpec[] {
  return [
    { name: 'ex2013-mar21', build: '15.0.1497.2', owaVersionHeader: false },
    { name: 'ex2013-mitigated', build: '15.0.1497.2', owaVersionHeader: false, mitigations: { proxylogon: true } },
    { name: 'ex2016-cu19-mar21su', build: '15.1.2176.9', owaVersionHeader: false },
    { name: 'ex2016-cu23-oct25', build: '15.1.2507.61' },
    { name: 'ex2019-cu12-oct22', build: '15.2.1118.15', mitigations: { proxynotshell: true } },
    { name: 'ex2019-cu14-nov24', build: '15.2.1544.14' },
    { name: 'ex2019-cu15-aug26', build: '15.2.1748.49' },
    { name: 'exse-aug26', build: '15.2.2562.46' },
    { name: 'ex2019-lb-pair', build: '15.2.1748.39', frontEnds: [{ name: 'EXLB01', build: '15.2.1748.39' }, { name: 'EXLB02', build: '15.2.1748.36' }] },
    { name: 'exo-autodiscover', kind: 'online' },
    { name: 'intranet-nginx', kind: 'nginx' },
    { name: 'broken-tls', kind: 'tls-broken' },
  ];
}
