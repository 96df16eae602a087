/**
 * A web page's contents as the content rules read them with `squeeze`: lower-cased, block comments (/* *\/ and
 * <%-- --%>) and all white space removed, \xHH and \uHHHH escapes decoded, and string literals joined across + and &
 * ("ev"+"al" → "eval"). So `eval` split over lines, `Request . Item [ "x" ]` and concatenated names read as one
 * token. Every step is one linear pass.
 */
function dropBlocks(s: string, open: string, close: string): string {
  let out = '';
  let pos = 0;
  for (let a = s.indexOf(open, pos); a >= 0; a = s.indexOf(open, pos)) {
    const b = s.indexOf(close, a + open.length);
    out += s.slice(pos, a);
    if (b < 0) return out; // an unclosed comment runs to the end
    pos = b + close.length;
  }
  return out + s.slice(pos);
}

export function squeeze(text: string): string {
  let s = dropBlocks(dropBlocks(text, '<%--', '--%>'), '/*', '*/');
  s = s.replace(/\s+/g, '').toLowerCase();
  s = s.replace(/\\x([0-9a-f]{2})|\\u([0-9a-f]{4})/g, (_, x?: string, u?: string) =>
    String.fromCharCode(parseInt((x ?? u)!, 16)),
  );
  return s.replace(/"[+&]"|'[+&]'/g, '');
}
