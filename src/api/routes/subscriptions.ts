import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { WebContext } from '../context.js';
import { actorOf } from '../context.js';
import { ApiError } from '../errors.js';
import { html } from '../../text/html.js';
import type { HtmlValue } from '../../text/html.js';
import { sendPage } from '../page.js';
import { IdParams, parseOrThrow } from '../service.js';
import { Subscription } from '../openapi.js';
import {
  NewSubscriptionBody,
  SubscriptionPatch,
  createSubscription,
  editSubscription,
  filterFromForm,
  newSubscriptionFromForm,
  ownedSubscription,
  patchFromForm,
  subscriptionJson,
  visibleSubscriptions,
} from '../subscriptions.js';
import { EMPTY_FORM, formValuesOf, subscriptionEditPage, subscriptionsPage } from '../views/subscriptions.js';
import type { SubscriptionFormValues } from '../views/subscriptions.js';
import { deleteSubscription } from '../../store/alerts.js';
import type { SubscriptionRow } from '../../store/alerts.js';
import { appendAudit } from '../../store/audit.js';
import { filterOptions } from '../../store/workbench.js';
import { roleAtLeast } from '../../store/users.js';
import type { User } from '../../store/users.js';

const JSON_TYPE = 'application/json; charset=utf-8';

type Form = Record<string, string | string[] | undefined>;

const DONE: Record<string, string> = {
  sparad: 'Prenumerationen är sparad.',
  andrad: 'Ändringarna är sparade.',
  pausad: 'Prenumerationen är pausad: den ger inga nya meddelanden förrän du återupptar den.',
  aterupptagen: 'Prenumerationen är återupptagen.',
  borttagen: 'Prenumerationen är borttagen, med allt som väntade på att skickas.',
};

/**
 * Subscriptions: JSON routes under /api/subscriptions and the Swedish page /prenumerationer.
 * Any signed-in person (viewer and up) manages their own; admins manage everyone's.
 */
