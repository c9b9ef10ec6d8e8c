import { InvalidArgumentError } from 'commander';

/** Argument parsers shared by the commands; their messages are Swedish, as the help is. */

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('väntade ett positivt heltal');
  return n;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A parser for an id written as a uuid; `what` names it in the message ("kandidatens id"). */
export function uuidArg(what: string): (value: string) => string {
  return (value) => {
    if (!UUID.test(value)) throw new InvalidArgumentError(`${what} är ett uuid`);
    return value.toLowerCase();
  };
}
