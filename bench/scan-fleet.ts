/**
 * The benchmark's loopback fleet, run in its own process (`node dist/bench/scan-fleet.js N`, forked with IPC) so the
 * servers' CPU is never counted as the scanner's. N lab servers on 127.0.0.1, each its own HTTPS server and port
 * (its own TLS session tickets, like separate machines), mixing what a real estate has: builds that send
 * X-OWA-Version, builds before the July 2021 SU (read from the export-tool manifest), CU-level servers with ECP
 * unpublished, and load-balanced pairs mid-upgrade. Every server's expected build comes with it, so the bench can
 * say whether every build was read right. Answers `cost` (connections, handshakes, requests per server and the
 * requests' paths) and `reset` over IPC; closes everything when the parent disconnects.
 */
import { startHttpLab, type LabServerSpec } from '../src/lab/index.js';
import type { PortCost } from '../src/lab/http/server.js';

export interface BenchServer {
  port: number;
  name: string;
  /** What a correct scan reports for it. */
  expect: { build: string; precision: 'exact' | 'cu' };
}

/** A request as a server received it: the path, and whether it asked to close the connection afterwards. */
export interface PlannedRequest {
  path: string;
  close: boolean;
}

export type FleetMessage =
  | { type: 'ready'; ca: string; caFile: string; servers: BenchServer[] }
  | { type: 'cost'; cost: PortCost[]; requests: PlannedRequest[][]; cpuMs: number }
  | { type: 'reset' };

/** Ten servers repeat: six with X-OWA-Version, two before the July 2021 SU, one CU-level, one balanced pair. */
const PATTERN: { spec: Omit<LabServerSpec, 'name'>; expect: BenchServer['expect'] }[] = [
  { spec: { build: '15.2.1748.49' }, expect: { build: '15.2.1748.49', precision: 'exact' } },
  { spec: { build: '15.1.2507.72' }, expect: { build: '15.1.2507.72', precision: 'exact' } },
  { spec: { build: '15.2.2562.46' }, expect: { build: '15.2.2562.46', precision: 'exact' } },
  { spec: { build: '15.0.1497.48' }, expect: { build: '15.0.1497.48', precision: 'exact' } },
  { spec: { build: '15.2.1544.25' }, expect: { build: '15.2.1544.25', precision: 'exact' } },
  { spec: { build: '15.1.2375.37' }, expect: { build: '15.1.2375.37', precision: 'exact' } },
  { spec: { build: '15.1.2242.4' }, expect: { build: '15.1.2242.4', precision: 'exact' } },
  { spec: { build: '15.2.858.5' }, expect: { build: '15.2.858.5', precision: 'exact' } },
  { spec: { build: '15.0.1497.12', ecp: 'blocked' }, expect: { build: '15.0.1497', precision: 'cu' } },
  {
    spec: {
      frontEnds: [
        { name: 'EXLB01', build: '15.2.1748.49' },
        { name: 'EXLB02', build: '15.2.1748.36' },
      ],
    },
    expect: { build: '15.2.1748.36', precision: 'exact' },
  },
];

export function benchFleet(n: number): { spec: LabServerSpec; expect: BenchServer['expect'] }[] {
  return Array.from({ length: n }, (_, i) => {
    const p = PATTERN[i % PATTERN.length]!;
    return { spec: { ...p.spec, name: `bench-${i}` }, expect: p.expect };
  });
}

async function main(): Promise<void> {
  const n = Math.max(1, Math.min(Number(process.argv[2] ?? 200), 1000));
  const fleet = benchFleet(n);
  const lab = await startHttpLab(fleet.map((f) => f.spec));
  let cpu = process.cpuUsage();
  const send = (m: FleetMessage) => process.send!(m);
  process.on('message', (m: FleetMessage) => {
    if (m.type === 'reset') {
      for (const s of lab.servers) s.resetCost();
      cpu = process.cpuUsage();
      send({ type: 'reset' });
    } else if (m.type === 'cost') {
      const used = process.cpuUsage(cpu);
      send({
        type: 'cost',
        cost: lab.servers.map((s) => {
          const sum: PortCost = { connections: 0, handshakes: 0, resumed: 0, requests: 0 };
          for (const c of s.cost.values()) for (const k of Object.keys(sum) as (keyof PortCost)[]) sum[k] += c[k];
          return sum;
        }),
        requests: lab.servers.map((s) =>
          s.requests.map((r) => ({ path: r.url, close: r.headers.connection === 'close' })),
        ),
        cpuMs: (used.user + used.system) / 1000,
      });
    }
  });
  process.once('disconnect', () => {
    void lab.close().then(() => process.exit(0));
  });
  send({
    type: 'ready',
    ca: lab.ca,
    caFile: lab.caFile,
    servers: lab.servers.map((s, i) => ({ port: s.port, name: s.name, expect: fleet[i]!.expect })),
  });
}

if (process.send) await main();