export function registerSubscriptionRoutes(app: FastifyInstance, web: WebContext): void {
  const db = web.app.db;
  const audit = async (
    request: FastifyRequest,
    action: string,
    subscription: SubscriptionRow,
    before?: SubscriptionRow,
  ): Promise<void> => {
    const view = (s: SubscriptionRow) => {
      // No personal data in the audit log beyond who acted: the address stays out.
      const { ownerEmail: _email, ...rest } = subscriptionJson(s);
      return rest;
    };
    await appendAudit(db, {
      actor: actorOf(request.user as User),
      action,
      subjectType: 'subscription',
      subjectId: subscription.id,
      ...(before ? { before: view(before) } : {}),
      ...(action === 'subscription.delete' ? {} : { after: view(subscription) }),
      requestId: request.id,
      ipHash: web.ipHash(request.ip),
    });
  };

  // --- JSON ---------------------------------------------------------------------------------

  app.get(
    '/api/subscriptions',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'Prenumerationer: egna (administratör: allas)',
          responses: { 200: { description: 'OK', json: z.object({ subscriptions: z.array(Subscription) }) } },
          errors: [401],
        },
      },
    },
    async (request) => ({
      subscriptions: (await visibleSubscriptions(web, request.user as User)).map(subscriptionJson),
    }),
  );

  app.post(
    '/api/subscriptions',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary:
            'Skapa en prenumeration (samma regler som horisont subscriptions add). Atom-flödets adress och webhookens signeringsnyckel visas bara i detta svar.',
          body: NewSubscriptionBody,
          responses: {
            201: {
              description: 'OK',
              json: z.object({
                subscription: Subscription,
                feedUrl: z.url().optional(),
                webhookSecret: z.string().optional(),
              }),
            },
          },
          errors: [400, 401, 403],
        },
      },
    },
    async (request, reply) => {
      const body = parseOrThrow(NewSubscriptionBody, request.body ?? {});
      const added = await createSubscription(web, request.user as User, body);
      await audit(request, 'subscription.create', added.subscription);
      return reply
        .code(201)
        .type(JSON_TYPE)
        .send({
          subscription: subscriptionJson(added.subscription),
          ...(added.feedUrl ? { feedUrl: added.feedUrl } : {}),
          ...(added.webhookSecret ? { webhookSecret: added.webhookSecret } : {}),
        });
    },
  );

  const idOf = (request: FastifyRequest): string => (request.params as { id: string }).id;

  app.get(
    '/api/subscriptions/:id',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'En prenumeration (egen, eller vilken som helst för administratör)',
          params: IdParams,
          responses: { 200: { description: 'OK', json: z.object({ subscription: Subscription }) } },
          errors: [401, 404],
        },
      },
    },
    async (request) => ({
      subscription: subscriptionJson(await ownedSubscription(web, request.user as User, idOf(request))),
    }),
  );

  app.patch(
    '/api/subscriptions/:id',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'Ändra namn, e-postadress, filter eller paus (kanalen ändras inte)',
          params: IdParams,
          body: SubscriptionPatch,
          responses: { 200: { description: 'OK', json: z.object({ subscription: Subscription }) } },
          errors: [400, 401, 403, 404],
        },
      },
    },
    async (request) => {
      const user = request.user as User;
      const existing = await ownedSubscription(web, user, idOf(request));
      const changed = await editSubscription(
        web,
        user,
        existing,
        parseOrThrow(SubscriptionPatch, request.body ?? {}),
      );
      await audit(request, 'subscription.change', changed, existing);
      return { subscription: subscriptionJson(changed) };
    },
  );

  app.delete(
    '/api/subscriptions/:id',
    {
      config: {
        access: 'viewer',
        openapi: {
          summary: 'Ta bort en prenumeration med allt som väntar på att skickas',
          params: IdParams,
          responses: { 204: { description: 'Borttagen' } },
          errors: [401, 403, 404],
        },
      },
    },
    async (request, reply) => {
      const existing = await ownedSubscription(web, request.user as User, idOf(request));
      await deleteSubscription(db, existing.id);
      await audit(request, 'subscription.delete', existing, existing);
      return reply.code(204).send();
    },
  );

  // --- pages --------------------------------------------------------------------------------

  const listPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: {
      form?: SubscriptionFormValues;
      notice?: { kind: 'ok' | 'error' | 'warn'; text: HtmlValue };
      secret?: { feedUrl?: string | undefined; webhookSecret?: string | undefined };
    } = {},
    status = 200,
  ): Promise<FastifyReply> => {
    const user = request.user as User;
    const [rows, options] = await Promise.all([visibleSubscriptions(web, user), filterOptions(db)]);
    return sendPage(
      reply,
      request,
      {
        title: 'Prenumerationer',
        section: 'subscriptions',
        body: subscriptionsPage({
          rows,
          isAdmin: roleAtLeast(user.role, 'admin'),
          csrfToken: request.session?.csrfToken ?? '',
          sources: options.sources,
          form: extra.form ?? EMPTY_FORM,
          notice: extra.notice,
          secret: extra.secret,
        }),
      },
      status,
    );
  };

  const editPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    subscription: SubscriptionRow,
    extra: { form?: SubscriptionFormValues; notice?: { kind: 'ok' | 'error'; text: HtmlValue } } = {},
    status = 200,
  ): Promise<FastifyReply> => {
    const user = request.user as User;
    return sendPage(
      reply,
      request,
      {
        title: 'Ändra prenumeration',
        section: 'subscriptions',
        body: subscriptionEditPage({
          subscription,
          form: extra.form ?? formValuesOf(subscription),
          isAdmin: roleAtLeast(user.role, 'admin'),
          csrfToken: request.session?.csrfToken ?? '',
          sources: (await filterOptions(db)).sources,
          notice: extra.notice,
        }),
      },
      status,
    );
  };

  /** What the person typed, to show the form again with a refusal. */
  const typed = (form: Form, base: SubscriptionFormValues): SubscriptionFormValues => {
    const text = (key: string, fallback: string): string => {
      const value = form[key];
      return typeof value === 'string' ? value : fallback;
    };
    return {
      name: text('name', base.name),
      channel: text('channel', base.channel),
      ownerEmail: text('owner_email', base.ownerEmail),
      webhookUrl: text('webhook_url', base.webhookUrl),
      filter: filterFromForm(form),
      paused: form.paused === '1',
    };
  };

  const refusal = (error: unknown): { kind: 'error'; text: HtmlValue } | undefined =>
    error instanceof ApiError && (error.code === 'validation_failed' || error.code === 'forbidden')
      ? { kind: 'error', text: html`Prenumerationen sparades inte: ${error.message}` }
      : undefined;

  app.get('/prenumerationer', { config: { access: 'viewer' } }, async (request, reply) => {
    const done = (request.query as { klart?: string }).klart;
    return listPage(request, reply, {
      ...(done && DONE[done] ? { notice: { kind: 'ok', text: DONE[done] } } : {}),
    });
  });

  app.post('/prenumerationer', { config: { access: 'viewer' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const added = await createSubscription(web, request.user as User, newSubscriptionFromForm(form));
      await audit(request, 'subscription.create', added.subscription);
      if (!added.feedUrl && !added.webhookSecret) {
        return reply.redirect('/prenumerationer?klart=sparad', 303);
      }
      // The feed address or signing secret exists only now: shown on this response, never again.
      return listPage(
        request,
        reply,
        {
          notice: { kind: 'ok', text: DONE.sparad! },
          secret: { feedUrl: added.feedUrl, webhookSecret: added.webhookSecret },
        },
        201,
      );
    } catch (error) {
      const notice = refusal(error);
      if (!notice) throw error;
      return listPage(request, reply, { form: typed(form, EMPTY_FORM), notice }, (error as ApiError).status);
    }
  });

  app.get('/prenumerationer/:id', { config: { access: 'viewer' } }, async (request, reply) =>
    editPage(request, reply, await ownedSubscription(web, request.user as User, idOf(request))),
  );

  app.post('/prenumerationer/:id', { config: { access: 'viewer' } }, async (request, reply) => {
    const user = request.user as User;
    const existing = await ownedSubscription(web, user, idOf(request));
    const form = (request.body ?? {}) as Form;
    try {
      const changed = await editSubscription(web, user, existing, patchFromForm(form));
      await audit(request, 'subscription.change', changed, existing);
      return reply.redirect('/prenumerationer?klart=andrad', 303);
    } catch (error) {
      const notice = refusal(error);
      if (!notice) throw error;
      return editPage(
        request,
        reply,
        existing,
        { form: typed(form, formValuesOf(existing)), notice },
        (error as ApiError).status,
      );
    }
  });

  app.post('/prenumerationer/:id/paus', { config: { access: 'viewer' } }, async (request, reply) => {
    const user = request.user as User;
    const existing = await ownedSubscription(web, user, idOf(request));
    const paused = (request.body as Form | undefined)?.paused === '1';
    const changed = await editSubscription(web, user, existing, { paused });
    await audit(request, 'subscription.change', changed, existing);
    return reply.redirect(`/prenumerationer?klart=${paused ? 'pausad' : 'aterupptagen'}`, 303);
  });

  app.post('/prenumerationer/:id/ta-bort', { config: { access: 'viewer' } }, async (request, reply) => {
    const existing = await ownedSubscription(web, request.user as User, idOf(request));
    await deleteSubscription(db, existing.id);
    await audit(request, 'subscription.delete', existing, existing);
    return reply.redirect('/prenumerationer?klart=borttagen', 303);
  });
}
