import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { LANGUAGES, type Language } from "../i18n/index.ts";

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

function asLanguage(value: string | undefined): Language | null {
  return LANGUAGES.find((language) => language === value) ?? null;
}

/** The first language of an Accept-Language header we speak, by the client's weights. */
export function languageFromAcceptLanguage(header: string | undefined): Language | null {
  if (!header) return null;
  const ranked = header
    .split(",")
    .map((entry, index) => {
      const [tag = "", ...parameters] = entry.trim().split(";");
      const weight = parameters
        .map((parameter) => /^\s*q=([0-9.]+)\s*$/.exec(parameter)?.[1])
        .find((value) => value !== undefined);
      return {
        primary: tag.trim().toLowerCase().split("-")[0],
        q: weight === undefined ? 1 : Number(weight),
        index,
      };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const entry of ranked) {
    const language = asLanguage(entry.primary);
    if (language) return language;
  }
  return null;
}

/**
 * `?lang=` wins and is remembered in a cookie (the visible switch), then the cookie, then
 * Accept-Language; English otherwise.
 */
export function chooseLanguage(c: Context): Language {
  const requested = asLanguage(c.req.query("lang"));
  if (requested) {
    setCookie(c, "lang", requested, {
      path: "/",
      maxAge: ONE_YEAR_SECONDS,
      sameSite: "Lax",
      httpOnly: true,
    });
    return requested;
  }
  return (
    asLanguage(getCookie(c, "lang")) ??
    languageFromAcceptLanguage(c.req.header("accept-language")) ??
    "en"
  );
}
