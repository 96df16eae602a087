/**
 * From what the passive requests saw to `facts.exchange`: which build, how precisely, from which technique.
 * A pure function of the observations, so it can be re-run on saved facts and tested from JSON.
 *
 * - Exact beats CU level; a three-part OWA folder never becomes exact.
 * - Behind a load balancer every (front end, build) is kept and the lowest is judged (the worst case); a front end
 *   that answered without any build makes the lowest unknown, so no build is claimed.
 * - Contradictions are reported, not resolved (remote-detection.md §3 "spoofable fingerprints"): a header whose
 *   CU differs from the OWA folder of the same front end, an IIS too old for the claimed family, EXO-shaped
 *   headers outside autodiscover/EWS, a version header that is not a build. The build is then not claimed.
 * - Exchange Online (15.20.x or EXO routing headers on the 401s) is classified, never mapped to the catalog.
 * - Exchange markers without a version (a proxy stripped them) are "Exchange, version unknown", never "not Exchange".
 */
import type { BuildObservation, Facts, HttpObservation, Product } from '../../facts/schema.js';
import { compareBuilds, cuPrefix } from '../../util/version.js';
import {
  exchangeSignals,
  headerVersion,
  iisVersion,
  isOnlineBuild,
  MIN_IIS,
  onlineHeaders,
  PROXY_MARKERS,
} from './evidence.js';
import { productOfBuild as productOf } from '../../util/version.js';

export type Exchange = NonNullable<Facts['exchange']>;
export const T1 = 'x-owa-version-401';

export interface Judgement {
  exchange: Exchange;
  behindProxy?: boolean;
}

interface Candidate extends BuildObservation {
  path: string;
  technique: string;
}

function describeSource(o: HttpObservation): string {
  if (o.technique === 'ecp-exporttool-manifest') return `ECP export-tool manifest version (${o.path})`;
  if (o.evidence?.startsWith('X-OWA-Version')) return `X-OWA-Version header on ${o.status ?? 'a reply to'} ${o.path}`;
  const folder = /\/owa\/(?:auth\/)?[\d.]+\//i.exec(o.evidence ?? '')?.[0];
  return `OWA logon page resource path ${folder ?? o.path}`;
}

function candidatesOf(observations: HttpObservation[]): Candidate[] {
  return observations
    .filter(
      (o): o is HttpObservation & { build: string; precision: NonNullable<HttpObservation['precision']> } =>
        !!o.build && !!o.precision && !isOnlineBuild(o.build),
    )
    .map((o) => ({
      build: o.build,
      precision: o.precision,
      source: describeSource(o),
      path: o.path,
      technique: o.technique,
      ...(o.frontEnd ? { frontEnd: o.frontEnd } : {}),
      ...(o.evidence ? { evidence: o.evidence } : {}),
    }));
}

/** One entry per (build, precision, front end), first source kept: the load-balancer report. */
function distinct(cands: Candidate[]): BuildObservation[] {
  const seen = new Map<string, BuildObservation>();
  for (const c of cands) {
    const key = [c.build, c.precision, c.frontEnd ?? ''].join('|');
    if (!seen.has(key))
      seen.set(key, {
        build: c.build,
        precision: c.precision,
        source: c.source,
        ...(c.frontEnd ? { frontEnd: c.frontEnd } : {}),
        ...(c.evidence ? { evidence: c.evidence } : {}),
      });
  }
  return [...seen.values()];
}

export interface Contradiction {
  reason: string;
  /** The evidence still agrees on the product (only the CU is in doubt, e.g. a stale cached OWA folder). */
  sameProduct: boolean;
}

