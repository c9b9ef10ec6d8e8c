import { html, SafeHtml } from '../../text/html.js';
import type { HtmlValue } from '../../text/html.js';
import type { User } from '../../store/users.js';
import { roleAtLeast } from '../../store/users.js';
import { ROLE_LABELS } from '../format.js';

/**
 * Colours meet WCAG 2.2 AA contrast (4.5:1 for text, 3:1 for focus rings and borders that carry
 * meaning); focus is always visible; nothing depends on colour alone (badges carry words).
 */
const CSS = `
:root { --fg:#1b1f24; --muted:#4a5560; --bg:#fff; --line:#c9d1d9; --accent:#0b4f8a; --accent-bg:#e8f1fa;
  --high:#8a1c1c; --high-bg:#fdeaea; --mid:#7a4d00; --mid-bg:#fff4dc; --low:#2f5d34; --low-bg:#e9f5ea;
  --warn-bg:#fff4dc; --err-bg:#fdeaea; --ok-bg:#e9f5ea; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
a { color:var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible {
  outline:3px solid #1a73c8; outline-offset:2px; }
.skip { position:absolute; left:-9999px; top:0; background:#fff; padding:.5rem 1rem; z-index:10; }
.skip:focus { left:1rem; }
header.site { background:#14324f; color:#fff; padding:.5rem 1rem; display:flex; flex-wrap:wrap; align-items:center; gap:1rem; }
header.site a { color:#fff; }
header.site .brand { font-weight:700; font-size:1.15rem; text-decoration:none; margin-right:1rem; }
header.site nav ul { list-style:none; display:flex; flex-wrap:wrap; gap:1rem; margin:0; padding:0; }
header.site nav a[aria-current="page"] { text-decoration-thickness:3px; font-weight:600; }
header.site .who { margin-left:auto; display:flex; gap:.75rem; align-items:center; }
header.site .who button { background:transparent; color:#fff; border:1px solid #fff; border-radius:4px; padding:.2rem .6rem; cursor:pointer; }
main { padding:1rem 1.5rem 3rem; max-width:1200px; margin:0 auto; }
h1 { font-size:1.6rem; margin:.5rem 0 1rem; }
h2 { font-size:1.25rem; margin:2rem 0 .5rem; border-bottom:1px solid var(--line); padding-bottom:.25rem; }
h3 { font-size:1.05rem; margin:1.25rem 0 .25rem; }
table { border-collapse:collapse; width:100%; margin:.5rem 0 1rem; }
th, td { text-align:left; padding:.4rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#f3f5f7; font-weight:600; }
caption { text-align:left; font-weight:600; padding:.25rem 0; }
.muted { color:var(--muted); }
.num { text-align:right; font-variant-numeric:tabular-nums; }
.badge { display:inline-block; white-space:nowrap; border-radius:3px; padding:0 .4rem; font-size:.85rem; font-weight:600; border:1px solid currentColor; }
.band-hög { color:var(--high); background:var(--high-bg); }
.band-medel { color:var(--mid); background:var(--mid-bg); }
.band-låg { color:var(--low); background:var(--low-bg); }
.band-underlag { color:var(--muted, #555); background:transparent; border:1px dashed currentColor; }
.tabs { margin:.5rem 0 1rem; display:flex; gap:1rem; flex-wrap:wrap; }
.status-nominated { color:#0b4f8a; background:var(--accent-bg); }
.status-dismissed { color:#4a5560; background:#eef0f2; }
.status-open { color:#1b1f24; background:#fff; }
.health-broken, .health-failing, .run-broken, .run-failed { color:var(--high); background:var(--high-bg); }
.health-ok, .run-ok { color:var(--low); background:var(--low-bg); }
.health-unknown, .run-unchanged, .run-pending, .run-running { color:#4a5560; background:#eef0f2; }
form.filters { display:grid; grid-template-columns:repeat(auto-fill, minmax(190px, 1fr)); gap:.5rem 1rem; align-items:end;
  background:#f7f9fb; border:1px solid var(--line); padding:.75rem; border-radius:6px; }
form.filters .wide { grid-column: span 2; }
label { display:block; font-weight:600; font-size:.9rem; margin-bottom:.15rem; }
input[type=text], input[type=search], input[type=password], input[type=email], input[type=url], select, textarea {
  width:100%; padding:.35rem .45rem; font:inherit; border:1px solid #6b7681; border-radius:4px; background:#fff; color:var(--fg); }
textarea { min-height:4.5rem; }
fieldset { border:1px solid var(--line); border-radius:4px; padding:.4rem .75rem; margin:0; }
legend { font-weight:600; font-size:.9rem; }
label.check { display:inline-block; font-weight:400; margin-right:1rem; }
form.stack > * + * { margin-top:.75rem; }
td.row-actions { white-space:nowrap; }
td.row-actions form { display:inline; margin-left:.5rem; }
.key-facts { border:1px solid var(--line); border-radius:6px; padding:.75rem 1rem; background:#f7f9fb; margin:.75rem 0 1rem; }
.key-facts dl { display:grid; grid-template-columns:repeat(auto-fit, minmax(170px, 1fr)); gap:.5rem 1.5rem; margin:0; }
.key-facts dt { font-size:.85rem; color:var(--muted); font-weight:600; }
.key-facts dd { margin:0; }
.key-facts .routing { margin:.6rem 0 0; }
.key-facts .reasons { margin:.4rem 0 0; padding-left:1.2rem; }
details.section { border-bottom:1px solid var(--line); margin:.75rem 0; }
details.section > summary { cursor:pointer; padding:.25rem 0; }
details.section > summary h2 { display:inline; border:0; margin:0; padding:0; }
details.section[open] > summary { margin-bottom:.5rem; }
.account-actions { display:flex; flex-wrap:wrap; gap:.4rem; align-items:center; }
.account-actions form { display:flex; gap:.3rem; margin:0; }
.account-actions select { width:auto; }
.field-error { display:block; font-size:.85rem; color:var(--high); font-weight:600; }
input[aria-invalid="true"] { border-color:var(--high); border-width:2px; }
button, .button { font:inherit; padding:.4rem .9rem; border-radius:4px; border:1px solid var(--accent); background:var(--accent);
  color:#fff; cursor:pointer; text-decoration:none; display:inline-block; }
button.secondary, .button.secondary { background:#fff; color:var(--accent); }
button[disabled] { opacity:.6; cursor:progress; }
.actions { display:grid; grid-template-columns:repeat(auto-fill, minmax(260px, 1fr)); gap:1rem; }
.actions form, .panel { border:1px solid var(--line); border-radius:6px; padding:.75rem; background:#fbfcfd; }
.actions form > * + * { margin-top:.5rem; }
.notice { border-left:4px solid var(--accent); background:var(--accent-bg); padding:.6rem .9rem; margin:1rem 0; }
.notice.error { border-color:var(--high); background:var(--err-bg); }
.notice.ok { border-color:var(--low); background:var(--ok-bg); }
.notice.warn { border-color:var(--mid); background:var(--warn-bg); }
.pager { display:flex; gap:.75rem; align-items:center; margin:1rem 0; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:.25rem 1rem; margin:.5rem 0; }
dl.facts dt { font-weight:600; }
dl.facts dd { margin:0; }
ol.timeline { list-style:none; padding:0; margin:0; border-left:3px solid var(--line); }
ol.timeline li { padding:.35rem 0 .6rem 1rem; position:relative; }
ol.timeline li::before { content:""; position:absolute; left:-7px; top:.75rem; width:11px; height:11px; border-radius:50%; background:var(--accent); }
.criterion { border:1px solid var(--line); border-radius:6px; padding:.5rem .9rem; margin:.75rem 0; }
.criterion h3 { margin-top:.25rem; display:flex; justify-content:space-between; gap:1rem; }
.meter { display:inline-block; width:120px; height:.7rem; border:1px solid #6b7681; border-radius:3px; vertical-align:middle; background:#fff; }
.meter > span { display:block; height:100%; background:var(--accent); }
blockquote.snippet { margin:.25rem 0 .25rem 1rem; padding:.1rem .6rem; border-left:3px solid var(--line); color:#2f363d; }
.report { border:1px solid var(--line); border-radius:6px; padding:.5rem 1rem; }
.report dl.meta { display:grid; grid-template-columns:max-content 1fr; gap:.15rem 1rem; }
.report dl.meta dt { font-weight:600; }
.report dl.meta dd { margin:0; }
.report .note { border-left:4px solid var(--line); padding:.3rem .75rem; }
.report li.gap em { color:#7a3d00; }
.report .cite, .report .quotes { font-size:.92em; }
/* The source list links each title; the bare URL is for the printed file only. */
.report ol.sources .url { display:none; }
.report pre.markdown { white-space:pre-wrap; font:inherit; }
.not-a-link { color:var(--muted); }
.placeholder { border:2px dashed var(--line); border-radius:6px; padding:.75rem; color:var(--muted); }
${Array.from({ length: 11 }, (_, i) => `.meter > .w${i * 10} { width:${i * 10}%; }`).join('\n')}
.sr-only { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
`;

