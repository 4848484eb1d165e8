/** @jsxImportSource hono/jsx */
import type { Messages } from "../i18n/index.ts";
import type { TurnstileKeys } from "./turnstile.ts";

/** What the visitor typed and chose, kept when the form comes back with a refusal. */
export interface FormInput {
  target: string;
  /** TLS from the first byte (SMTPS) on a port other than 465. */
  implicitTls: boolean;
}

export const EMPTY_FORM: FormInput = { target: "", implicitTls: false };

export interface CheckFormProps {
  t: Messages;
  form: FormInput;
  error: string | null;
  turnstile: TurnstileKeys | null;
}

export function CheckForm({ t, form, error, turnstile }: CheckFormProps) {
  const describedBy = error ? "target-error target-hint" : "target-hint";
  return (
    <form method="post" action="/check">
      {error ? (
        <div class="alert" role="alert" id="target-error">
          <p>
            <strong>{t.form.refusedLead}</strong> {error}
          </p>
        </div>
      ) : null}
      <label for="target">{t.form.label}</label>
      <p class="hint" id="target-hint">
        {t.form.hint}
      </p>
      <input
        type="text"
        id="target"
        name="target"
        value={form.target}
        required
        autocomplete="off"
        autocapitalize="none"
        spellcheck={false}
        inputmode="url"
        maxlength={1024}
        aria-describedby={describedBy}
        aria-invalid={error ? "true" : undefined}
        autofocus={error !== null}
      />
      <div class="option">
        <input
          type="checkbox"
          id="implicit-tls"
          name="implicit_tls"
          value="on"
          checked={form.implicitTls}
          aria-describedby="implicit-tls-hint"
        />
        <label for="implicit-tls">{t.form.implicitTlsLabel}</label>
        <p class="hint" id="implicit-tls-hint">
          {t.form.implicitTlsHint}
        </p>
      </div>
      {turnstile ? <div class="cf-turnstile" data-sitekey={turnstile.siteKey} /> : null}
      <div>
        <button type="submit">{t.form.submit}</button>
      </div>
      <p class="hint">{t.form.privacy}</p>
    </form>
  );
}
