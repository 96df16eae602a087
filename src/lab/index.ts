/**
 * The embedded HTTPS lab for tests, `exaudit lab` and `exaudit demo`: fake Exchange servers on 127.0.0.1 with
 * certificates from a throwaway lab CA (made with node:crypto; no dev dependency, nothing written but the CA's
 * public certificate, so a scan can trust it with --ca).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLabPki } from './http/cert.js';
import { startLabServer, type RunningLabServer } from './http/server.js';
import type { LabServerSpec } from './http/spec.js';

export type { LabServerSpec, LabKind, MitigationMode, FrontEnd } from './http/spec.js';
export type { RunningLabServer } from './http/server.js';
export { LAB_HOSTNAME } from './http/cert.js';

export interface HttpLab {
  servers: RunningLabServer[];
  /** PEM of the lab CA that signed the servers' certificates. */
  ca: string;
  /** A file holding `ca`, for `scan --ca FILE` (removed by close()). */
  caFile: string;
  /** Every server's main address as a scan target (127.0.0.1:port, or [::1]:port). */
  targets(): string[];
  close(): Promise<void>;
}

/** Starts the given servers (each on its own ephemeral port on 127.0.0.1). Closes what started if one fails. */
export async function startHttpLab(specs: LabServerSpec[]): Promise<HttpLab> {
  const pki = createLabPki();
  const dir = mkdtempSync(join(tmpdir(), 'exaudit-lab-'));
  const caFile = join(dir, 'lab-ca.pem');
  writeFileSync(caFile, pki.ca.cert);
  const servers: RunningLabServer[] = [];
  try {
    for (const spec of specs) servers.push(await startLabServer(spec, pki));
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let closed = false;
  return {
    servers,
    ca: pki.ca.cert,
    caFile,
    targets: () => servers.map((s) => (s.host === '::1' ? `[::1]:${s.port}` : `127.0.0.1:${s.port}`)),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all(servers.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A mixed fleet that reads like a real estate: every family, before and after the July 2021 SU, with and
 * without the URL-rewrite mitigations, a CU-level server (ECP not published), a load-balanced pair on two
 * builds, Exchange Online, a non-Exchange host, a pre-auth proxy and a TLS-broken host. Nothing in it hangs,
 * so a scan of the whole fleet takes about a second.
 */
export function defaultHttpFleet(): LabServerSpec[] {
  // Names are stable: demo reports and their tests refer to them.
  return [
    { name: 'ex2013-mar21', build: '15.0.1497.12' },
    { name: 'ex2013-mitigated', build: '15.0.1497.2', mitigations: { proxylogon: 'abort' } },
    { name: 'ex2016-cu19-mar21su', build: '15.1.2176.9' },
    { name: 'ex2016-cu23-oct25', build: '15.1.2507.61' },
    { name: 'ex2019-cu9-ecp-blocked', build: '15.2.858.5', ecp: 'blocked' },
    { name: 'ex2019-cu12-oct22', build: '15.2.1118.15', mitigations: { proxynotshell: 'abort' } },
    { name: 'ex2019-cu14-nov24', build: '15.2.1544.14' },
    { name: 'ex2019-cu15-aug26', build: '15.2.1748.49' },
    { name: 'exse-aug26', build: '15.2.2562.46' },
    {
      name: 'ex2019-lb-pair',
      frontEnds: [
        { name: 'EXLB01', build: '15.2.1748.49' },
        { name: 'EXLB02', build: '15.2.1748.36' },
      ],
    },
    { name: 'exo-autodiscover', kind: 'online' },
    { name: 'intranet-nginx', kind: 'not-exchange', flavor: 'nginx' },
    { name: 'owa-behind-kemp', kind: 'proxy' },
    { name: 'broken-tls', kind: 'tls-broken' },
  ];
}

/** Fleet for `exaudit lab --servers N`: the default fleet, cycled, with unique names. */
export function labFleet(n: number): LabServerSpec[] {
  const base = defaultHttpFleet();
  return Array.from({ length: n }, (_, i) => {
    const s = base[i % base.length]!;
    return i < base.length ? s : { ...s, name: `${s.name}-${Math.floor(i / base.length) + 1}` };
  });
}