/**
 * Progressive enhancement only: every form works without it. A submitted form's button is
 * disabled so an impatient second click does not send it twice (the server would record it once
 * anyway, thanks to the client request id).
 */
const SCRIPT = `
document.addEventListener('submit', function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== 'post') return;
  setTimeout(function () {
    form.querySelectorAll('button[type=submit], button:not([type])').forEach(function (b) { b.disabled = true; });
    form.setAttribute('aria-busy', 'true');
  }, 0);
});
document.querySelectorAll('select[data-shows]').forEach(function (select) {
  var target = document.getElementById(select.getAttribute('data-shows'));
  var values = (select.getAttribute('data-shows-for') || '').split(' ');
  if (!target) return;
  var sync = function () { target.hidden = values.indexOf(select.value) === -1; };
  select.addEventListener('change', sync);
  sync();
});
`;

/**
 * The public pages are printed as records: no navigation or forms on paper, links spelled out,
 * nothing cut across pages that need not be.
 */
const PUBLIC_CSS = `
header.public { background:#14324f; color:#fff; padding:.75rem 1.5rem; }
header.public a { color:#fff; }
header.public .brand { font-weight:700; font-size:1.15rem; }
header.public p { margin:.25rem 0 0; }
footer.public { border-top:1px solid var(--line); padding:1rem 1.5rem; color:var(--muted); max-width:1200px; margin:0 auto; }
.case-card { border:1px solid var(--line); border-radius:6px; padding:.5rem 1rem; margin:1rem 0; break-inside:avoid; }
.case-card h2 { border:0; margin-top:.5rem; }
@media print {
  header.public, footer.public { background:#fff; color:#000; }
  header.public a, a { color:#000; }
  .skip, form.filters, .no-print, .pager { display:none !important; }
  main a[href^="http"]::after { content:" (" attr(href) ")"; font-size:.85em; word-break:break-all; }
  h2, h3 { break-after:avoid; }
  tr, .case-card { break-inside:avoid; }
  body { font-size:11pt; }
}
`;

