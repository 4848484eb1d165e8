/** @jsxImportSource hono/jsx */
import type { Messages } from "../i18n/index.ts";
import type { CaseDelivery } from "../proof/case-delivery.ts";

/** What became of a case's canary message; an arrived one lists the hosts it passed. */
export function DeliveryCell({ t, delivery }: { t: Messages; delivery: CaseDelivery | null }) {
  if (delivery === null) return <span>—</span>;
  const name = t.report.deliveryNames[delivery.status];
  if (delivery.status !== "confirmed") return <span class={`d-${delivery.status}`}>{name}</span>;
  return (
    <details class="d-confirmed">
      <summary>
        {name}
        {delivery.receivedAt ? (
          <>
            {" "}
            <time datetime={delivery.receivedAt}>{delivery.receivedAt}</time>
          </>
        ) : null}
      </summary>
      {delivery.handedOverBy ? (
        <p>
          {t.report.handedOverBy} <code>{delivery.handedOverBy}</code>
        </p>
      ) : null}
      <p>{t.report.receivedChain}</p>
      <ol class="received-chain">
        {delivery.receivedChain.map((hop) => (
          <li>
            <code>{hop}</code>
          </li>
        ))}
      </ol>
    </details>
  );
}
