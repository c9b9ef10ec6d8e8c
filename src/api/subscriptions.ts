import { z } from 'zod';
import type { WebContext } from './context.js';
import { ApiError } from './errors.js';
import { parseOrThrow } from './service.js';
import type { User } from '../store/users.js';
import { roleAtLeast } from '../store/users.js';
import { getSubscription, listSubscriptions } from '../store/alerts.js';
import type { SubscriptionRow } from '../store/alerts.js';
import { ADMIN_EVENT_KINDS, CHANNELS, describeFilter } from '../domain/alert-filter.js';
import { SubscriptionError, addSubscription, changeSubscription } from '../alerts/subscriptions.js';
import type { AddedSubscription } from '../alerts/subscriptions.js';
import { alertConfigFromEnv } from '../alerts/config.js';
import { allowPrivateHosts } from '../app/build.js';
import { parseEnv } from '../env.js';
import type { FormFilter } from './views/subscriptions.js';

/**
 * Subscriptions in the workbench: everyone manages their own, admins everyone's. Making and
 * changing one goes through the same code (and validation) as `horisont subscriptions add`.
 * Another person's subscription is "not found" for a non-admin, not "forbidden": its existence
 * is nobody else's business.
 */

/** A subscription as the API shows it: never the webhook secret, feed token or unsubscribe token. */
export function subscriptionJson(s: SubscriptionRow) {
  return {
    id: s.id,
    name: s.name,
    ownerName: s.owner_name,
    ownerEmail: s.owner_email,
    ownerUserId: s.owner_user_id,
    channel: s.channel,
    webhookUrl: s.webhook_url,
    filter: s.filter,
    description: describeFilter(s.filter),
    paused: s.paused_at !== null,
    pausedAt: s.paused_at?.toISOString() ?? null,
    createdAt: s.created_at.toISOString(),
    updatedAt: s.updated_at.toISOString(),
  };
}

export const NewSubscriptionBody = z.object({
  name: z.string().max(1000),
  channel: z.enum(CHANNELS),
  ownerEmail: z.string().max(1000).optional(),
  webhookUrl: z.string().max(4096).optional(),
  filter: z.unknown().default({}),
});

export const SubscriptionPatch = z.object({
  name: z.string().max(1000).optional(),
  ownerEmail: z.string().max(1000).nullable().optional(),
  filter: z.unknown().optional(),
  paused: z.boolean().optional(),
});

const isAdmin = (user: User): boolean => roleAtLeast(user.role, 'admin');

export async function visibleSubscriptions(web: WebContext, user: User): Promise<SubscriptionRow[]> {
  return listSubscriptions(web.app.db, isAdmin(user) ? undefined : user.id);
}

export async function ownedSubscription(web: WebContext, user: User, id: string): Promise<SubscriptionRow> {
  const row = z.uuid().safeParse(id).success ? await getSubscription(web.app.db, id) : undefined;
  if (!row || (!isAdmin(user) && row.owner_user_id !== user.id)) {
    throw new ApiError('not_found', 'Prenumerationen finns inte.');
  }
  return row;
}

/** Operator events (a source broke, a run failed) are for the people who run Horisont. */
function assertEventsAllowed(user: User, filter: unknown): void {
  const events = (filter as { events?: unknown } | null)?.events;
  if (
    !isAdmin(user) &&
    Array.isArray(events) &&
    events.some((e) => (ADMIN_EVENT_KINDS as readonly unknown[]).includes(e))
  ) {
    throw new ApiError(
      'forbidden',
      'Driftshändelser (källa trasig, körning misslyckades) kan bara prenumereras av administratörer.',
    );
  }
}

function asValidation(error: unknown): never {
  if (error instanceof SubscriptionError) {
    throw new ApiError('validation_failed', error.message, [{ path: '', message: error.message }]);
  }
  throw error;
}

export async function createSubscription(
  web: WebContext,
  user: User,
  body: z.infer<typeof NewSubscriptionBody>,
): Promise<AddedSubscription> {
  assertEventsAllowed(user, body.filter);
  try {
    const added = await addSubscription(
      web.app.db,
      {
        name: body.name,
        ownerName: user.displayName,
        ownerEmail: body.ownerEmail,
        channel: body.channel,
        webhookUrl: body.webhookUrl,
        filter: body.filter,
        ownerUserId: user.id,
      },
      {
        publicOrigin: web.options.publicOrigin ?? alertConfigFromEnv().publicOrigin,
        allowPrivate: allowPrivateHosts(parseEnv()),
      },
    );
    web.log.info(
      { subscription_id: added.subscription.id, user_id: user.id },
      'workbench: subscription added',
    );
    return added;
  } catch (error) {
    return asValidation(error);
  }
}

export async function editSubscription(
  web: WebContext,
  user: User,
  existing: SubscriptionRow,
  patch: z.infer<typeof SubscriptionPatch>,
): Promise<SubscriptionRow> {
  if (patch.filter !== undefined) assertEventsAllowed(user, patch.filter);
  try {
    const changed = await changeSubscription(web.app.db, existing, {
      name: patch.name ?? existing.name,
      ownerEmail:
        patch.ownerEmail === undefined
          ? (existing.owner_email ?? undefined)
          : (patch.ownerEmail ?? undefined),
      filter: patch.filter ?? existing.filter,
      paused: patch.paused ?? existing.paused_at !== null,
    });
    web.log.info({ subscription_id: existing.id, user_id: user.id }, 'workbench: subscription changed');
    return changed;
  } catch (error) {
    return asValidation(error);
  }
}

// --- the HTML forms ---------------------------------------------------------------------------

type Form = Record<string, string | string[] | undefined>;

const many = (form: Form, key: string): string[] => {
  const value = form[`${key}[]`];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
};
const one = (form: Form, key: string): string | undefined => {
  const value = form[key];
  return typeof value === 'string' ? value : undefined;
};
const words = (value: string | undefined): string[] =>
  (value ?? '')
    .split(/[,;\n]/)
    .map((v) => v.trim())
    .filter(Boolean);

/** The form's fields as the filter the alerts code validates. */
export function filterFromForm(form: Form): FormFilter {
  const minBand = one(form, 'min_band');
  return {
    npo: many(form, 'npo'),
    keywords: words(one(form, 'keywords')),
    emdn: words(one(form, 'emdn')),
    council: many(form, 'council'),
    ...(minBand ? { minBand } : {}),
    sources: many(form, 'sources'),
    cases: words(one(form, 'cases')),
    events: many(form, 'events'),
  };
}

export function newSubscriptionFromForm(form: Form): z.infer<typeof NewSubscriptionBody> {
  return parseOrThrow(NewSubscriptionBody, {
    name: one(form, 'name') ?? '',
    channel: one(form, 'channel'),
    ownerEmail: one(form, 'owner_email'),
    webhookUrl: one(form, 'webhook_url') || undefined,
    filter: filterFromForm(form),
  });
}

export function patchFromForm(form: Form): z.infer<typeof SubscriptionPatch> {
  return {
    name: one(form, 'name') ?? '',
    ownerEmail: one(form, 'owner_email') ?? null,
    filter: filterFromForm(form),
    paused: one(form, 'paused') === '1',
  };
}
