/** @jsxImportSource hono/jsx */
import type { Messages } from "../i18n/index.ts";
import type { TurnstileKeys } from "./turnstile.ts";

export interface CheckFormProps {
  t: Messages;
  value: string;
  error: string | null;
  turnstile: TurnstileKeys | null;
}

export function CheckForm({ t, value, error, turnstile }: CheckFormProps) {
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
        value={value}
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
      {turnstile ? <div class="cf-turnstile" data-sitekey={turnstile.siteKey} /> : null}
      <div>
        <button type="submit">{t.form.submit}</button>
      </div>
      <p class="hint">{t.form.privacy}</p>
    </form>
  );
}
