/**
 * Exchange build strings: parsing and numeric comparison.
 * Accepts "15.2.1544.14", zero-padded "15.02.1544.014" (as ExSetup FileVersion and OWA show it), three-part
 * "15.2.1544" (CU known, SU unknown), and the AdminDisplayVersion every Exchange cmdlet shows,
 * "Version 15.2 (Build 986.5)". AdminDisplayVersion names the CU only: security updates do not change it, and
 * its ".5" is the CU's own revision, not an SU's, so it parses to the three-part CU build (CU precision).
 */
export interface ParsedBuild {
  parts: number[]; // 3 or 4 numbers
  /** Canonical dotted form without zero padding. */
  text: string;
  /** How the input was written; `admin-display-version` is always CU precision (three parts). */
  form: 'dotted' | 'admin-display-version';
}

const BUILD_RE = /^\s*v?(\d{1,2})\.(\d{1,2})\.(\d{1,5})(?:\.(\d{1,5}))?\s*$/;
// Each group is bounded and separated by literal text, so matching is linear in the input.
const ADMIN_DISPLAY_RE = /^\s*Version\s{1,4}(\d{1,2})\.(\d{1,2})\s{1,4}\(Build\s{1,4}(\d{1,5})\.(\d{1,5})\)\s*$/i;

export function parseBuild(input: string): ParsedBuild | undefined {
  const m = BUILD_RE.exec(input);
  if (m) {
    const parts = m
      .slice(1)
      .filter((p): p is string => p !== undefined)
      .map((p) => Number.parseInt(p, 10));
    return { parts, text: parts.join('.'), form: 'dotted' };
  }
  const a = parseAdminDisplayVersion(input);
  return a ? { parts: a.cu, text: a.cu.join('.'), form: 'admin-display-version' } : undefined;
}

/**
 * "Version 15.2 (Build 986.5)" → the CU build 15.2.986 and the CU base revision 15.2.986.5 as shown.
 * undefined for anything else.
 */
export function parseAdminDisplayVersion(input: string): { cu: number[]; shown: string } | undefined {
  const m = ADMIN_DISPLAY_RE.exec(input);
  if (!m) return undefined;
  const [maj, min, build, rev] = m.slice(1, 5).map((p) => Number.parseInt(p!, 10)) as [number, number, number, number];
  return { cu: [maj, min, build], shown: `${maj}.${min}.${build}.${rev}` };
}

/** Compares dotted builds numerically; a missing fourth part counts as 0. */
export function compareBuilds(a: string, b: string): number {
  // Digit by digit, without splitting: every check compares builds against the catalog many times per server.
  let i = 0;
  let j = 0;
  for (let part = 0; part < 4; part++) {
    let x = 0;
    let y = 0;
    for (let c = a.charCodeAt(i); i < a.length && c !== 46; c = a.charCodeAt(++i)) {
      if (c < 48 || c > 57) return compareSlow(a, b);
      x = x * 10 + (c - 48);
    }
    for (let c = b.charCodeAt(j); j < b.length && c !== 46; c = b.charCodeAt(++j)) {
      if (c < 48 || c > 57) return compareSlow(a, b);
      y = y * 10 + (c - 48);
    }
    i++;
    j++;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The general rule, for text that is not plain digits and dots. */
function compareSlow(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let k = 0; k < 4; k++) {
    const d = (pa[k] ?? 0) - (pb[k] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export const buildGte = (a: string, b: string): boolean => compareBuilds(a, b) >= 0;
export const buildLt = (a: string, b: string): boolean => compareBuilds(a, b) < 0;

/** "15.2.1544.14" -> "15.2.1544" */
export function cuPrefix(build: string): string {
  return build.split('.').slice(0, 3).join('.');
}

/** Exchange family of a build: 15.0 → 2013, 15.1 → 2016, 15.2 with build ≥ 2562 → SE, other 15.2 → 2019 (HealthChecker's rule). */
export function productOfBuild(build: string): '2013' | '2016' | '2019' | 'SE' | undefined {
  const [maj, min, b] = build.split('.').map(Number);
  if (maj !== 15) return undefined;
  if (min === 0) return '2013';
  if (min === 1) return '2016';
  if (min === 2) return (b ?? 0) >= 2562 ? 'SE' : '2019';
  return undefined;
}
