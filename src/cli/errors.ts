/**
 * An id or name on the command line that names nothing (a candidate, case, hold, subscription,
 * run, source or account): the command exits 2, as for any other argument it cannot act on, so
 * a script never takes an empty answer about a mistyped id for "nothing there".
 */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}
