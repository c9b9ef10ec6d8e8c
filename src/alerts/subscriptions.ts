import { createHash, randomBytes } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import type { z } from 'zod';
import { HorisontError } from '../domain/errors.js';
import type { Db } from '../store/db.js';
import { insertSubscription, updateSubscription } from '../store/alerts.js';
import type { SubscriptionRow } from '../store/alerts.js';
import { CHANNELS, SubscriptionFilter, isEmailChannel } from '../domain/alert-filter.js';
import type { Channel } from '../domain/alert-filter.js';
import { assertWebhookUrlAllowed, newWebhookSecret } from './webhook.js';

/** A subscription that cannot be saved; the message is Swedish and names the problem. */
export class SubscriptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubscriptionError';
  }
}

/**
 * A bare address only: no display name, comments, quotes or lists, so nothing in it can be read
 * as a second recipient or a header (the address parser CVEs of the last years all needed those).
 */
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function isValidEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

export function hashFeedToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface NewSubscriptionInput {
  name: string;
  ownerName: string;
  ownerEmail?: string | undefined;
  channel: Channel;
  filter: unknown;
  webhookUrl?: string | undefined;
  /** The workbench account making it; absent from the CLI. */
  ownerUserId?: string | undefined;
}

export interface AddedSubscription {
  subscription: SubscriptionRow;
  /** Atom: the secret feed URL, shown once (only its hash is stored). */
  feedUrl?: string;
  /** Webhook: the signing secret, for the receiver. */
  webhookSecret?: string;
}

export interface SaveOptions {
  publicOrigin: string;
  /** `host[:port]` entries that may be private (test receivers); empty in production. */
  allowPrivate: readonly string[];
  lookup?: LookupFunction;
}

function filterError(error: z.ZodError): SubscriptionError {
  return new SubscriptionError(
    `Ogiltigt filter: ${error.issues.map((i) => `${i.path.join('.') || 'filter'}: ${i.message}`).join('; ')}`,
  );
}

/** The rules every subscription obeys, whether made or changed, from the CLI or the workbench. */
function validated(input: {
  name: string;
  ownerEmail?: string | undefined;
  channel: Channel;
  filter: unknown;
}): { name: string; email: string | null; filter: SubscriptionFilter } {
  const name = input.name.trim();
  if (name.length < 1 || name.length > 200) throw new SubscriptionError('Namnet måste vara 1–200 tecken.');
  if (!CHANNELS.includes(input.channel)) throw new SubscriptionError(`Okänd kanal: ${String(input.channel)}`);
  const parsed = SubscriptionFilter.safeParse(input.filter ?? {});
  if (!parsed.success) throw filterError(parsed.error);
  const email = input.ownerEmail?.trim() || null;
  if (email !== null && !isValidEmail(email)) throw new SubscriptionError('Ogiltig e-postadress.');
  if (isEmailChannel(input.channel) && email === null) {
    throw new SubscriptionError('E-postkanaler kräver en e-postadress (--email).');
  }
  return { name, email, filter: parsed.data };
}

/** Validates and saves a subscription; a webhook URL is checked against the SSRF policy first. */
export async function addSubscription(
  db: Db,
  input: NewSubscriptionInput,
  options: SaveOptions,
): Promise<AddedSubscription> {
  const ownerName = input.ownerName.trim();
  const { name, email, filter } = validated(input);
  if (ownerName.length < 1 || ownerName.length > 200) {
    throw new SubscriptionError('Ägarens namn måste vara 1–200 tecken.');
  }

  let webhookUrl: string | null = null;
  let webhookSecret: string | null = null;
  if (input.channel === 'webhook') {
    if (!input.webhookUrl) throw new SubscriptionError('Webhook kräver en URL (--webhook-url).');
    try {
      webhookUrl = (await assertWebhookUrlAllowed(input.webhookUrl, options.allowPrivate, options.lookup))
        .href;
    } catch (error) {
      const kind = error instanceof HorisontError ? error.kind : 'internal';
      throw new SubscriptionError(
        kind === 'ssrf-blocked'
          ? 'Webhook-adressen avvisas: den pekar på en privat eller lokal adress, eller är inte https.'
          : `Webhook-adressen avvisas (${kind}).`,
      );
    }
    webhookSecret = newWebhookSecret();
  }

  let feedToken: string | undefined;
  if (input.channel === 'atom') feedToken = randomBytes(32).toString('base64url');

  const subscription = await insertSubscription(db, {
    name,
    ownerName,
    ownerEmail: email,
    filter,
    channel: input.channel,
    webhookUrl,
    webhookSecret,
    feedTokenHash: feedToken === undefined ? null : hashFeedToken(feedToken),
    unsubscribeToken: randomBytes(24).toString('base64url'),
    ownerUserId: input.ownerUserId,
  });
  return {
    subscription,
    ...(feedToken === undefined ? {} : { feedUrl: `${options.publicOrigin}/feeds/${feedToken}.atom` }),
    ...(webhookSecret === null ? {} : { webhookSecret }),
  };
}

/**
 * Changes a subscription's name, address, filter or pause under the same rules as when it was
 * made. The channel is kept: a new channel means a new feed token or webhook secret, which is a
 * new subscription.
 */
export async function changeSubscription(
  db: Db,
  existing: SubscriptionRow,
  change: { name: string; ownerEmail?: string | undefined; filter: unknown; paused: boolean },
): Promise<SubscriptionRow> {
  const { name, email, filter } = validated({ ...change, channel: existing.channel });
  const updated = await updateSubscription(db, existing.id, {
    name,
    ownerEmail: email,
    filter,
    paused: change.paused,
  });
  if (!updated) throw new SubscriptionError('Prenumerationen finns inte längre.');
  return updated;
}
