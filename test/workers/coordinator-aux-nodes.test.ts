/**
 * The coordinator with real probe Workers as auxiliary workers (service bindings): the whole
 * path from POST to stored verdict runs real code, and the probe connects to a real lab server.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { AUX_SERVICE_DOMAIN, auxNodeVars } from "./coordinator-env.ts";
import { createCheck, getCheck, reportVantages, runQueue } from "./coordinator-helpers.ts";

const overrides = {
  ...auxNodeVars(),
  PROBE_EU_WEST: env.PROBE_EU_WEST,
  PROBE_AP_NORTHEAST: env.PROBE_AP_NORTHEAST,
};

describe("probe Workers behind service bindings", () => {
  it.each([
    ["openRelayPort", "open"],
    ["securePort", "closed"],
  ] as const)(
    "runs the real suite from both regions against the %s lab server",
    async (portName, verdict) => {
      const created = await createCheck(
        { host: "127.0.0.1", port: inject(portName) },
        {},
        overrides,
      );
      expect(created.response.status).toBe(202);
      expect(created.messages).toHaveLength(2);
      await runQueue(created.messages, overrides);
      const report = await getCheck(created.body.id);
      expect(report.status).toBe("done");
      expect(report.verdict).toBe(verdict);
      const vantages = reportVantages(report);
      expect(vantages.map((v) => v.region).sort()).toEqual(["ap-northeast", "eu-west"]);
      for (const vantage of vantages) {
        expect(vantage.verdict).toBe(verdict);
        expect(vantage.cases).toHaveLength(29);
        // The EHLO name names the service (the node's NODE_SERVICE_DOMAIN) and the vantage's
        // region, as lab servers with trusted networks rely on.
        expect(
          vantage.transcript?.some(
            (line) => line.line === `EHLO probe-${vantage.region}.${AUX_SERVICE_DOMAIN}`,
          ),
        ).toBe(true);
      }
    },
  );
});