/** Ways the fingerprints contradict each other; empty when they agree. */
export function contradictions(observations: HttpObservation[], cands: Candidate[]): Contradiction[] {
  const out: Contradiction[] = [];
  const exact = cands.filter((c) => c.precision === 'exact');
  const cu = cands.filter((c) => c.precision === 'cu' && productOf(c.build));
  const anyFrontEnd = observations.some((o) => o.frontEnd);
  for (const c of cu) {
    if (exact.some((e) => cuPrefix(e.build) === c.build)) continue;
    const sameFe = exact.filter((e) => e.frontEnd && e.frontEnd === c.frontEnd);
    const other = sameFe[0] ?? (!anyFrontEnd ? exact[0] : undefined);
    if (other)
      out.push({
        reason: `${other.source} says ${other.build} but the ${c.source}${sameFe.length ? ` on the same front end (${c.frontEnd})` : ''} says CU ${c.build}`,
        sameProduct: productOf(other.build) === productOf(c.build),
      });
  }
  // Exact reads from different techniques on one front end must agree on the CU.
  for (const a of exact) {
    const b = exact.find(
      (x) =>
        x.technique > a.technique &&
        (x.frontEnd ?? '') === (a.frontEnd ?? '') &&
        cuPrefix(x.build) !== cuPrefix(a.build),
    );
    if (b)
      out.push({
        reason: `${a.source} says ${a.build} but the ${b.source} says ${b.build}`,
        sameProduct: productOf(a.build) === productOf(b.build),
      });
  }
  // The family must fit the web server: 2016 cannot run on IIS 7.5 (Windows 2008 R2), 2019/SE need IIS 10.
  for (const c of cands) {
    const product = productOf(c.build);
    const server = observations.find((o) => o.path === c.path && o.build === c.build)?.headers?.['server'];
    const iis = iisVersion({ server: server ?? '' });
    if (product && iis !== undefined && iis < MIN_IIS[product])
      out.push({
        reason: `Exchange ${product} (${c.build}) cannot run on ${server} (needs IIS ${MIN_IIS[product]} or later)`,
        sameProduct: false,
      });
  }
  // X-OWA-Version that is not a build at all.
  const invalid = observations.filter((o) => {
    const v = headerVersion(o.headers?.['x-owa-version']);
    return v && 'invalid' in v;
  });
  if (invalid.length) {
    const paths = [...new Set(invalid.map((o) => o.path))];
    out.push({
      reason: `X-OWA-Version "${invalid[0]!.headers!['x-owa-version']!.slice(0, 64)}" is not a build number (on ${paths.slice(0, 2).join(', ')}${paths.length > 2 ? ` and ${paths.length - 2} more` : ''})`,
      sameProduct: false,
    });
  }
  // Exchange Online headers on /owa/ alone while autodiscover and EWS answer like a plain web server: a replayed
  // C2 "office365" profile. (An on-premises X-OWA-Version on /owa/ with autodiscover unpublished is plausible.)
  const t1 = observations.filter((o) => o.technique === T1 && o.status !== undefined);
  const elsewhere = observations.find(
    (o) => o.technique !== T1 && (onlineHeaders(o.headers ?? {}) || (o.build && isOnlineBuild(o.build))),
  );
  const t1LooksExchange = (o: HttpObservation) =>
    exchangeSignals(o).length > 0 || (o.markers ?? []).includes('windows-auth-401');
  if (elsewhere && t1.length && !t1.some(t1LooksExchange)) {
    const shown = ['x-owa-version', 'x-calculatedbetarget', 'x-feserver']
      .filter((k) => elsewhere.headers?.[k])
      .join(', ');
    out.push({
      reason: `Exchange Online headers (${shown}) appear on ${elsewhere.path} but autodiscover and EWS answer ${[...new Set(t1.map((o) => o.status))].join('/')} without any Exchange header`,
      sameProduct: false,
    });
  }
  const seen = new Set<string>();
  return out.filter((c) => (seen.has(c.reason) ? false : (seen.add(c.reason), true)));
}

export interface FrontEndGaps {
  /** More than one front end answered behind this name (distinct X-FEServer, or a 401 endpoint with and without X-OWA-Version). */
  several: boolean;
  /** Front ends that answered but disclosed no build at all ("an unnamed front end" when they carry no X-FEServer). */
  noBuild: string[];
  /** Named front ends without an exact build (what more requests on new connections may still read). */
  noExact: string[];
}

/**
 * Which front ends behind one name the evidence does not cover. A front end that answered without a build may run
 * anything, lower than every build seen (a rolling upgrade: it is still before the July 2021 SU), so the lowest
 * build behind the name is then unknown. A build read without X-FEServer is not credited to any front end.
 */
export function frontEndGaps(observations: HttpObservation[]): FrontEndGaps {
  const cands = candidatesOf(observations);
  const answered = observations.filter((o) => o.status !== undefined);
  const named = [...new Set(answered.map((o) => o.frontEnd).filter((n): n is string => !!n))];
  const withBuild = new Set(cands.map((c) => c.frontEnd));
  const withExact = new Set(cands.filter((c) => c.precision === 'exact').map((c) => c.frontEnd));
  // Without names: the same 401 endpoint answered once with a version and once without one.
  const unnamed = [...new Set(answered.filter((o) => o.technique === T1 && o.status === 401).map((o) => o.path))].some(
    (path) => {
      const rs = answered.filter((o) => o.technique === T1 && o.status === 401 && o.path === path && !o.frontEnd);
      return rs.some((o) => o.build && !isOnlineBuild(o.build)) && rs.some((o) => !o.headers?.['x-owa-version']);
    },
  );
  const several = named.length > 1 || unnamed;
  return {
    several,
    noBuild: several ? [...named.filter((n) => !withBuild.has(n)), ...(unnamed ? ['an unnamed front end'] : [])] : [],
    noExact: named.length > 1 ? named.filter((n) => !withExact.has(n)) : [],
  };
}

/**
 * Whether a CU-level read adds nothing to the exact reads: an exact read of the same CU from the same front end
 * explains it. Behind several front ends a read without X-FEServer may come from any of them, so it is explained
 * only when every named front end has an exact read of that CU.
 */
