import type { Resolver } from "../../../../shared/dns/resolver.ts";
import { reverseName } from "../../../../shared/dns/reverse-name.ts";
import { parseDomainName } from "../badge/domain-name.ts";
import type { CheckPlan } from "../checks/plan.ts";
import type { CoordinatorEnv } from "../env.ts";
import { ApiException } from "../errors.ts";
import { serviceIdentity } from "../service-identity.ts";
import { OPT_OUT_CACHE_SECONDS, publishesOptOut } from "./dns-lookup.ts";
import { domainAndParents, networkContains } from "./entry.ts";
import { OPT_OUT_RECORD, optOutName } from "./record.ts";

/** The target's owner asked not to be checked: every entry path answers this, before any probe. */
export class TargetOptedOut extends ApiException {
  constructor(message: string) {
    super(403, "target_opted_out", message);
  }
}

interface OperatorEntries {
  domains: string[];
  networks: string[];
}

async function operatorEntries(db: D1Database, name: string | null): Promise<OperatorEntries> {
  const names = name === null ? [] : domainAndParents(name);
  const placeholders = names.map((_, index) => `?${index + 1}`).join(", ");
  const { results } = await db
    .prepare(
      `select kind, value from opt_outs
       where kind = 'network'${names.length > 0 ? ` or (kind = 'domain' and value in (${placeholders}))` : ""}`,
    )
    .bind(...names)
    .all<{ kind: string; value: string }>();
  return {
    domains: results.filter((row) => row.kind === "domain").map((row) => row.value),
    networks: results.filter((row) => row.kind === "network").map((row) => row.value),
  };
}

/** Started before the promise is awaited: a rejection is handled when it is awaited. */
function started<T>(work: Promise<T>): Promise<T> {
  work.catch(() => {});
  return work;
}

const RECHECK_DELAY = `Relaywatch honours the change within ${OPT_OUT_CACHE_SECONDS / 60} minutes`;

/**
 * Opt-outs of one check, in two steps so they cost at most one DNS round trip: `begin` starts
 * what needs only the requested name (its TXT record and the operator's list) while the MX
 * hosts are resolved; `apply` adds the reverse-zone lookups of the resolved addresses, all at
 * once, and drops opted-out addresses from the plan (all of them opted out: 403).
 */
export class OptOutCheck {
  private readonly name: string | null;
  private readonly operator: Promise<OperatorEntries>;
  private readonly nameOptedOut: Promise<boolean>;

  private constructor(
    private readonly env: CoordinatorEnv,
    private readonly resolver: Resolver,
    target: string,
  ) {
    this.name = parseDomainName(target);
    this.operator = started(operatorEntries(env.DB, this.name));
    this.nameOptedOut =
      this.name === null
        ? Promise.resolve(false)
        : publishesOptOut(resolver, optOutName(this.name));
  }

  static begin(env: CoordinatorEnv, resolver: Resolver, target: string): OptOutCheck {
    return new OptOutCheck(env, resolver, target);
  }

  async apply(plan: CheckPlan): Promise<CheckPlan> {
    const addresses = [...new Set(plan.mailHosts.flatMap((host) => host.addresses))];
    const [operator, nameOptedOut, reverseOptOuts] = await Promise.all([
      this.operator,
      this.nameOptedOut,
      Promise.all(
        addresses.map((address) =>
          publishesOptOut(this.resolver, optOutName(reverseName(address))),
        ),
      ),
    ]);
    const contact = serviceIdentity(this.env).abuseContact;
    if (this.name !== null && nameOptedOut) {
      throw new TargetOptedOut(
        `${this.name} has opted out of relay checks: its DNS publishes TXT ${optOutName(this.name)} "${OPT_OUT_RECORD}". ` +
          `To be checked again, its owner removes that record; ${RECHECK_DELAY}.`,
      );
    }
    // The query returned only entries for the name or one of its parents.
    const listedParent = operator.domains[0];
    if (listedParent !== undefined) {
      throw new TargetOptedOut(
        `${this.name} is on Relaywatch's opt-out list (${listedParent} and its subdomains), at its owner's request. ` +
          `To be checked again, its owner writes to ${contact}.`,
      );
    }
    const whyOptedOut = new Map<string, string>();
    addresses.forEach((address, index) => {
      if (reverseOptOuts[index]) {
        const record = optOutName(reverseName(address));
        whyOptedOut.set(
          address,
          `${address} has opted out of relay checks: TXT ${record} "${OPT_OUT_RECORD}" in its reverse zone covers every name whose mail goes to it. ` +
            `To be checked again, the address's owner removes that record; ${RECHECK_DELAY}.`,
        );
        return;
      }
      const network = operator.networks.find((cidr) => networkContains(cidr, address));
      if (network !== undefined) {
        whyOptedOut.set(
          address,
          `${address} is on Relaywatch's opt-out list (${network}), at its owner's request. ` +
            `To be checked again, its owner writes to ${contact}.`,
        );
      }
    });
    if (whyOptedOut.size === 0) return plan;
    if (whyOptedOut.size === addresses.length) {
      const reasons = [...new Set(whyOptedOut.values())];
      throw new TargetOptedOut(
        reasons.length === 1 ? (reasons[0] ?? "") : reasons.slice(0, 3).join(" "),
      );
    }
    return withoutAddresses(plan, whyOptedOut);
  }
}

/** The plan without the opted-out addresses, which join the plan's refused addresses. */
function withoutAddresses(plan: CheckPlan, whyOptedOut: ReadonlyMap<string, string>): CheckPlan {
  const refused = [...plan.refused];
  const mailHosts = plan.mailHosts
    .map((host) => {
      for (const address of host.addresses) {
        const why = whyOptedOut.get(address);
        if (why !== undefined) refused.push({ host: host.host, address, reason: why });
      }
      return { ...host, addresses: host.addresses.filter((address) => !whyOptedOut.has(address)) };
    })
    .filter((host) => host.addresses.length > 0);
  return {
    ...plan,
    mailHosts,
    refused,
    vantages: plan.vantages.filter((vantage) => !whyOptedOut.has(vantage.address)),
  };
}
