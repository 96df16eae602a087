/**
 * A reader for PowerShell CLIXML (the format of Export-Clixml, PSRP's serialization), on fast-xml-parser.
 * It turns the document into plain values: primitives become JS values, property bags become PsObject,
 * lists become arrays and hashtables become PsDictionary (keys may be objects, so not a JS object).
 *
 * What Export-Clixml does that a reader must undo: `_xHHHH_` escapes in names and strings (control characters,
 * CR/LF), RefId/`<Ref>` for an object written twice, `<TNRef>` for a repeated type-name list, enums as an object
 * with a ToString and the underlying integer, and depth truncation: past `-Depth`, an object is written as its
 * ToString text (a string where an object was expected), which callers must treat as "not available".
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { InputError } from '../../util/errors.js';

export const CLIXML_NAMESPACE = 'http://schemas.microsoft.com/powershell/2004/04';

/** A deserialized property bag (PSCustomObject, a .NET object's properties, an enum with its value). */
export class PsObject {
  constructor(
    readonly typeNames: string[],
    readonly props: Record<string, unknown>,
    readonly toStringValue?: string,
    /** The primitive or container an Obj wraps (an enum's integer, a list's items, a dictionary). */
    readonly value?: unknown,
  ) {}
  toString(): string {
    return this.toStringValue ?? (this.value !== undefined ? String(this.value) : `[${this.typeNames[0] ?? 'object'}]`);
  }
}

