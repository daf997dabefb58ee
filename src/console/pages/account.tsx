import { Field, Section } from '../components';
import { fill } from '../language';
import type { PageContext } from '../layout';

/** Pages of the signed-in area: the browser code fills them from the API. */

export function OverviewPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <>
      <Section id="profile" title={t.overview.profile}>
        <dl id="profile-list" class="facts" aria-busy="true">
          <dt>{t.overview.username}</dt>
          <dd data-field="username">{t.loading}</dd>
          <dt>{t.overview.email}</dt>
          <dd data-field="email" />
          <dt>{t.overview.role}</dt>
          <dd data-field="role" />
          <dt>{t.overview.mfa}</dt>
          <dd data-field="mfa" />
          <dt>{t.overview.passkeys}</dt>
          <dd data-field="passkeys" />
          <dt>{t.overview.memberSince}</dt>
          <dd data-field="created" />
          <dt>{t.overview.lastSignIn}</dt>
          <dd data-field="last-login" />
        </dl>
      </Section>
      <Section id="next-step" title={t.overview.nextStep} hidden>
        <p id="next-step-text" />
        <p>
          <a id="next-step-link" href="/account/security" class="button">
            {t.client.nextMfaAction}
          </a>
        </p>
      </Section>
    </>
  );
}

export function SessionsPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <>
      <p>{t.sessions.intro}</p>
      <ul id="session-list" class="sessions" aria-busy="true">
        <li>{t.loading}</li>
      </ul>
      <p>
        <button type="button" id="revoke-others" class="danger">
          {t.sessions.revokeOthers}
        </button>
      </p>
    </>
  );
}

const PERIODS = [7, 30, 90, 365];

export function ActivityPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <>
      <div class="field inline">
        <label for="period">{t.activity.period}</label>
        <select id="period" name="days">
          {PERIODS.map((days) => (
            <option value={String(days)} selected={days === 30}>
              {fill(t.activity.days, { days })}
            </option>
          ))}
        </select>
      </div>
      <Section id="per-day" title={t.activity.perDay}>
        <figure id="per-day-figure" class="chart" aria-busy="true">
          <figcaption id="per-day-caption">{t.loading}</figcaption>
        </figure>
      </Section>
      <Section id="breakdowns" title={t.activity.breakdowns}>
        <p id="success-rate" />
        <div id="breakdown-charts" class="breakdowns" />
      </Section>
      <Section id="history" title={t.activity.history}>
        <div class="check">
          <input type="checkbox" id="success-only" name="success_only" />
          <label for="success-only">{t.activity.successOnly}</label>
        </div>
        <section class="table-scroll" tabindex={0} aria-labelledby="history-title">
          <table id="history-table">
            <thead>
              <tr>
                <th scope="col">{t.activity.when}</th>
                <th scope="col">{t.activity.result}</th>
                <th scope="col">{t.activity.place}</th>
                <th scope="col">{t.activity.device}</th>
                <th scope="col">{t.activity.address}</th>
              </tr>
            </thead>
            <tbody />
          </table>
        </section>
        <nav class="pager" aria-label={t.activity.history}>
          <button type="button" id="page-previous" class="secondary" disabled>
            {t.client.previous}
          </button>
          <span id="page-label" aria-live="polite" />
          <button type="button" id="page-next" class="secondary" disabled>
            {t.client.next}
          </button>
        </nav>
      </Section>
    </>
  );
}

