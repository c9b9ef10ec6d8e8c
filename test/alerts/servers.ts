import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** Headers of the raw message, lower-cased names, unfolded. */
  headers: Map<string, string[]>;
  messageId: string;
  /** The Subject header, RFC 2047 encoded words decoded. */
  subject: string;
}

/** RFC 2047 encoded words (UTF-8, Q or B), as a mail client shows them. */
export function decodeMimeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-Fa-f]{2})|([^=])/g, (_x, hex: string | undefined, ch: string | undefined) =>
                hex ? String.fromCharCode(parseInt(hex, 16)) : ch!,
              ),
            'latin1',
          ).toString('utf8'),
    );
}

export function parseHeaders(raw: string): Map<string, string[]> {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const headers = new Map<string, string[]>();
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return headers;
}

/** A real SMTP server on loopback that can be told to refuse (temporary 451) and later accept. */
export interface SmtpSink {
  url: string;
  port: number;
  messages: ReceivedMail[];
  refused: number;
  mode: 'accept' | 'refuse';
  /** Recipients refused once each at RCPT TO with a 450 whose text quotes the address. */
  refuseRecipientOnce: string[];
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const sink = {
    messages: [] as ReceivedMail[],
    refused: 0,
    mode: 'accept' as 'accept' | 'refuse',
    refuseRecipientOnce: [] as string[],
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const at = sink.refuseRecipientOnce.indexOf(address.address);
      if (at === -1) return callback();
      sink.refuseRecipientOnce.splice(at, 1);
      sink.refused++;
      // As real servers do: the reply names the recipient, so it must never reach a log.
      callback(
        Object.assign(new Error(`<${address.address}>: mailbox temporarily unavailable`), {
          responseCode: 450,
        }),
      );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (sink.mode === 'refuse') {
          sink.refused++;
          const error = Object.assign(new Error('Try again later'), { responseCode: 451 });
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = parseHeaders(raw);
        sink.messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          headers,
          messageId: headers.get('message-id')?.[0] ?? '',
          subject: decodeMimeWords(headers.get('subject')?.[0] ?? ''),
        });
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return Object.assign(sink, {
    url: `smtp://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

export interface ReceivedHook {
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A real HTTP receiver on loopback; `statuses` are answered in order, then 200. */
export interface WebhookReceiver {
  url: string;
  host: string;
  requests: ReceivedHook[];
  statuses: number[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const receiver = { requests: [] as ReceivedHook[], statuses: [] as number[] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = receiver.statuses.shift() ?? 200;
      receiver.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'nej');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/horisont`,
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
