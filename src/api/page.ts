import type { FastifyReply, FastifyRequest } from 'fastify';
import { layout } from './views/layout.js';

// Apart from app.ts, which registers the route files, so that they can send pages without
// importing it back.

/** Renders a full HTML page with the request's nonce. */
export function sendPage(
  reply: FastifyReply,
  request: FastifyRequest,
  input: {
    title: string;
    section: Parameters<typeof layout>[0]['section'];
    body: Parameters<typeof layout>[0]['body'];
  },
  status = 200,
): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(
      layout({
        ...input,
        nonce: request.nonce,
        user: request.user,
        csrfToken: request.session?.csrfToken,
      }),
    );
}
