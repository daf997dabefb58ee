import { Field } from '../components';
import { fill } from '../language';
import type { PageContext } from '../layout';

/** Pages for people who are not signed in: sign-in, register, password reset, email links. */

function ProviderButtons({ ctx }: { ctx: PageContext }) {
  if (ctx.providers.length === 0) return null;
  return (
    <section class="providers" aria-labelledby="providers-title">
      <h2 id="providers-title">{ctx.t.signIn.or}</h2>
      <ul>
        {ctx.providers.map((provider) => (
          <li>
            <button type="button" class="secondary" data-provider={provider.id}>
              {fill(ctx.t.signIn.withProvider, { provider: provider.name })}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function SignInPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <>
      <div id="password-step">
        <form method="post" id="sign-in-form" class="card">
          <Field id="email" name="email" type="email" label={t.fields.email} autocomplete="username" maxlength={254} />
          <Field
            id="password"
            name="password"
            type="password"
            label={t.fields.password}
            autocomplete="current-password"
            maxlength={128}
          />
          <div class="check">
            <input type="checkbox" id="remember-me" name="remember_me" />
            <label for="remember-me">{t.fields.rememberMe}</label>
          </div>
          <button type="submit">{t.signIn.submit}</button>
        </form>
        <p>
          <button type="button" class="link" id="resend-verification" hidden>
            {t.client.resendVerification}
          </button>
        </p>
        <p>
          <a href="/account/forgot-password">{t.signIn.forgot}</a>
        </p>
        <p>
          {t.signIn.noAccount} <a href="/account/register">{t.signIn.register}</a>
        </p>
        <section class="passkey-sign-in" aria-labelledby="passkey-title">
          <h2 id="passkey-title">{t.signIn.passkey}</h2>
          <p class="hint">{t.signIn.passkeyIntro}</p>
          <button type="button" class="secondary" id="passkey-sign-in">
            {t.signIn.passkey}
          </button>
        </section>
        <ProviderButtons ctx={ctx} />
      </div>
      <section id="mfa-step" aria-labelledby="mfa-title" hidden>
        <h2 id="mfa-title" tabindex={-1}>
          {t.signIn.mfaTitle}
        </h2>
        <p>{t.signIn.mfaIntro}</p>
        <form method="post" id="mfa-form" class="card">
          <Field
            id="mfa-code"
            name="mfa_code"
            label={t.fields.code}
            hint={t.fields.codeHint}
            autocomplete="one-time-code"
            maxlength={9}
          />
          <div class="actions">
            <button type="submit">{t.signIn.mfaSubmit}</button>
            <button type="button" class="secondary" id="mfa-restart">
              {t.signIn.mfaRestart}
            </button>
          </div>
        </form>
      </section>
    </>
  );
}

export function RegisterPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <>
      <form method="post" id="register-form" class="card">
        <Field id="email" name="email" type="email" label={t.fields.email} autocomplete="email" maxlength={254} />
        <Field
          id="username"
          name="username"
          label={t.fields.username}
          hint={t.fields.usernameHint}
          autocomplete="username"
          maxlength={30}
        />
        <Field
          id="password"
          name="password"
          type="password"
          label={t.fields.password}
          hint={t.fields.passwordHint}
          autocomplete="new-password"
          maxlength={128}
        />
        <Field
          id="password-confirm"
          name="password_confirm"
          type="password"
          label={t.fields.confirmPassword}
          autocomplete="new-password"
          maxlength={128}
        />
        <fieldset>
          <legend>{t.fields.role}</legend>
          <div class="check">
            <input type="radio" id="role-student" name="role" value="STUDENT" checked />
            <label for="role-student">{t.fields.roleStudent}</label>
          </div>
          <div class="check">
            <input type="radio" id="role-instructor" name="role" value="INSTRUCTOR" />
            <label for="role-instructor">{t.fields.roleInstructor}</label>
          </div>
        </fieldset>
        <button type="submit">{t.register.submit}</button>
      </form>
      <p>
        {t.register.haveAccount} <a href="/account/sign-in">{t.signIn.title}</a>
      </p>
    </>
  );
}

export function ForgotPasswordPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <>
      <p>{t.forgot.intro}</p>
      <form method="post" id="forgot-form" class="card">
        <Field id="email" name="email" type="email" label={t.fields.email} autocomplete="email" maxlength={254} />
        <button type="submit">{t.forgot.submit}</button>
      </form>
      <p>
        <a href="/account/sign-in">{t.forgot.back}</a>
      </p>
    </>
  );
}

export function ResetPasswordPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <>
      <form method="post" id="reset-form" class="card">
        <Field
          id="new-password"
          name="new_password"
          type="password"
          label={t.fields.newPassword}
          hint={t.fields.passwordHint}
          autocomplete="new-password"
          maxlength={128}
        />
        <Field
          id="new-password-confirm"
          name="new_password_confirm"
          type="password"
          label={t.fields.confirmPassword}
          autocomplete="new-password"
          maxlength={128}
        />
        <button type="submit">{t.reset.submit}</button>
      </form>
      <SignInLink ctx={ctx} />
    </>
  );
}

/** Shown by the browser code once a link was used (or found invalid). */
function SignInLink({ ctx }: { ctx: PageContext }) {
  return (
    <p id="sign-in-link" hidden>
      <a href="/account/sign-in">{ctx.t.client.goSignIn}</a>
    </p>
  );
}

export function VerifyEmailPage({ ctx }: { ctx: PageContext }) {
  return <SignInLink ctx={ctx} />;
}

/** "This wasn't me" pages: nothing happens until the person presses the button. */
export function ConfirmLinkPage(props: { ctx: PageContext; intro: string; submit: string; safe?: boolean }) {
  const { ctx, intro, submit } = props;
  return (
    <>
      <p>{intro}</p>
      <form method="post" id="confirm-form">
        <button type="submit" class={props.safe ? undefined : 'danger'}>
          {submit}
        </button>
      </form>
      <SignInLink ctx={ctx} />
    </>
  );
}

export function OAuthCallbackPage({ ctx }: { ctx: PageContext }) {
  return <SignInLink ctx={ctx} />;
}

export function NotFoundPage({ ctx }: { ctx: PageContext }) {
  return (
    <p>
      <a href="/account/">{ctx.t.notFound.back}</a>
    </p>
  );
}
