/** Stage queues, in pipeline order. No ':' in names: BullMQ uses it as its key separator. */
export const STAGES = ['scan', 'fetch', 'parse', 'resolve', 'score', 'report'] as const;
export type Stage = (typeof STAGES)[number];

/** The public queue other systems consume; its payload is documented in docs/nomination-queue.md. */
export const NOMINATION_QUEUE = 'nominations';

/** Job ids must not contain ':' and must not be integers. */
export function jobId(...parts: Array<string | number>): string {
  return parts.map((part) => String(part).replace(/[^A-Za-z0-9_.-]/g, '_')).join('-');
}
