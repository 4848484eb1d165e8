import { z } from "zod";
import { RELAY_CASE_IDS } from "../probe/cases.ts";

/** The public API's request and response shapes. */

const Port = z.number().int().min(1).max(65_535);
const CaseIds = z
  .array(z.string())
  .min(1)
  .max(100)
  .refine((ids) => ids.every((id) => RELAY_CASE_IDS.includes(id)), { message: "unknown case id" });

export const CreateCheckRequest = z.union([
  z
    .object({
      domain: z.string().min(1).max(253),
      /** Test every MX on this port instead of 25 (465 and 587 are the other public ports). */
      port: Port.optional(),
      cases: CaseIds.optional(),
    })
    .strict(),
  z
    .object({
      host: z.string().min(1).max(253),
      port: Port.default(25),
      cases: CaseIds.optional(),
    })
    .strict(),
]);
export type CreateCheckRequest = z.infer<typeof CreateCheckRequest>;

export const CheckStatus = z.enum(["queued", "running", "done", "failed"]);
export type CheckStatus = z.infer<typeof CheckStatus>;

export const CreateCheckResponse = z.object({
  id: z.string(),
  status: CheckStatus,
  location: z.string(),
});
export type CreateCheckResponse = z.infer<typeof CreateCheckResponse>;
