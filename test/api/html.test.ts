import { describe, expect, it } from 'vitest';
import { externalLink } from '../../src/api/html.js';
import { html, safeHttpUrl } from '../../src/text/html.js';
import { isoDate, swedishDate, swedishDateTime } from '../../src/api/format.js';
import { reportDocument, reportSection } from '../../src/api/views/report.js';
import { shippedSourceLabels } from '../helpers/shipped-config.js';

describe('the template helper escapes by default', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['"><img src=x onerror=alert(1)>', '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'],
    ["' onmouseover='x", '&#39; onmouseover=&#39;x'],
    // Only an unquoted attribute could end at these, and the template never writes one.
    ['`${x}` a=b', '`${x}` a=b'],
  ])('%s', (input, expected) => {
    expect(html`<p title="${input}">${input}</p>`.value).toBe(`<p title="${expected}">${expected}</p>`);
  });

  it('nested fragments pass through once, arrays are joined, empty values vanish', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`${inner}${['<a>', inner]}${null}${undefined}${false}${0}`.value).toBe(
      '<b>&lt;i&gt;</b>&lt;a&gt;<b>&lt;i&gt;</b>0',
    );
  });

  it.each([
    ['https://www.sbu.se/a?b=1', 'https://www.sbu.se/a?b=1'],
    ['http://example.se', 'http://example.se/'],
    ['javascript:alert(1)', undefined],
    [' JavaScript:alert(1)', undefined],
    ['data:text/html,<script>', undefined],
    ['file:///etc/passwd', undefined],
    ['//evil.example', undefined],
    ['https://user:pw@example.se', undefined],
    ['', undefined],
  ])('only http(s) URLs become links: %s', (input, expected) => {
    expect(safeHttpUrl(input)).toBe(expected);
    const link = externalLink(input, 'länk').value;
    if (expected) expect(link).toContain('rel="noopener noreferrer"');
    else expect(link).not.toContain('href');
  });
});

describe('dates', () => {
  it('Swedish long form and ISO, in Stockholm time', () => {
    expect(swedishDate('2026-03-12')).toBe('12 mars 2026');
    expect(isoDate('2026-03-12')).toBe('2026-03-12');
    // 23:30 UTC on 31 December is already New Year in Stockholm.
    expect(swedishDate(new Date('2025-12-31T23:30:00Z'))).toBe('1 januari 2026');
    expect(isoDate(new Date('2025-12-31T23:30:00Z'))).toBe('2026-01-01');
    expect(swedishDateTime(new Date('2026-07-01T07:05:00Z'))).toBe('1 juli 2026 kl. 09:05');
    expect(swedishDate('inte ett datum')).toBe('');
  });
});

describe('a report stored in an older format', () => {
  const older = {
    version: 1,
    markdown: '# Rubrik\n\n- [E2](javascript:alert(1))\n\n<script>alert(1)</script>',
    json: { schemaVersion: 1 },
  };

  it('is shown as the Markdown it was written in, as text', () => {
    const section = reportSection(older, shippedSourceLabels).value;
    expect(section).toContain('<pre class="markdown"># Rubrik');
    expect(section).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(section).not.toContain('<script>');
    expect(section).not.toContain('href=');
    const page = reportDocument(older, 'Namn <b>', 'nonce-1', shippedSourceLabels);
    expect(page).toContain('<h1>Tidig bedömningsrapport: Namn &lt;b&gt;</h1>');
    expect(page).toContain('<style nonce="nonce-1">');
    expect(page).not.toContain('<script>');
  });
});