function explained(c: Candidate, exact: Candidate[], gaps: FrontEndGaps, observations: HttpObservation[]): boolean {
  if (c.precision === 'exact') return false;
  if (!gaps.several) return exact.some((e) => cuPrefix(e.build) === c.build);
  if (c.frontEnd) return exact.some((e) => e.frontEnd === c.frontEnd && cuPrefix(e.build) === c.build);
  const named = new Set(observations.map((o) => o.frontEnd).filter(Boolean));
  return [...named].every((n) => exact.some((e) => e.frontEnd === n && cuPrefix(e.build) === c.build));
}

function commonProduct(cands: Candidate[]): Product | undefined {
  const products = new Set(cands.map((c) => productOf(c.build)));
  return products.size === 1 ? [...products][0] : undefined;
}

export function judge(observations: HttpObservation[]): Judgement {
  const markers = new Set(observations.flatMap((o) => o.markers ?? []));
  const proxy = Object.keys(PROXY_MARKERS).find((k) => markers.has(k));
  const behindProxy = proxy ? { behindProxy: true } : {};
  const cands = candidatesOf(observations);

  // Exchange Online answers the 401 endpoints itself, with its own version line or routing headers.
  const online = observations.find(
    (o) =>
      o.technique === T1 && o.status === 401 && ((o.build && isOnlineBuild(o.build)) || onlineHeaders(o.headers ?? {})),
  );
  if (online) {
    const why =
      online.build && isOnlineBuild(online.build)
        ? `X-OWA-Version ${online.build}`
        : onlineHeaders(online.headers ?? {});
    return {
      exchange: {
        precision: 'none',
        online: true,
        source: `Exchange Online: ${why} on ${online.status} ${online.path}`,
        observations: [],
      },
    };
  }

  const problems = contradictions(observations, cands);
  if (problems.length) {
    // Only a CU disagreement leaves the product standing; a spoof-shaped one leaves nothing.
    const product = problems.every((p) => p.sameProduct) ? commonProduct(cands) : undefined;
    return {
      ...behindProxy,
      exchange: {
        ...(product ? { product } : {}),
        precision: product ? 'product' : 'none',
        source: `inconsistent fingerprint: ${problems[0]!.reason}`,
        inconsistent: problems.map((p) => p.reason).join('; '),
        observations: distinct(cands),
      },
    };
  }

  const gaps = frontEndGaps(observations);
  if (cands.length && gaps.noBuild.length) {
    // A front end without any build may be the lowest: judging the others would be a false "patched".
    const seen = [...new Set(cands.map((c) => c.build))];
    return {
      ...behindProxy,
      exchange: {
        precision: 'none',
        source: `${gaps.noBuild.join(', ')} answered without disclosing a build while other front ends behind this name run ${seen.join(', ')}: the lowest build here is unknown`,
        observations: distinct(cands),
      },
    };
  }

  if (cands.length) {
    // Subsume CU reads that an exact read of the same CU explains; what is left are independent front ends.
    const exact = cands.filter((c) => c.precision === 'exact');
    const pool = cands.filter((c) => !explained(c, exact, gaps, observations));
    const lowest = pool.reduce((a, b) => (compareBuilds(a.build, b.build) <= 0 ? a : b));
    const list = distinct(cands);
    const builds = new Set(pool.map((c) => c.build));
    const product = productOf(lowest.build);
    return {
      ...behindProxy,
      exchange: {
        ...(product ? { product } : {}),
        build: lowest.build,
        precision: lowest.precision,
        source:
          builds.size > 1
            ? `${lowest.source}${lowest.frontEnd ? ` from ${lowest.frontEnd}` : ''}: the lowest of ${builds.size} builds seen behind this name (${[...builds].join(', ')})`
            : lowest.source,
        observations: list,
      },
    };
  }

  const signals = [...new Set(observations.flatMap((o) => exchangeSignals(o).map((s) => `${s} (${o.path})`)))];
  if (signals.length) {
    return {
      ...behindProxy,
      exchange: {
        precision: 'none',
        source: `Exchange answered (${signals.slice(0, 3).join(', ')}) but disclosed no version${proxy ? `; ${PROXY_MARKERS[proxy]} in front` : ''}`,
        observations: [],
      },
    };
  }
  if (proxy) {
    return {
      behindProxy: true,
      exchange: {
        precision: 'none',
        source: `${PROXY_MARKERS[proxy]} answers for the Exchange paths; version evidence: none`,
        observations: [],
      },
    };
  }
  const answered = observations.filter((o) => o.status !== undefined);
  const server = answered.map((o) => o.headers?.['server']).find(Boolean);
  const what = answered.length
    ? answered
        .slice(0, 4)
        .map((o) => `${o.path} ${o.status}`)
        .join(', ')
    : 'no HTTP answer';
  return {
    exchange: {
      precision: 'none',
      source: 'no Exchange endpoint answered',
      notExchange: `no Exchange response on autodiscover, EWS or OWA (${what}${server ? `; Server: ${server}` : ''})`,
      observations: [],
    },
  };
}
