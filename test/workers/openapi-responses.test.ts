import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { CheckReport } from "../../shared/schemas/check-report.ts";
import { ApiError } from "../../shared/schemas/protocol.ts";
import { BatchPage, LimitsReport } from "../../workers/coordinator/src/routes/openapi-schemas.ts";
import { insertApiKey } from "./access-fixtures.ts";
import { CANARY_DOMAIN } from "./coordinator-env.ts";
import {
  callMain,
  callWithEnv,
  getCheck,
  postJson,
  recordingQueue,
} from "./coordinator-helpers.ts";
import { deliver, provenCheck, tokenOf } from "./proof-fixtures.ts";

/**
 * The OpenAPI document describes responses the API builds in code, so the two can drift. Each
 * real response is parsed with its documented schema: zod drops what the schema does not name
 * and fails on what it names wrongly, so "parsed equals sent" means every field is documented
 * with the right type.
 */
function expectDocumented(schema: z.ZodType, sent: unknown) {
  const parsed = schema.safeParse(sent);
  expect(parsed.error?.issues ?? []).toEqual([]);
  expect(parsed.data).toEqual(sent);
}

describe("responses match the OpenAPI document", () => {
  it("a check report, with proof, delivery and data fields", async () => {
    const id = await provenCheck();
    const token = await tokenOf(id, "accepted");
    expect(await deliver({ to: `${token}@${CANARY_DOMAIN}` })).toEqual([]);
    expectDocumented(CheckReport, await getCheck(id));
  });

  it("a batch page", async () => {
    const key = await insertApiKey({ dailyQuota: 100 });
    const queued: unknown[] = [];
    const created = await callWithEnv(
      "/api/v1/batches",
      postJson(
        { domains: ["implicit.example", { domain: "open.lab.test", port: 587 }, "not a domain"] },
        key.authorization,
      ),
      { BATCH_QUEUE: recordingQueue(env.BATCH_QUEUE, queued) },
    );
    expect(created.status).toBe(202);
    const { location } = (await created.json()) as { location: string };
    const page = await callMain(location, { headers: key.authorization });
    expect(page.status).toBe(200);
    expectDocumented(BatchPage, await page.json());
  });

  it("the limits of a key holder, with a target's cool-down", async () => {
    const key = await insertApiKey();
    const response = await callMain("/api/v1/limits?target=open.lab.test&port=587", {
      headers: key.authorization,
    });
    expect(response.status).toBe(200);
    expectDocumented(LimitsReport, await response.json());
  });

  it("an error", async () => {
    const response = await callMain("/api/v1/checks", postJson({ host: "10.0.0.1" }));
    expect(response.status).toBe(400);
    expectDocumented(ApiError, await response.json());
  });
});
