import { html } from '../../text/html.js';
import type { SafeHtml } from '../../text/html.js';
import { ROLE_LABELS, labelOf, timeTag } from '../format.js';
import { ROLES } from '../../store/users.js';
import type { ApiTokenInfo, User } from '../../store/users.js';

export interface AccountsPageInput {
  users: User[];
  tokens: ApiTokenInfo[];
  /** The signed-in administrator: their own row offers no way to lock themselves out. */
  me: User;
  csrfToken: string;
  notice?: { kind: 'ok' | 'error'; text: SafeHtml | string } | undefined;
}

function actionForm(
  user: User,
  path: string,
  label: string,
  csrfToken: string,
  extra: SafeHtml | string = '',
): SafeHtml {
  return html`<form method="post" action="/admin/anvandare/${encodeURIComponent(user.username)}/${path}">
    <input type="hidden" name="_csrf" value="${csrfToken}" />
    ${extra}
    <button type="submit" class="secondary" aria-label="${label}: ${user.username}">${label}</button>
  </form>`;
}

function accountRow(user: User, liveTokens: number, input: AccountsPageInput): SafeHtml {
  const self = user.id === input.me.id;
  const local = user.authSource === 'local';
  const roleSelect = html`<label class="sr-only" for="roll-${user.id}">Roll för ${user.username}</label>
    <select id="roll-${user.id}" name="role">
      ${ROLES.map(
        (role) =>
          html`<option value="${role}" ${role === user.role ? html`selected` : ''}>
            ${labelOf(ROLE_LABELS, role)}
          </option>`,
      )}
    </select>`;
  return html`<tr>
    <td>${user.username}</td>
    <td>${user.displayName}</td>
    <td>${labelOf(ROLE_LABELS, user.role)}</td>
    <td>${local ? 'Lokalt konto' : 'OIDC'}</td>
    <td>
      <span class="badge ${user.disabled ? 'status-dismissed' : 'health-ok'}">
        ${user.disabled ? 'Avstängd' : 'Aktiv'}
      </span>
    </td>
    <td class="num">${liveTokens}</td>
    <td>${timeTag(user.createdAt)}</td>
    <td><div class="account-actions">
      ${
        self
          ? html`<span class="muted">Ditt eget konto</span>`
          : html`${
              user.disabled
                ? actionForm(user, 'aktivera', 'Aktivera', input.csrfToken)
                : actionForm(user, 'stang-av', 'Stäng av', input.csrfToken)
            }
          ${local ? actionForm(user, 'roll', 'Byt roll', input.csrfToken, roleSelect) : ''}
          ${local ? actionForm(user, 'losenord', 'Nytt lösenord', input.csrfToken) : ''}`
      }
      ${liveTokens > 0 ? actionForm(user, 'aterkalla-nycklar', 'Återkalla API-nycklar', input.csrfToken) : ''}
    </div></td>
  </tr>`;
}

/** The administrator's account list: role, status, tokens, and the changes (each audited). */
export function accountsPage(input: AccountsPageInput): SafeHtml {
  const live = (user: User) =>
    input.tokens.filter((t) => t.userId === user.id && t.revokedAt === null).length;
  return html`<h1>Användare</h1>
    ${
      input.notice
        ? html`<div class="notice ${input.notice.kind}" role="${input.notice.kind === 'error' ? 'alert' : 'status'}">
          ${input.notice.text}
        </div>`
        : ''
    }
    <p class="muted">
      Ett avstängt konto loggas ut direkt och dess API-nycklar slutar gälla. Nytt lösenord loggar ut kontot
      överallt. Rollen för ett OIDC-konto styrs av identitetsleverantören. Varje ändring hamnar i
      granskningsloggen. Lokala konton skapas med
      <code>horisont users add &lt;användarnamn&gt; --role &lt;roll&gt;</code>, API-nycklar med
      <code>horisont tokens create &lt;användarnamn&gt;</code> (eller via API:t).
    </p>
    <table>
      <thead>
        <tr>
          <th scope="col">Användarnamn</th>
          <th scope="col">Namn</th>
          <th scope="col">Roll</th>
          <th scope="col">Inloggning</th>
          <th scope="col">Status</th>
          <th scope="col" class="num">API-nycklar</th>
          <th scope="col">Skapad</th>
          <th scope="col">Åtgärder</th>
        </tr>
      </thead>
      <tbody>
        ${input.users.map((user) => accountRow(user, live(user), input))}
      </tbody>
    </table>`;
}
