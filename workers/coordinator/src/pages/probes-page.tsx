/** @jsxImportSource hono/jsx */

import type { ProbeDirectory } from "../../../../shared/schemas/api.ts";
import { type Language, messagesFor } from "../i18n/index.ts";
import { Layout } from "./layout.tsx";

export interface ProbesPageProps {
  language: Language;
  directory: ProbeDirectory;
}

/**
 * /about/probes: who connects to mail servers for Relaywatch, what a check does and never does,
 * each probe's limits, and how to opt out. Written for the administrator who found one of our
 * EHLO names in a log.
 */
export function ProbesPage({ language, directory }: ProbesPageProps) {
  const t = messagesFor(language);
  const p = t.probes;
  const { service, budget, caps } = directory;
  return (
    <Layout language={language} title={p.title} path="/about/probes">
      <h1>{p.title}</h1>
      <p>{p.intro}</p>
      <section aria-labelledby="who-heading">
        <h2 id="who-heading">{p.whoHeading}</h2>
        {directory.probes.length === 0 ? (
          <p>{p.noProbes}</p>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">{p.whoHeading}</caption>
              <thead>
                <tr>
                  <th scope="col">{p.columns.node}</th>
                  <th scope="col">{p.columns.region}</th>
                  <th scope="col">{p.columns.site}</th>
                  <th scope="col">{p.columns.network}</th>
                  <th scope="col">{p.columns.ehloName}</th>
                  <th scope="col">{p.columns.egress}</th>
                  <th scope="col">{p.columns.ports}</th>
                  <th scope="col">{p.columns.atOnce}</th>
                  <th scope="col">{p.columns.status}</th>
                </tr>
              </thead>
              <tbody>
                {directory.probes.map((probe) => {
                  const zones = [
                    ...new Set(probe.egress.flatMap((e) => e.listedOn.map((l) => l.zone))),
                  ];
                  return (
                    <tr id={`probe-${probe.id}`}>
                      <th scope="row">
                        <code>{probe.id}</code>
                      </th>
                      <td>{probe.region}</td>
                      <td>
                        {probe.location?.kind === "colo"
                          ? p.colo(probe.location.name)
                          : (probe.location?.name ?? probe.site)}
                      </td>
                      <td>
                        {probe.network}
                        {probe.asn === null ? "" : ` (AS${probe.asn})`}
                      </td>
                      <td>
                        <code>{probe.ehloName}</code>
                      </td>
                      <td>
                        <ul>
                          {probe.egress.map((egress) => (
                            <li>
                              <code>{egress.address}</code>{" "}
                              {egress.reverseName ? (
                                <code>{egress.reverseName}</code>
                              ) : (
                                <span>
                                  ({p.columns.reverseName}: {p.notLookedUp})
                                </span>
                              )}
                            </li>
                          ))}
                        </ul>
                      </td>
                      <td>{probe.ports.join(", ")}</td>
                      <td>{probe.maxConcurrentChecks}</td>
                      <td>
                        {zones.length > 0 ? (
                          <span class="listed">{p.listedOn(zones.join(", "))}</span>
                        ) : (
                          p.notListed
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="does-heading">
        <h2 id="does-heading">{p.doesHeading}</h2>
        <ul>
          {p
            .does({
              connections: budget.connectionsPerAddress,
              atOnce: budget.connectionsAtOnce,
              messages: budget.canaryMessagesPerCheck,
              canaryDomain: service.canaryDomain,
            })
            .map((line) => (
              <li>{line}</li>
            ))}
        </ul>
        <h2 id="never-heading">{p.neverHeading}</h2>
        <ul>
          {p.never.map((line) => (
            <li>{line}</li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="caps-heading">
        <h2 id="caps-heading">{p.capsHeading}</h2>
        <p>
          {p.caps({
            perMinute: caps.checksPerMinute,
            perPrefixPerHour: caps.checksPerPrefixPerHour,
          })}
        </p>
      </section>
      <section aria-labelledby="optout-heading">
        <h2 id="optout-heading">{p.optOutHeading}</h2>
        <p>{p.optOutDomain}</p>
        <pre>
          <code>{`_relaywatch.example.org. TXT "v=rw1; optout"`}</code>
        </pre>
        <p>{p.optOutAddress}</p>
        <p>{p.optOutOperator(service.abuseContact)}</p>
        <p>{p.optOutDelay(directory.optOut.honouredWithinSeconds / 60)}</p>
      </section>
      <section aria-labelledby="allow-heading">
        <h2 id="allow-heading">{p.allowHeading}</h2>
        <p>{p.allow}</p>
      </section>
      <section aria-labelledby="contact-heading">
        <h2 id="contact-heading">{p.contactHeading}</h2>
        <p>
          {p.contact(service.abuseContact)}{" "}
          <a href={`mailto:${service.abuseContact}`}>{service.abuseContact}</a>
        </p>
      </section>
    </Layout>
  );
}
