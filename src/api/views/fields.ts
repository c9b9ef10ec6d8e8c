import { html } from '../../text/html.js';
import type { SafeHtml } from '../../text/html.js';

/**
 * A date field in the Swedish ISO form. Deliberately `type=text`: a `type=date` field shows and
 * parses dates in the browser's locale (`03/12/2024` in an English browser), so what a person
 * types would mean different days on different machines. No `pattern` either: the browser would
 * refuse the form with a message in its own language. The server validates
 * (src/api/service.ts) and its Swedish message is shown under the field.
 */
export function dateField(input: {
  id: string;
  /** The field's name when it differs from its id (several forms on one page). */
  name?: string;
  label: string;
  value: string | undefined;
  error?: string | undefined;
}): SafeHtml {
  const { id, error } = input;
  return html`<div>
    <label for="${id}">${input.label} <span class="muted">(ÅÅÅÅ-MM-DD)</span></label>
    <input
      type="text"
      id="${id}"
      name="${input.name ?? id}"
      value="${input.value ?? ''}"
      inputmode="numeric"
      autocomplete="off"
      maxlength="40"
      placeholder="ÅÅÅÅ-MM-DD"
      ${error ? html` aria-invalid="true" aria-describedby="${id}-fel"` : ''}
    />
    ${error ? html`<span id="${id}-fel" class="field-error">${error}</span>` : ''}
  </div>`;
}
