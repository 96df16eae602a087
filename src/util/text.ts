/** Any value as text for people: strings as they are, nothing for null or undefined, JSON for the rest. */
export function valueText(value: unknown, missing = ''): string {
  if (typeof value === 'string') return value;
  return value === undefined || value === null ? missing : JSON.stringify(value);
}

/** "Install Exchange 2019 CU15 Sep26SUv2 (15.2.1748.53, KB5129956; ESU customers only)": the one update to install. */
export function installText(u: {
  name: string;
  build: string;
  kb?: string | undefined;
  esuOnly?: boolean | undefined;
}): string {
  return `Install ${u.name} (${u.build}${u.kb ? `, ${u.kb}` : ''}${u.esuOnly ? '; ESU customers only' : ''})`;
}

// Terminal control sequences, each matched in one linear pass: CSI (ESC [ or the C1 byte 0x9B: parameters, then one
// final byte), OSC, DCS, SOS, PM and APC strings (ESC ] P X ^ _ or their C1 bytes, up to BEL or ST) and two-byte
// escapes. What is left of C0 (but tab and line feed) and C1 is removed after them.
// eslint-disable-next-line no-control-regex
const CSI = /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?/g;
const STRING_SEQ =
  // eslint-disable-next-line no-control-regex
  /(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?/g;
// eslint-disable-next-line no-control-regex
const ESC_PAIR = /\u001b[\u0020-\u007e]?/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text that came from a server, a file or a user, made safe to print: terminal control sequences (CSI, OSC and the
 * other string sequences, two-byte escapes) and every other C0 and C1 control but tab and line feed removed, so it
 * cannot move the cursor, rewrite a line, set the window title or hide text.
 */
export function stripTerminal(text: string): string {
  return text.replace(STRING_SEQ, '').replace(CSI, '').replace(ESC_PAIR, '').replace(CONTROLS, '');
}

/** stripTerminal, on one line: tabs and line feeds become spaces (a value cannot start a forged line). */
export function oneLine(text: string): string {
  return stripTerminal(text).replace(/[\t\n]/g, ' ');
}
