import { z } from "zod";

/**
 * Pieces of the Workers' configuration schemas (the coordinator's workers/coordinator/src/env.ts,
 * the probe node's workers/probe/config.ts): variables arrive as text, and each Worker parses all of
 * them once into one typed config, failing with the same kind of message on every bad value.
 */

/** A lower-case domain name, as the EHLO name and canary recipients are built from it. */
export const DomainName = z
  .string()
  .max(253)
  .regex(/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a lower-case domain name");

/** "true" or "false", nothing that merely looks like one. */
export const EnvFlag = z.enum(["true", "false"]).transform((text) => text === "true");

/** A whole number written in decimal digits, within bounds; `what` names its unit in errors. */
export function WholeNumber(what: string, min = 0, max = 999_999_999) {
  const message = `must be a whole number of ${what}, at least ${min}`;
  return z
    .string({ error: message })
    .regex(/^\d{1,9}$/, message)
    .transform(Number)
    .pipe(
      z.number().min(min, message).max(max, `must be a whole number of ${what}, at most ${max}`),
    );
}

/** Text that must be JSON, parsed, then checked by `schema`. */
export function JsonText<T extends z.ZodType>(schema: T) {
  return z
    .string({ error: "must be set, as JSON text" })
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: "custom", message: "is not valid JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/**
 * `true` when every variable a wrangler config declares (its generated `Env`) is one the Worker's
 * schema reads; otherwise the names it would ignore without a word, as a type error where used.
 */
export type EveryVarIsRead<Declared, Read> = [Exclude<Declared, Read>] extends [never]
  ? true
  : Exclude<Declared, Read>;

/** An empty variable is an unset one (a `NAME = ""` in wrangler.toml, an empty line in a .env). */
export function withoutEmptyValues(env: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
}

/**
 * The variables at fault and why, never their values: some are secrets, and the message is
 * answered to callers and logged.
 */
export function describeEnvProblems(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`)
    .join("; ");
}
