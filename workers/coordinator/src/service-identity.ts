import { z } from "zod";
import { DEFAULT_SERVICE_DOMAIN } from "../../../shared/probe/defaults.ts";
import { ConfigError, type CoordinatorEnv } from "./env.ts";

/**
 * Who runs this Relaywatch: the domain its probes name themselves under
 * (`probe-<region>.<service domain>` in EHLO, see shared/probe/ehlo-name.ts) and where people
 * write to make it stop. Shown on /about/probes and in every opt-out answer.
 */
export interface ServiceIdentity {
  serviceDomain: string;
  abuseContact: string;
}

const Contact = z.email();

export function serviceIdentity(env: CoordinatorEnv): ServiceIdentity {
  const serviceDomain = (env.SERVICE_DOMAIN ?? DEFAULT_SERVICE_DOMAIN).toLowerCase();
  const abuseContact = env.ABUSE_CONTACT ?? `abuse@${serviceDomain}`;
  if (!Contact.safeParse(abuseContact).success) {
    throw new ConfigError("ABUSE_CONTACT must be an email address");
  }
  return { serviceDomain, abuseContact };
}
