/**
 * File listings as responders save them, turned back into full paths for the path rules: PowerShell's default
 * Get-ChildItem table (the folder in each "Directory:" header, the name in the header's Name column), cmd's
 * `dir /s` ("Directory of" headers, then date, time, size or <DIR>, name), and plain lists of paths (also
 * Format-List's "FullName : …"). Each parser sees one line at a time and keeps only the current folder.
 */
export type Layout = 'gci' | 'dir' | 'paths';

/** Forward slashes, so one rule reads Windows and POSIX paths alike. */
export const slashed = (p: string) => p.replace(/\\/g, '/');

// Linear by construction: every quantified part is followed by a character it cannot take (no lazy groups before
// a trailing \s*), so a crafted line is read once.
const GCI_DIR = /^\s+Directory: (.+)$/;
const DIR_DIR = /^ Directory of (.+)$/;
const DIR_ROW = /^\d\S*\s+\d\S*(?: [AP]M)?\s+(<[A-Z]+>|[\d,.\u00a0\u202f]*\d)\s+(.+)$/;
const FULLNAME = /^\s*(?:FullName|PSPath)\s*:\s*(.+)$/;
const PS_PROVIDER = /^Microsoft\.PowerShell\.Core\\FileSystem::/;

export class ListingParser {
  private folder = '';
  private nameCol = -1;

  constructor(private readonly layout: Layout) {}

  /** The path a line names, or undefined (headers, folders, blank lines, totals). */
  line(line: string): string | undefined {
    if (this.layout === 'gci') return this.gci(line);
    if (this.layout === 'dir') return this.dir(line);
    const full = FULLNAME.exec(line);
    const p = (full ? full[1]!.replace(PS_PROVIDER, '') : line).trim();
    return p && /[\\/]/.test(p) ? slashed(p) : undefined;
  }

  private join(name: string): string {
    return slashed(this.folder ? `${this.folder.replace(/[\\/]+$/, '')}/${name}` : name);
  }

  private gci(line: string): string | undefined {
    const d = GCI_DIR.exec(line);
    if (d) {
      this.folder = d[1]!.trim().replace(PS_PROVIDER, '');
      this.nameCol = -1;
      return undefined;
    }
    if (/^Mode\s+/.test(line)) {
      this.nameCol = line.lastIndexOf('Name');
      return undefined;
    }
    if (this.nameCol < 0 || line.length <= this.nameCol || /^-+\s/.test(line)) return undefined;
    if (!/^[-dlarhs]{4,6}\s/.test(line) || line[0] === 'd') return undefined; // folders are not files
    const name = line.slice(this.nameCol).trim();
    return name ? this.join(name) : undefined;
  }

  private dir(line: string): string | undefined {
    const d = DIR_DIR.exec(line);
    if (d) {
      this.folder = d[1]!.trim();
      return undefined;
    }
    const r = DIR_ROW.exec(line);
    if (!r || r[1]!.startsWith('<')) return undefined;
    return this.join(r[2]!.trim());
  }
}
