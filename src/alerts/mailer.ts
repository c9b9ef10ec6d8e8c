import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import type { AlertConfig } from './config.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** `<alert-{id}@horisont>`: the same for every retry, so mail clients collapse duplicates. */
  messageId: string;
  unsubscribeUrl: string;
}

export interface MailSender {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** Why a send failed, without the server's reply text (it can quote the recipient's address). */
export function mailErrorKind(error: unknown): string {
  const e = error as { code?: unknown; responseCode?: unknown };
  const code = typeof e.code === 'string' ? e.code : 'unknown';
  return typeof e.responseCode === 'number' ? `smtp ${e.responseCode} ${code}` : `smtp ${code}`;
}

function message(from: string, mail: OutgoingMail): SendMailOptions {
  return {
    from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    // RFC 2369; no List-Unsubscribe-Post: the unsubscribe page asks for a confirmation.
    list: { unsubscribe: mail.unsubscribeUrl },
    headers: { 'auto-submitted': 'auto-generated', 'x-auto-response-suppress': 'All' },
  };
}

/**
 * SMTP when `HORISONT_SMTP_URL` is set; otherwise, for the demo, each message as an `.eml` file
 * named after its Message-ID (a resend overwrites the same file). Undefined: no e-mail channel.
 */
export function createMailSender(config: AlertConfig): MailSender | undefined {
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl, {});
    const options = transport.options as Record<string, unknown>;
    // A hung server must not hold a delivery's lease for long.
    options.connectionTimeout ??= 15_000;
    options.greetingTimeout ??= 15_000;
    options.socketTimeout ??= 30_000;
    return {
      async send(mail) {
        // Resolves only after the server's 250 for the message.
        await transport.sendMail(message(config.from, mail));
      },
      close: () => transport.close(),
    };
  }
  if (config.mailboxDir) {
    const dir = config.mailboxDir;
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    return {
      async send(mail) {
        const info = await transport.sendMail(message(config.from, mail));
        await mkdir(dir, { recursive: true });
        const file = mail.messageId.replace(/[<>]/g, '').replace(/[^A-Za-z0-9._-]/g, '_');
        await writeFile(path.join(dir, `${file}.eml`), info.message as Buffer);
      },
      close: () => transport.close(),
    };
  }
  return undefined;
}
