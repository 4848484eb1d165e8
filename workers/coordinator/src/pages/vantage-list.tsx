/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import { MIN_INDEPENDENT_VANTAGES } from "../../../../shared/verdict/aggregate.ts";
import type { ReadView } from "../checks/read.ts";
import { outsideVantagesOf } from "../checks/report.ts";
import type { CheckView } from "../db/repository.ts";
import type { Messages } from "../i18n/index.ts";
import {
  type NodeSummary,
  nodeSummaries,
  recordedCertificates,
  vantagePlace,
} from "./report-model.ts";

/**
 * How many independent outside vantages tested, how many of them were on a DNS blocklist, and
 * whether those left corroborate a closed verdict: the same count as the verdict's and the badge's.
 */
function OutsideLine({
  t,
  view,
  count,
  children,
}: {
  t: Messages;
  view: ReadView;
  count: (outside: number) => string;
  children?: Child;
}) {
  const { outside, listed } = outsideVantagesOf(view, view.listedNodes);
  return (
    <>
      {count(outside)}
      {listed > 0 ? t.vantages.listedAmong(listed) : null}
      {children}
      {outside - listed < MIN_INDEPENDENT_VANTAGES ? (
        <strong> {t.report.notCorroborated}</strong>
      ) : null}
    </>
  );
}

/** The first screen's line: how many independent outside vantages tested, and if too few. */
export function OutsideVantages({ t, view }: { t: Messages; view: ReadView }) {
  return (
    <p class="outside">
      <OutsideLine t={t} view={view} count={t.vantages.outsideCount}>
        {" ("}
        <a href="#vantages-heading">{t.vantages.details}</a>)
      </OutsideLine>
    </p>
  );
}

/**
 * Each vantage with where it really ran, its network, and whether it counted as independent
 * outside evidence (inside the target's AS, TLS its runtime cannot speak, unreachable: not);
 * each address's network; the certificates Node.js vantages recorded.
 */
export function VantageList({ t, view }: { t: Messages; view: ReadView }) {
  const nodes = nodeSummaries(view);
  if (nodes.length === 0) return null;
  const unavailable = view.check.mx?.unavailable ?? [];
  const origins = view.check.mx?.origins;
  return (
    <section aria-labelledby="vantages-heading">
      <h2 id="vantages-heading">{t.vantages.heading}</h2>
      <p>
        <OutsideLine t={t} view={view} count={t.report.outsideVantages} />
      </p>
      {unavailable.length > 0 ? (
        <p>
          {t.report.unavailable(
            unavailable.map((node) => `${node.region} (${node.reason})`).join("; "),
          )}
        </p>
      ) : null}
      <div class="table-wrap">
        <table class="vantages">
          <caption class="visually-hidden">{t.vantages.heading}</caption>
          <thead>
            <tr>
              <th scope="col">{t.vantages.columns.vantage}</th>
              <th scope="col">{t.vantages.columns.ranAt}</th>
              <th scope="col">{t.vantages.columns.network}</th>
              <th scope="col">{t.vantages.columns.counted}</th>
            </tr>
          </thead>
          <tbody>
            {nodes.map((node) => (
              <tr>
                <th scope="row">{node.first.region}</th>
                <td>{node.locations.join(", ") || t.vantages.unknown}</td>
                <td>
                  {node.first.network}
                  {node.first.nodeAsn !== null ? ` (AS${node.first.nodeAsn})` : ""}
                </td>
                <td>
                  <Counted
                    t={t}
                    node={node}
                    listedOn={view.listedNodes.get(node.first.nodeId) ?? []}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {origins === undefined ? null : (
        <ul class="origins">
          {view.mxHosts.flatMap((host) =>
            host.addresses.map((address) => {
              const origin = origins[address.address];
              return (
                <li>
                  <code>{address.address}</code>:{" "}
                  {origin
                    ? t.report.origin(origin.asns.map((asn) => `AS${asn}`).join(", "), origin.name)
                    : t.report.originUnknown}
                </li>
              );
            }),
          )}
        </ul>
      )}
      <Certificates t={t} view={view} />
    </section>
  );
}

function Counted({
  t,
  node,
  listedOn,
}: {
  t: Messages;
  node: NodeSummary;
  /** The blocklist zones its node was on when the check ran: no green-badge evidence from it. */
  listedOn: string[];
}) {
  const notes = [
    listedOn.length > 0 ? (
      <li class="listed">
        <span aria-hidden="true">⚠ </span>
        {t.report.listedVantage(listedOn.join(", "))}
      </li>
    ) : null,
    node.insideFor.length > 0 ? (
      <li class="inside">{t.vantages.insideFor(node.insideFor.join(", "))}</li>
    ) : null,
    ...node.tlsNotTestable.map(({ address, instead }) => (
      <li>
        {t.vantages.tlsNotTestable(address)};{" "}
        {instead.length > 0
          ? t.vantages.testedInstead(instead.map(vantagePlace).join(", "))
          : t.vantages.noneInstead}
      </li>
    )),
    ...node.failed.map(({ address, reason }) => <li>{t.vantages.failed(address, reason)}</li>),
  ].filter((note) => note !== null);
  const setAside = node.insideFor.length + node.tlsNotTestable.length + node.failed.length;
  return (
    <>
      {setAside < node.addressCount ? <span>{t.vantages.counted}</span> : null}
      {notes.length > 0 ? <ul class="set-aside">{notes}</ul> : null}
    </>
  );
}

/** Every recorded certificate, once per address; what a server sent is text, escaped by JSX. */
function Certificates({ t, view }: { t: Messages; view: CheckView }) {
  const certificates = recordedCertificates(view);
  if (certificates.length === 0) return null;
  const c = t.vantages.certColumns;
  return (
    <section aria-labelledby="certificates-heading">
      <h3 id="certificates-heading">{t.vantages.certificatesHeading}</h3>
      <p>{t.vantages.certificatesIntro}</p>
      <div class="table-wrap">
        <table class="certificates">
          <thead>
            <tr>
              <th scope="col">{c.address}</th>
              <th scope="col">{c.recordedBy}</th>
              <th scope="col">{c.subject}</th>
              <th scope="col">{c.issuer}</th>
              <th scope="col">{c.validity}</th>
              <th scope="col">{c.verifies}</th>
            </tr>
          </thead>
          <tbody>
            {certificates.map(({ mxHost, address, tls, vantages }) => (
              <tr>
                <td>
                  <code>{mxHost === address ? address : `${mxHost} ${address}`}</code>
                </td>
                <td>{vantages.map(vantagePlace).join(", ")}</td>
                <td>
                  <code>{tls.peerSubject ?? t.vantages.unknown}</code>
                  {tls.altNames ? <span class="note">{tls.altNames}</span> : null}
                </td>
                <td>
                  <code>{tls.peerIssuer ?? t.vantages.unknown}</code>
                </td>
                <td>
                  {tls.validFrom ?? "?"} – {tls.validTo ?? "?"}
                </td>
                <td>
                  {tls.authorized === null
                    ? t.vantages.unknown
                    : tls.authorized
                      ? t.vantages.verifiesYes
                      : t.vantages.verifiesNo(tls.authorizationError ?? t.vantages.unknown)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
