/** Longest piece of user input quoted back in a message. */
const MAX_SHOWN_CHARACTERS = 60;

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  "\r": "\\r",
  "\n": "\\n",
  "\t": "\\t",
  "\\": "\\\\",
};

/**
 * User input made safe to quote in an error message: characters outside printable ASCII are
 * shown as escapes (so CR/LF cannot forge log lines or SMTP commands, and bidi or zero-width
 * characters cannot disguise what was typed), and long input is shortened.
 */
export function shown(input: string): string {
  const characters = Array.from(input);
  const shortened = characters.length > MAX_SHOWN_CHARACTERS;
  const kept = shortened ? characters.slice(0, MAX_SHOWN_CHARACTERS) : characters;
  const escaped = kept.map(escapeCharacter).join("");
  return shortened ? `${escaped}...` : escaped;
}

/** The character's code point in the usual U+XXXX notation. */
export function codePointName(character: string): string {
  const codePoint = character.codePointAt(0) ?? 0;
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
}

function escapeCharacter(character: string): string {
  const named = NAMED_ESCAPES[character];
  if (named !== undefined) return named;
  const codePoint = character.codePointAt(0) ?? 0;
  if (codePoint >= 0x20 && codePoint < 0x7f) return character;
  return `\\u{${codePoint.toString(16)}}`;
}
