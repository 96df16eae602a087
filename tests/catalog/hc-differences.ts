/**
 * Every way exaudit's build-decided CVE list may exceed HealthChecker's, with the reason and its source: shared by
 * the build parity test (healthchecker-parity.test.ts) and the data-set test (healthchecker-contexts.test.ts).
 */
import { compareBuilds } from '../../src/util/version.js';
import { hcProduct } from './hc-oracle.js';

export interface Difference {
  why: string;
  source: string;
  matches(cve: string, build: string): boolean;
}

const MAR21 = [
  'CVE-2021-26412',
  'CVE-2021-26854',
  'CVE-2021-26855',
  'CVE-2021-26857',
  'CVE-2021-26858',
  'CVE-2021-27065',
  'CVE-2021-27078',
];
const AUG22_EP = ['CVE-2022-21979', 'CVE-2022-21980', 'CVE-2022-24477', 'CVE-2022-24516', 'CVE-2022-30134'];
const AUG23V2 = ['CVE-2023-36744', 'CVE-2023-36745', 'CVE-2023-36756', 'CVE-2023-36757', 'CVE-2023-36777'];

/** Every way exaudit's list may exceed HealthChecker's, with the reason and its source. */
export const DIFFERENCES: Difference[] = [
  {
    why: "ProxyShell CVE-2021-34473/-34523: HealthChecker has no dictionary key for them; Microsoft's CVE records give the April 2021 SU builds as the fix threshold.",
    source: 'cvelistV5 CVE-2021-34473.json, CVE-2021-34523.json',
    matches: (c) => c === 'CVE-2021-34473' || c === 'CVE-2021-34523',
  },
  {
    why: "ProxyToken CVE-2021-33766 (KEV): absent from HealthChecker's dictionary; its record gives the April 2021 SU builds, the July 2021 release notes list it, and the later (July) is kept.",
    source: 'cvelistV5 CVE-2021-33766.json; CISA KEV; July 2021 SU release',
    matches: (c) => c === 'CVE-2021-33766',
  },
  {
    why: 'CVE-2022-21978: fixed by the May 2022 SU plus /PrepareDomain; HealthChecker checks only the AD side, exaudit also reports builds without the SU.',
    source: 'May 2022 SU release (KB5014260/KB5014261); security-updates.json May22SU',
    matches: (c) => c === 'CVE-2022-21978',
  },
  {
    why: 'CVE-2021-1730: builds below Exchange 2016 CU18 / 2019 CU7 cannot enable Download Domains, so the CVE stays open by build; HealthChecker skips the check there.',
    source: 'css-exchange.md §a5 (CVE-2021-1730 applies from 2016 CU18 / 2019 CU7)',
    matches: (c, b) =>
      c === 'CVE-2021-1730' &&
      ((hcProduct(b) === '2016' && compareBuilds(b, '15.1.2106.2') < 0) ||
        (hcProduct(b) === '2019' && compareBuilds(b, '15.2.721.2') < 0)),
  },
  {
    why: 'CVEs fixed by the June, July, August and September 2026 SUs (and Sep26SUv2), published after the HealthChecker snapshot read (2026-04-02).',
    source:
      "cvelistV5 records of the June-September 2026 CVEs (rules/sources/cvelist.json); Microsoft's ExchangeBuildNumbers.csv a2c819b and the Sep26SU/Sep26SUv2 announcements for the builds",
    matches: (c) =>
      /^CVE-2026-(42897|4550[0-4]|45583|47631|5500[5-9]|6291[0-5]|65813|6935[56]|69361|6937[58]|6938[02]|69641|96940)$/.test(
        c,
      ),
  },
  {
    why: "HealthChecker lists 2016 CU8/CU9 Mar21SU as 15.1.1415.8 / 15.1.1466.13; Microsoft's build table and learn.microsoft.com list 15.1.1415.10 / 15.1.1466.16. The higher build is the fix, so the lower ones are judged as unknown builds without the SU.",
    source: 'Microsoft ExchangeBuildNumbers.csv; learn.microsoft.com build numbers',
    matches: (c, b) => MAR21.includes(c) && (b === '15.1.1415.8' || b === '15.1.1466.13'),
  },
  {
    why: 'HealthChecker lists 2016 CU9 Aug18SU as 15.1.1466.9; learn.microsoft.com lists 15.1.1466.10 (KB4340731). The higher build is the fix.',
    source: 'learn.microsoft.com build numbers',
    matches: (c, b) => b === '15.1.1466.9' && (c === 'CVE-2018-8302' || c === 'CVE-2018-8374'),
  },
  {
    why: "CVE-2018-8581 (PrivExchange, in CISA KEV) is not in HealthChecker's current dictionary; HealthChecker of 2019 judged it fixed by the February 2019 CUs (2013 CU22, 2016 CU12, 2019 15.2.330.6 → Apr19SU on 2019).",
    source: 'dpaulson45/HealthChecker b8386a8; CISA KEV; cvelistV5 CVE-2018-8581.json',
    matches: (c) => c === 'CVE-2018-8581',
  },
  {
    why: "Microsoft's records of the August 2022 Extended Protection CVEs give the October 2022 SU builds as the fix threshold; HealthChecker keys them to the August 2022 SU.",
    source:
      'cvelistV5 CVE-2022-21979/-21980/-24477/-24516/-30134 (2019 CU12 < 15.2.1118.15, 2016 CU23 < 15.1.2507.13, 2013 CU23 < 15.0.1497.42)',
    matches: (c, b) =>
      AUG22_EP.includes(c) &&
      ['15.0.1497.40', '15.1.2375.31', '15.1.2507.12', '15.2.986.29', '15.2.1118.12'].includes(b),
  },
  {
    why: "CVE-2023-21709: Microsoft's record gives the August 2023 SU builds as the fix; HealthChecker judges it only by the IIS TokenCacheModule, so builds below the August 2023 SU are open by build here.",
    source: 'cvelistV5 CVE-2023-21709.json (2016 CU23 < 15.1.2507.31, 2019 CU12 < 15.2.1118.36, CU13 < 15.2.1258.23)',
    matches: (c) => c === 'CVE-2023-21709',
  },
  {
    why: "Microsoft's CVE records give the August 2023 SU re-release (Aug23SUv2) as the fix for CVE-2023-36744/-36745/-36756/-36757/-36777; HealthChecker keys them to the first August 2023 SU.",
    source: 'cvelistV5 CVE-2023-36744.json (2019 CU12 < 15.2.1118.37, CU13 < 15.2.1258.25, 2016 CU23 < 15.1.2507.32)',
    matches: (c, b) => AUG23V2.includes(c) && ['15.1.2507.31', '15.2.1118.36', '15.2.1258.23'].includes(b),
  },
];
