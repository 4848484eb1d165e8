/** @jsxImportSource hono/jsx */
import { type Language, messagesFor } from "../i18n/index.ts";
import { CheckForm, EMPTY_FORM, type FormInput } from "./check-form.tsx";
import { Layout } from "./layout.tsx";
import { TURNSTILE_SCRIPT_URL, type TurnstileKeys } from "./turnstile.ts";

export interface HomePageProps {
  language: Language;
  form?: FormInput;
  error?: string | null;
  turnstile: TurnstileKeys | null;
}

export function HomePage({ language, form = EMPTY_FORM, error = null, turnstile }: HomePageProps) {
  const t = messagesFor(language);
  const head = turnstile ? <script src={TURNSTILE_SCRIPT_URL} async defer /> : null;
  return (
    <Layout language={language} title={t.form.heading} path="/" head={head}>
      <h1>{t.form.heading}</h1>
      <p>{t.tagline}</p>
      <CheckForm t={t} form={form} error={error} turnstile={turnstile} />
    </Layout>
  );
}
