/**
 * Anything a server says (banners, replies, EHLO keywords, certificate names) ends up in
 * terminals, web pages, JSON and spreadsheets. One escape, used everywhere it is shown: C0 and
 * C1 controls (tab aside) and DEL would let a hostile server rewrite a terminal (`ESC ]52` writes
 * the clipboard), forge log lines with CR/LF or cut strings with NUL; bidirectional overrides
 * (RLO and friends) and line separators would make text read differently from what it is.
 * Escaped as `\xNN` or `\uNNNN`, so the escape is printable ASCII and applying it twice changes
 * nothing.
 */
function isUnsafe(code: number): boolean {
  return (
    (code < 0x20 && code !== 0x09) ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff
  );
}

export function escapeControlCharacters(text: string): string {
  let escaped = "";
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (!isUnsafe(code)) escaped += char;
    else if (code < 0x100) escaped += `\\x${code.toString(16).padStart(2, "0")}`;
    else escaped += `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return escaped;
}
