import { z } from "zod";
import { TargetOrigin } from "../../../../shared/dns/origin-asn.ts";
import { UnavailableVantage } from "../../../../shared/schemas/check-report.ts";

/**
 * The mail exchangers a check resolved, stored with the check so its report shows what was
 * tested even after DNS changes. A host check has one host with a null preference.
 */
export const MxPlanHost = z.object({
  host: z.string(),
  /** Null for a host check or the implicit MX (RFC 5321 5.1). */
  preference: z.number().int().nullable(),
  /** The addresses the guard allowed; only these get vantages. */
  addresses: z.array(z.string()),
});
export type MxPlanHost = z.infer<typeof MxPlanHost>;

/** An address the guard refused to contact (private, reserved), with why, for the report. */
export const RefusedAddress = z.object({
  host: z.string(),
  address: z.string(),
  reason: z.string(),
});
export type RefusedAddress = z.infer<typeof RefusedAddress>;

/** Everything the dispatcher needs to build each vantage's probe job, besides the vantage row. */
export const MxPlan = z.object({
  hosts: z.array(MxPlanHost),
  refused: z.array(RefusedAddress),
  /** The relay cases the request chose; null runs the whole catalogue. */
  caseIds: z.array(z.string()).nullable(),
  /** TLS from the first byte; absent (older checks) or null means "on port 465 only". */
  implicitTls: z.boolean().nullable().optional(),
  /** Each tested address's origin network; null where the lookup failed (unknown, not inside). */
  origins: z.record(z.string(), TargetOrigin.nullable()).optional(),
  /** Registry nodes that could have tested the port but were out (health) when it was planned. */
  unavailable: z.array(UnavailableVantage).optional(),
});
export type MxPlan = z.infer<typeof MxPlan>;
