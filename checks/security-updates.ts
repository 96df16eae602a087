/** Is the newest update for the server's CU installed? One finding per missing update, with KB and date. */
import { defineCheck } from '../src/contract/check.js';
import { currentUpdate, updateState } from '../src/catalog/lookup.js';
import { installText } from '../src/util/text.js';
import { buildEvidence, severityFromCvss, withBuild } from './_shared.js';

export default defineCheck({
  meta: {
    id: 'security-updates',
    title: 'Latest security update installed',
    severity: 'high',
    requires: ['exchange'],
    directives: ['ed-21-02', 'ed-25-02', 'bod-22-01'],
    references: ['https://learn.microsoft.com/en-us/exchange/new-features/build-numbers-and-release-dates'],
  },
  evaluate(facts, catalog, ctx) {
    return withBuild(facts, catalog, ctx.asOf, null, (info) => {
      // Updates are cumulative within a CU: every missing one is closed by the same install.
      const current = currentUpdate(catalog, info);
      const install = current
        ? `${installText(current)}${current.newCu && info.cu ? ` (${info.productName} ${info.cu} gets no more updates)` : ''}`
        : undefined;
      const results = info.missingUpdates.map((m) => {
        const cvss = Math.max(-1, ...m.cves.map((id) => catalog.cve(id)?.cvss ?? -1));
        const where = m.build
          ? `${m.build}${m.kb ? ` (${m.kb})` : ''}`
          : `no build for ${info.cu}: move to a newer CU first`;
        return {
          status: 'fail' as const,
          code: 'update-missing',
          key: m.id,
          title: `${m.id} missing`,
          severity: m.cves.length
            ? severityFromCvss(
                cvss < 0 ? null : cvss,
                m.cves.some((id) => catalog.cve(id)?.exploited),
              )
            : ('low' as const),
          cves: m.cves,
          message: `${m.id} (${m.releaseDate}) is not installed: ${where}.${m.cves.length ? ` It fixes ${m.cves.length} CVE${m.cves.length === 1 ? '' : 's'}.` : ' Hotfix update without CVEs.'}${m.esuOnly ? ' Distributed only to Extended Security Update customers.' : ''}${catalog.update(m.id)?.verified === false ? ' (This catalog entry is not verified: see rules/updates.json.)' : ''}`,
          evidence: [
            buildEvidence(facts, info),
            {
              fact: 'catalog.updates',
              observed: m.id,
              expected: m.build ?? 'a newer CU',
              source: `rules/updates.json ${m.kb ?? ''}`.trim(),
            },
          ],
          remediation: install
            ? `${install}, which includes ${m.id}.`
            : m.build
              ? `Install ${m.id}${m.kb ? ` (${m.kb})` : ''} for ${info.productName} ${info.cu}.`
              : `Upgrade to a supported CU, then install its latest update.`,
        };
      });
      if (info.precision !== 'exact') {
        const unknown = catalog.updates.filter((u) => updateState(catalog, info, u.id) === 'unknown').map((u) => u.id);
        if (unknown.length) {
          results.push({
            status: 'indeterminate' as never,
            code: 'updates-su-unknown',
            key: '',
            title: 'Security update level unknown',
            severity: 'high',
            cves: [],
            message: `The build is known only to the ${info.precision === 'cu' ? 'CU' : 'product'}; ${unknown.length} update${unknown.length === 1 ? '' : 's'} (${unknown.slice(-3).join(', ')}${unknown.length > 3 ? ', …' : ''}) may or may not be installed.`,
            evidence: [buildEvidence(facts, info)],
            remediation: `Collect the ExSetup.exe file version (exaudit audit) to confirm the update level${install ? `, or ${install[0]!.toLowerCase()}${install.slice(1)}` : ''}.`,
          });
        }
      }
      if (!results.length) {
        return [
          {
            status: 'pass',
            code: 'updates-current',
            message: `${info.name} has every update the catalog (${catalog.meta.version}) lists for ${info.cu}.`,
            evidence: [buildEvidence(facts, info)],
          },
        ];
      }
      return results;
    });
  },
});
