import { describe, expect, it } from 'vitest';
import { errorKindOf, HorisontError } from './errors.js';

describe('errorKindOf', () => {
  it.each([
    ['our own error', new HorisontError('server-error', 'fetch: HTTP 503'), 'server-error'],
    ['a deadlock (40P01)', Object.assign(new Error('deadlock detected'), { code: '40P01' }), 'db-conflict'],
    [
      'a serialisation failure (40001)',
      Object.assign(new Error('could not serialize'), { code: '40001' }),
      'db-conflict',
    ],
    [
      'too many connections (53300)',
      Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
      'db-unavailable',
    ],
    [
      'a refused socket',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      'db-unavailable',
    ],
    [
      'PostgreSQL out of disk (53100)',
      Object.assign(new Error('could not extend file'), { code: '53100' }),
      'disk-full',
    ],
    [
      'a full file system',
      Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }),
      'disk-full',
    ],
    [
      'a quota reached',
      Object.assign(new Error('EDQUOT: disk quota exceeded'), { code: 'EDQUOT' }),
      'disk-full',
    ],
    ['anything else', new Error('boom'), 'internal'],
  ])('%s', (_name, error, kind) => {
    expect(errorKindOf(error)).toBe(kind);
  });
});