/** A deserialized IDictionary (Hashtable, Dictionary<,>): entries in file order; keys may be objects. */
export class PsDictionary {
  constructor(readonly entries: Array<{ key: unknown; value: unknown }>) {}
  /** The value whose key is this string, or whose key object's `Name` property is (HealthChecker's grouping keys). */
  get(name: string): unknown {
    for (const e of this.entries) {
      if (e.key === name) return e.value;
      if (e.key instanceof PsObject && e.key.props['Name'] === name) return e.value;
    }
    return undefined;
  }
}

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** `_x000D__x000A_` → CRLF; `_x005F_` is the escaped underscore. */
export function decodeName(s: string): string {
  return s.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

const tagOf = (n: Node): string => Object.keys(n).find((k) => k !== ':@')!;
const childrenOf = (n: Node): Node[] => (n[tagOf(n)] as Node[]) ?? [];
const textOf = (n: Node): string =>
  childrenOf(n)
    .map((c) => (typeof c['#text'] === 'string' || typeof c['#text'] === 'number' ? String(c['#text']) : ''))
    .join('');
const attr = (n: Node, name: string): string | undefined => n[':@']?.[name];

const INTEGER_TAGS = new Set(['I16', 'I32', 'U16', 'U32', 'By', 'SB']);
const BIG_INTEGER_TAGS = new Set(['I64', 'U64']);
const FLOAT_TAGS = new Set(['Db', 'Sg', 'D']);
const STRING_TAGS = new Set(['S', 'DT', 'TS', 'G', 'URI', 'Version', 'XD', 'SBK']);
const CONTAINER_TAGS = new Set(['LST', 'IE', 'STK', 'QUE']);
const PROPERTY_TAGS = new Set(['MS', 'Props']);

class Reader {
  private readonly objects = new Map<string, unknown>();
  private readonly typeLists = new Map<string, string[]>();

  constructor(private readonly file: string) {}

  value(n: Node): unknown {
    const tag = tagOf(n);
    if (tag === 'Nil') return null;
    if (STRING_TAGS.has(tag)) return decodeName(textOf(n));
    if (tag === 'B') return textOf(n).trim().toLowerCase() === 'true';
    if (INTEGER_TAGS.has(tag)) return this.number(textOf(n), tag);
    if (BIG_INTEGER_TAGS.has(tag)) {
      const t = textOf(n).trim();
      const v = Number(t);
      if (!/^-?\d+$/.test(t)) throw this.bad(`<${tag}> holds "${t}", not an integer`);
      return Number.isSafeInteger(v) ? v : t; // beyond 2^53 keep the digits, never a rounded number
    }
    if (FLOAT_TAGS.has(tag)) return this.number(textOf(n), tag);
    if (tag === 'C') return String.fromCharCode(this.number(textOf(n), tag));
    if (tag === 'BA') return Buffer.from(textOf(n), 'base64');
    if (tag === 'SS') return '[SecureString]'; // encrypted to the exporting user; never readable here
    if (tag === 'Ref') {
      const id = attr(n, 'RefId');
      if (id === undefined || !this.objects.has(id))
        throw this.bad(`<Ref RefId="${id ?? ''}"> points to no earlier object`);
      return this.objects.get(id);
    }
    if (tag === 'Obj') return this.object(n);
    // PR (progress record) and anything newer: keep the text rather than fail the file.
    return decodeName(textOf(n));
  }

  private number(t: string, tag: string): number {
    const v = Number(t.trim());
    if (t.trim() === '' || Number.isNaN(v)) throw this.bad(`<${tag}> holds "${t.trim()}", not a number`);
    return v;
  }

  private object(n: Node): unknown {
    const refId = attr(n, 'RefId');
    let typeNames: string[] = [];
    let toStringValue: string | undefined;
    let inner: unknown;
    let hasInner = false;
    const props: Record<string, unknown> = {};
    // Register before reading members so a member may refer back to this object.
    const placeholder = new PsObject(typeNames, props);
    if (refId !== undefined) this.objects.set(refId, placeholder);

    for (const c of childrenOf(n)) {
      if (c['#text'] !== undefined) continue; // whitespace between elements
      const tag = tagOf(c);
      if (tag === 'TN') {
        typeNames = childrenOf(c)
          .filter((t) => tagOf(t) === 'T')
          .map((t) => decodeName(textOf(t)));
        const id = attr(c, 'RefId');
        if (id !== undefined) this.typeLists.set(id, typeNames);
      } else if (tag === 'TNRef') {
        const id = attr(c, 'RefId') ?? '';
        const list = this.typeLists.get(id);
        if (!list) throw this.bad(`<TNRef RefId="${id}"> points to no earlier type list`);
        typeNames = list;
      } else if (tag === 'ToString') {
        toStringValue = decodeName(textOf(c));
      } else if (PROPERTY_TAGS.has(tag)) {
        for (const m of childrenOf(c)) {
          if (m['#text'] !== undefined) continue;
          const name = attr(m, 'N');
          if (name === undefined) throw this.bad(`a member of <${tag}> has no N (name) attribute`);
          props[decodeName(name)] = this.value(m);
        }
      } else if (CONTAINER_TAGS.has(tag)) {
        inner = childrenOf(c)
          .filter((i) => i['#text'] === undefined)
          .map((i) => this.value(i));
        hasInner = true;
      } else if (tag === 'DCT') {
        inner = new PsDictionary(
          childrenOf(c)
            .filter((e) => tagOf(e) === 'En')
            .map((e) => {
              const kv: { key: unknown; value: unknown } = { key: undefined, value: undefined };
              for (const part of childrenOf(e)) {
                if (part['#text'] !== undefined) continue;
                const which = attr(part, 'N');
                if (which === 'Key') kv.key = this.value(part);
                else if (which === 'Value') kv.value = this.value(part);
              }
              return kv;
            }),
        );
        hasInner = true;
      } else {
        inner = this.value(c); // an enum's integer, a primitive with notes
        hasInner = true;
      }
    }
    // Lists and dictionaries without notes read as themselves; everything else as a PsObject.
    const result =
      hasInner && (Array.isArray(inner) || inner instanceof PsDictionary) && !Object.keys(props).length
        ? inner
        : new PsObject(typeNames, props, toStringValue, hasInner ? inner : undefined);
    if (refId !== undefined) this.objects.set(refId, result);
    return result;
  }

  private bad(what: string): InputError {
    return new InputError(
      `${this.file}: malformed CLIXML: ${what}`,
      'export the file again with Export-Clixml (HealthChecker writes one per server)',
    );
  }
}

/** Parses a CLIXML document: the list of top-level objects (Export-Clixml of one object gives one). */
export function parseClixml(text: string, file: string): unknown[] {
  const body = text.replace(/^\uFEFF/, '');
  if (!body.trimStart().startsWith('<')) {
    throw new InputError(
      `${file}: not XML (the file does not start with "<")`,
      'pass the .xml file HealthChecker wrote (HealthChecker-<server>-<date>.xml)',
    );
  }
  const valid = XMLValidator.validate(body);
  if (valid !== true) {
    // The validator reports elements still open at the end of the text as a JSON list of their names.
    const open = /^Invalid '(\[[\s\S]*\])' found/.exec(valid.err.msg);
    if (open) {
      const names = (JSON.parse(open[1]!) as string[]).map((n) => `<${n}>`);
      throw new InputError(
        `${file}: the XML ends with ${names.length} element${names.length === 1 ? '' : 's'} still open (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}): the file is truncated`,
        'copy or export it again',
      );
    }
    throw new InputError(
      `${file}: malformed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
      'the file is damaged; export it again',
    );
  }
  const doc = parser.parse(body) as Node[];
  const root = doc.find((n) => n['#text'] === undefined && !tagOf(n).startsWith('!'));
  const rootTag = root ? tagOf(root) : undefined;
  if (!root || rootTag !== 'Objs') {
    throw new InputError(
      `${file}: not a PowerShell CLIXML file (root element <${rootTag ?? 'none'}>, expected <Objs>)`,
      "pass a file written by Export-Clixml, such as HealthChecker's HealthChecker-<server>-<date>.xml",
    );
  }
  const ns = attr(root, 'xmlns');
  if (ns !== undefined && ns !== CLIXML_NAMESPACE) {
    throw new InputError(
      `${file}: <Objs> in namespace "${ns}", not PowerShell's CLIXML namespace`,
      'pass a file written by Export-Clixml',
    );
  }
  const reader = new Reader(file);
  return childrenOf(root)
    .filter((n) => n['#text'] === undefined)
    .map((n) => reader.value(n));
}

/**
 * Follows a path of property names (and dictionary keys) through deserialized values. Returns undefined when a
 * step is missing, and also when a step meets a string where an object was expected: that is Export-Clixml's
 * depth truncation, and the text it left is not data.
 */
export function pathOf(value: unknown, path: string[]): unknown {
  let cur = value;
  for (const key of path) {
    if (cur instanceof PsObject)
      cur = key in cur.props ? cur.props[key] : cur.value instanceof PsDictionary ? cur.value.get(key) : undefined;
    else if (cur instanceof PsDictionary) cur = cur.get(key);
    else return undefined;
  }
  return cur;
}

/** The items of a deserialized list (a bare array, or a PsObject wrapping one); a single value as one item. */
export function itemsOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value instanceof PsObject && Array.isArray(value.value)) return value.value;
  return value === undefined || value === null ? [] : [value];
}
