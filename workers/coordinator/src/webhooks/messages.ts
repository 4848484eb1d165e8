import { z } from "zod";

/** A webhook queue message names a stored delivery; the payload is built when it is sent. */
export const WebhookMessage = z.object({ deliveryId: z.string().min(1) });
export type WebhookMessage = z.infer<typeof WebhookMessage>;