export function SecurityPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <>
      <Section id="password-section" title={t.security.passwordTitle}>
        <p>{t.security.passwordIntro}</p>
        <form method="post" id="password-form" class="card">
          {/* For password managers: which account this password belongs to (filled by the page). */}
          <input type="text" name="username" autocomplete="username" hidden />
          <Field
            id="current-password"
            name="current_password"
            type="password"
            label={t.fields.currentPassword}
            autocomplete="current-password"
            maxlength={128}
          />
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
          <button type="submit">{t.security.passwordSubmit}</button>
        </form>
        <p class="hint">{t.security.noPassword}</p>
      </Section>
      <Section id="mfa-section" title={t.security.mfaTitle}>
        <p>{t.security.mfaIntro}</p>
        <p id="mfa-status" class="status-line" aria-busy="true">
          {t.loading}
        </p>
        <div id="mfa-off" hidden>
          <button type="button" id="mfa-enable">
            {t.security.mfaTurnOn}
          </button>
        </div>
        <div id="mfa-setup" hidden>
          <p>{t.security.mfaScan}</p>
          <img id="mfa-qr" class="qr" alt={t.security.qrAlt} width="200" height="200" />
          <p>
            {t.security.mfaSecret}: <code id="mfa-secret" class="secret" />
            <button type="button" class="secondary small" id="mfa-secret-copy">
              {t.security.copy}
            </button>
          </p>
        </div>
        <div id="backup-codes" hidden>
          <h3>{t.security.mfaBackupTitle}</h3>
          <p>{t.security.mfaBackupIntro}</p>
          <ul id="backup-code-list" class="codes" />
          <div class="actions">
            <button type="button" class="secondary" id="backup-copy">
              {t.security.copy}
            </button>
            <button type="button" class="secondary" id="backup-download">
              {t.security.download}
            </button>
          </div>
        </div>
        <form method="post" id="mfa-verify-form" class="card" hidden>
          <Field
            id="mfa-verify-code"
            name="code"
            label={t.security.mfaConfirmCode}
            autocomplete="one-time-code"
            inputmode="numeric"
            pattern="[0-9]{6}"
            maxlength={6}
          />
          <button type="submit">{t.security.mfaConfirm}</button>
        </form>
        <div id="mfa-on" hidden>
          <p>{t.security.mfaNewCodesIntro}</p>
          <button type="button" class="secondary" id="mfa-new-codes">
            {t.security.mfaNewCodes}
          </button>
          <form method="post" id="mfa-disable-form" class="card">
            <h3>{t.security.mfaTurnOff}</h3>
            <p>{t.security.mfaTurnOffIntro}</p>
            <Field
              id="mfa-disable-password"
              name="password"
              type="password"
              label={t.fields.password}
              autocomplete="current-password"
              required={false}
            />
            <Field
              id="mfa-disable-code"
              name="mfa_code"
              label={t.security.orCode}
              autocomplete="one-time-code"
              required={false}
              maxlength={9}
            />
            <button type="submit" class="danger">
              {t.security.mfaTurnOff}
            </button>
          </form>
        </div>
      </Section>
      <Section id="passkeys-section" title={t.security.passkeysTitle}>
        <p>{t.security.passkeysIntro}</p>
        <ul id="passkey-list" class="passkeys" aria-busy="true">
          <li>{t.loading}</li>
        </ul>
        <form method="post" id="passkey-add-form" class="card">
          <Field
            id="passkey-name"
            name="name"
            label={t.security.passkeyName}
            hint={t.security.passkeyNameHint}
            required={false}
            maxlength={64}
          />
          <button type="submit">{t.security.passkeyAdd}</button>
        </form>
      </Section>
      {ctx.providers.length > 0 ? (
        <Section id="providers-section" title={t.security.providersTitle}>
          <p>{t.security.providersIntro}</p>
          <ul class="provider-list">
            {ctx.providers.map((provider) => (
              <li>
                <span class="provider-name">{provider.name}</span>
                <button type="button" class="secondary" data-link={provider.id}>
                  {fill(t.security.link, { provider: provider.name })}
                </button>
                <button type="button" class="secondary" data-unlink={provider.id}>
                  {fill(t.security.unlink, { provider: provider.name })}
                </button>
              </li>
            ))}
          </ul>
        </Section>
      ) : null}
    </>
  );
}

const LANGUAGE_CHOICES = [
  ['en', 'English'],
  ['fr', 'Français'],
] as const;

/** Your data: profile, email address, the export, and deletion with its grace period. */
export function DataPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  const days = ctx.deletionGraceDays;
  return (
    <>
      <Section id="profile-section" title={t.data.profileTitle}>
        <form method="post" id="profile-form" class="card">
          <Field
            id="username"
            name="username"
            label={t.fields.username}
            hint={t.fields.usernameHint}
            autocomplete="username"
            maxlength={30}
          />
          <div class="field">
            <label for="locale">{t.data.language}</label>
            <select id="locale" name="locale">
              {LANGUAGE_CHOICES.map(([value, name]) => (
                <option value={value} lang={value} selected={value === ctx.language}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">{t.data.profileSubmit}</button>
        </form>
      </Section>
      <Section id="email-section" title={t.data.emailTitle}>
        <p>{t.data.emailIntro}</p>
        <p>
          {t.data.currentEmail}: <strong id="current-email">{t.loading}</strong>
        </p>
        <form method="post" id="email-form" class="card">
          <input type="text" name="username" autocomplete="username" hidden />
          <Field
            id="new-email"
            name="new_email"
            type="email"
            label={t.data.newEmail}
            autocomplete="email"
            maxlength={254}
          />
          <Field
            id="email-password"
            name="password"
            type="password"
            label={t.fields.currentPassword}
            hint={t.data.emailPasswordHint}
            autocomplete="current-password"
            required={false}
            maxlength={128}
          />
          <button type="submit">{t.data.emailSubmit}</button>
        </form>
      </Section>
      <Section id="export-section" title={t.data.exportTitle}>
        <p>{t.data.exportIntro}</p>
        <button type="button" id="export">
          {t.data.exportSubmit}
        </button>
      </Section>
      <Section id="delete-section" title={t.data.deleteTitle}>
        <p>{fill(t.data.deleteIntro, { days })}</p>
        <form method="post" id="delete-form" class="card">
          <input type="text" name="username" autocomplete="username" hidden />
          <Field
            id="delete-password"
            name="password"
            type="password"
            label={t.fields.password}
            hint={t.data.deletePasswordHint}
            autocomplete="current-password"
            required={false}
            maxlength={128}
          />
          <div id="delete-code-field" hidden>
            <Field
              id="delete-code"
              name="mfa_code"
              label={t.data.deleteCode}
              autocomplete="one-time-code"
              required={false}
              maxlength={9}
            />
          </div>
          <div class="check">
            <input
              type="checkbox"
              id="delete-understood"
              name="understood"
              aria-describedby="delete-understood-error"
            />
            <label for="delete-understood">{fill(t.data.deleteUnderstood, { days })}</label>
          </div>
          <p class="field-error" id="delete-understood-error" hidden />
          <button type="submit" class="danger">
            {t.data.deleteSubmit}
          </button>
        </form>
      </Section>
    </>
  );
}
