import { z } from "zod";

/** One queue message: run one (address x vantage) job of a check. */
export const ProbeMessage = z.object({ checkId: z.string(), vantageId: z.string() });
export type ProbeMessage = z.infer<typeof ProbeMessage>;
