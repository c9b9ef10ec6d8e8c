/** The one error shape of the API: `{ error: { code, message, details? } }`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export const ERROR_CODES = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  method_not_allowed: 405,
  version_conflict: 409,
  invalid_transition: 409,
  already_exists: 409,
  request_id_reused: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal: 500,
  not_implemented: 501,
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_CODES[code];
  }

  body(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

/** Swedish messages shown to people; `message` in the JSON body is Swedish too. */
export const MESSAGES = {
  unauthenticated: 'Du behöver logga in.',
  forbidden: 'Din roll har inte behörighet till detta.',
  csrf: 'Formuläret kunde inte verifieras (CSRF-skydd). Ladda om sidan och försök igen.',
  notFound: 'Sidan eller resursen finns inte.',
  internal: 'Ett oväntat fel inträffade. Felet är loggat.',
  conflict:
    'Kandidaten har ändrats sedan du öppnade sidan. Ditt beslut sparades inte; se det aktuella läget och försök igen.',
  invalidTransition: 'Åtgärden går inte att utföra i kandidatens nuvarande läge.',
  merged:
    'Kandidaten har slagits ihop med en annan kandidat sedan du öppnade sidan. Ditt beslut sparades inte; fatta det på den sammanslagna kandidatens sida.',
  requestIdReused: 'Förfrågans id (client_request_id) har redan använts för en annan åtgärd.',
  nul: 'Förfrågan innehåller ett otillåtet tecken (NUL-tecken). Ta bort det och försök igen.',
} as const;
