import { en } from "./en.ts";
import { ja } from "./ja.ts";
import type { Language, Messages } from "./messages.ts";

export type { CaseFamily, Language, Messages } from "./messages.ts";
export { LANGUAGES } from "./messages.ts";

const DICTIONARIES: Record<Language, Messages> = { en, ja };

export function messagesFor(language: Language): Messages {
  return DICTIONARIES[language];
}
