import { z } from "zod";
import { RELAY_CASE_IDS } from "../probe/cases.ts";
import { SMTP_PORT } from "../smtp/ports.ts";

/** The public API's request and response shapes. */

const Port = z.number().int().min(1).max(65_535);
const CaseIds = z
  .array(z.string())
  .min(1)
  .max(100)
  .refine((ids) => ids.every((id) => RELAY_CASE_IDS.includes(id)), { message: "unknown case id" });

export const DomainCheckRequest = z
  .object({
    domain: z.string().min(1).max(253),
    /** Test every MX on this port instead of 25 (465 and 587 are the other public ports). */
    port: Port.optional(),
    cases: CaseIds.optional(),
    /** Called with a summary of the report when the check finishes. */
    webhook: z.url().max(2048).optional(),
    /** Delivery proof: send a canary message through accepted cases and wait for it to arrive. */
    proof: z.boolean().optional(),
    /**
     * TLS from the first byte (SMTPS, RFC 8314) rather than STARTTLS. Default: true on port 465
     * only; set it for a server that speaks implicit TLS on another port.
     */
    implicitTls: z.boolean().optional(),
  })
  .strict();
export type DomainCheckRequest = z.infer<typeof DomainCheckRequest>;

export const HostCheckRequest = z
  .object({
    host: z.string().min(1).max(253),
    port: Port.default(SMTP_PORT),
    cases: CaseIds.optional(),
    /** Called with a summary of the report when the check finishes. */
    webhook: z.url().max(2048).optional(),
    /** Delivery proof: send a canary message through accepted cases and wait for it to arrive. */
    proof: z.boolean().optional(),
    /**
     * TLS from the first byte (SMTPS, RFC 8314) rather than STARTTLS. Default: true on port 465
     * only; set it for a server that speaks implicit TLS on another port.
     */
    implicitTls: z.boolean().optional(),
  })
  .strict();
export type HostCheckRequest = z.infer<typeof HostCheckRequest>;

export const CreateCheckRequest = z.union([DomainCheckRequest, HostCheckRequest]);
export type CreateCheckRequest = z.infer<typeof CreateCheckRequest>;

/**
 * Parses a create-check body against the form it names, so errors speak about that form
 * ("port: expected number") rather than about a union nobody wrote.
 */
export function parseCreateCheckRequest(body: unknown): CreateCheckRequest {
  const isObject = typeof body === "object" && body !== null && !Array.isArray(body);
  if (isObject && "domain" in body) return DomainCheckRequest.parse(body);
  if (isObject && "host" in body) return HostCheckRequest.parse(body);
  return CreateCheckRequest.parse(body);
}

export const CheckStatus = z.enum(["queued", "running", "done", "failed"]);
export type CheckStatus = z.infer<typeof CheckStatus>;

export const CreateCheckResponse = z.object({
  id: z.string(),
  status: CheckStatus,
  location: z.string(),
});
export type CreateCheckResponse = z.infer<typeof CreateCheckResponse>;
