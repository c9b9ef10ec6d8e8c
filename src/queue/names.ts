import { Queue } from 'bullmq';
/** Stage queues, in pipeline order. No ':' in names: BullMQ uses it as its key separator. */
export const STAGES = ['scan', 'fetch', 'parse', 'resolve', 'score', 'report'] as const;
export type Stage = (typeof STAGES)[number];

/** The public queue other systems consume; its payload is documented in docs/nomination-queue.md. */
export const NOMINATION_QUEUE = 'nominations';

/** Job ids must not contain ':' and must not be integers. */
export function jobId(...parts: Array<string | number>): string {
  return parts.map((part) => String(part).replace(/[^A-Za-z0-9_.-]/g, '_')).join('-');
}

/** Removes every pipeline and nomination queue under a prefix: a world of its own starts empty. */
export async function obliterateQueues(redisUrl: string, prefix: string): Promise<void> {
  await Promise.all(
    [...STAGES, NOMINATION_QUEUE].map(async (name) => {
      const queue = new Queue(name, { connection: { url: redisUrl }, prefix });
      try {
        await queue.obliterate({ force: true });
      } finally {
        await queue.close();
      }
    }),
  );
}