// Module constants written here, never data: the only strings that bypass escaping.
const STYLE = new SafeHtml(CSS);
const PUBLIC_STYLE = new SafeHtml(PUBLIC_CSS);
const BEHAVIOUR = new SafeHtml(SCRIPT);

export type Section =
  'candidates' | 'cases' | 'audit' | 'sources' | 'subscriptions' | 'admin' | 'login' | 'none';

export interface LayoutInput {
  title: string;
  nonce: string;
  user: User | undefined;
  csrfToken?: string | undefined;
  section: Section;
  body: HtmlValue;
}

function navItem(href: string, label: string, current: boolean): SafeHtml {
  return html`<li><a href="${href}" ${current ? html` aria-current="page"` : ''}>${label}</a></li>`;
}

export function layout(input: LayoutInput): string {
  const { user } = input;
  const nav = user
    ? html`<nav aria-label="Huvudmeny">
          <ul>
            ${navItem('/kandidater', 'Kandidater', input.section === 'candidates')}
            ${navItem('/arendehantering', 'Ärenden', input.section === 'cases')}
            ${roleAtLeast(user.role, 'reviewer') ? navItem('/granskningslogg', 'Granskningslogg', input.section === 'audit') : ''}
            ${navItem('/kallor', 'Källor och körningar', input.section === 'sources')}
            ${navItem('/prenumerationer', 'Prenumerationer', input.section === 'subscriptions')}
            ${roleAtLeast(user.role, 'admin') ? navItem('/admin/anvandare', 'Användare', input.section === 'admin') : ''}
          </ul>
        </nav>
        <div class="who">
          <span>${user.displayName} (${ROLE_LABELS[user.role] ?? user.role})</span>
          <form method="post" action="/logga-ut">
            <input type="hidden" name="_csrf" value="${input.csrfToken ?? ''}" />
            <button type="submit">Logga ut</button>
          </form>
        </div>`
    : '';
  return `<!doctype html>\n${
    html`<html lang="sv">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${input.title} – Horisont</title>
        <style nonce="${input.nonce}">
          ${STYLE}
        </style>
      </head>
      <body>
        <a class="skip" href="#innehall">Hoppa till innehållet</a>
        <header class="site">
          <a class="brand" href="/kandidater">Horisont</a>
          ${nav}
        </header>
        <main id="innehall" tabindex="-1">${input.body}</main>
        <script nonce="${input.nonce}">
          ${BEHAVIOUR};
        </script>
      </body>
    </html>`.value
  }`;
}

/**
 * The shell of the public pages (the case list anyone may read): no account, no navigation into
 * the workbench, no script; printable.
 */
export function publicLayout(input: {
  title: string;
  nonce: string;
  body: HtmlValue;
  feeds: boolean;
}): string {
  return `<!doctype html>\n${
    html`<html lang="sv">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${input.title} – Horisont</title>
        ${
          input.feeds
            ? html`<link rel="alternate" type="application/atom+xml" title="Ärenden (Atom)" href="/arenden.atom" />
                <link rel="alternate" type="application/json" title="Ärenden (JSON)" href="/arenden.json" />`
            : ''
        }
        <style nonce="${input.nonce}">
          ${STYLE}
          ${PUBLIC_STYLE}
        </style>
      </head>
      <body>
        <a class="skip" href="#innehall">Hoppa till innehållet</a>
        <header class="public">
          <a class="brand" href="/arenden">Horisont – ärenden i nationellt ordnat införande</a>
          <p>MTP-rådets och NT-rådets ärenden: beslut om nationell samverkan, rekommendationer och uppföljning.</p>
        </header>
        <main id="innehall" tabindex="-1">${input.body}</main>
        <footer class="public">
          <p>
            Uppgifterna är offentliga. Samma lista finns som <a href="/arenden.json">JSON</a> och som
            <a href="/arenden.atom">Atom-flöde</a>.
          </p>
        </footer>
      </body>
    </html>`.value
  }`;
}
