import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebContext } from '../context.js';
import { actorOf } from '../context.js';
import { sendPage } from '../page.js';
import { html } from '../../text/html.js';
import type { SafeHtml } from '../../text/html.js';
import { ROLE_LABELS, labelOf } from '../format.js';
import { accountsPage } from '../views/accounts.js';
import type { AccountsPageInput } from '../views/accounts.js';
import { AccountError, changeAccount } from '../../app/accounts.js';
import type { AccountChange, AccountChangeResult } from '../../app/accounts.js';
import { isRole, listApiTokens, listUsers } from '../../store/users.js';
import type { User } from '../../store/users.js';

const DONE: Record<AccountChange['kind'], (result: AccountChangeResult) => SafeHtml> = {
  disable: (r) => html`${r.user.username} är avstängd: inloggningen och API-nycklarna slutar gälla direkt.`,
  enable: (r) => html`${r.user.username} är aktiv igen.`,
  role: (r) => html`${r.user.username} har nu rollen ${labelOf(ROLE_LABELS, r.user.role)}.`,
  password: (r) =>
    html`Nytt lösenord för ${r.user.username} (visas bara nu, kontot är utloggat överallt):
      <code class="secret">${r.password ?? ''}</code>`,
  'revoke-tokens': (r) =>
    html`${r.revokedTokens?.length ?? 0} API-nycklar för ${r.user.username} är återkallade.`,
};

/** `/admin/anvandare`: the account list and its changes, through the same path as CLI and API. */
export function registerAccountRoutes(app: FastifyInstance, web: WebContext): void {
  const db = web.app.db;

  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    notice?: AccountsPageInput['notice'],
    status = 200,
  ): Promise<FastifyReply> => {
    const [users, tokens] = await Promise.all([listUsers(db), listApiTokens(db)]);
    // A page that may carry a new password is never stored by a browser or proxy.
    reply.header('cache-control', 'no-store');
    return sendPage(
      reply,
      request,
      {
        title: 'Användare',
        section: 'admin',
        body: accountsPage({
          users,
          tokens,
          me: request.user as User,
          csrfToken: request.session?.csrfToken ?? '',
          notice,
        }),
      },
      status,
    );
  };

  app.get('/admin/anvandare', { config: { access: 'admin' } }, async (request, reply) =>
    render(request, reply),
  );

  const action = (
    path: string,
    change: (form: Record<string, string | undefined>) => AccountChange | string,
  ) =>
    app.post(
      `/admin/anvandare/:username/${path}`,
      { config: { access: 'admin' } },
      async (request, reply) => {
        const username = (request.params as { username: string }).username;
        const wanted = change((request.body ?? {}) as Record<string, string | undefined>);
        if (typeof wanted === 'string') return render(request, reply, { kind: 'error', text: wanted }, 400);
        const me = request.user as User;
        if (username.toLowerCase() === me.username.toLowerCase() && wanted.kind !== 'revoke-tokens') {
          return render(
            request,
            reply,
            { kind: 'error', text: 'Ditt eget konto ändras av en annan administratör.' },
            409,
          );
        }
        try {
          const result = await changeAccount(db, username, wanted, {
            actor: actorOf(me),
            via: 'web',
            requestId: request.id,
            ipHash: web.ipHash(request.ip),
          });
          // Rendered, not redirected: a generated password must not travel in a URL.
          return render(request, reply, { kind: 'ok', text: DONE[wanted.kind](result) });
        } catch (error) {
          if (error instanceof AccountError) {
            return render(
              request,
              reply,
              { kind: 'error', text: error.message },
              error.code === 'not_found' ? 404 : 409,
            );
          }
          throw error;
        }
      },
    );

  action('stang-av', () => ({ kind: 'disable' }));
  action('aktivera', () => ({ kind: 'enable' }));
  action('roll', (form) => (isRole(form.role) ? { kind: 'role', role: form.role } : 'Välj en roll.'));
  action('losenord', () => ({ kind: 'password' }));
  action('aterkalla-nycklar', () => ({ kind: 'revoke-tokens' }));
}
