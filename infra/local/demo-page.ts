/**
 * Local-only pages that exercise the API like real visitors do: a website form posted the old-fashioned
 * way (urlencoded, with the honeypot and load-time fields) and an event form posted as JSON by script.
 */
import { type Config, requiredContactOf } from '../../shared/config/schema.ts';
import { isLoopbackUrl } from '../loopback.ts';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const styles = `
  :root { color-scheme: light; --ink: #1d2430; --muted: #5b6576; --line: #d9dee7; --accent: #2456d6; --bg: #f5f7fb; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
  main { max-width: 1040px; margin: 0 auto; padding: 2.5rem 1.25rem 4rem; }
  h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
  .lead { color: var(--muted); margin: 0 0 2rem; }
  .forms { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1.5rem; align-items: start; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 1.5rem; }
  h2 { font-size: 1.15rem; margin: 0; }
  .hint { color: var(--muted); font-size: .9rem; margin: .25rem 0 1.25rem; }
  .row { display: grid; grid-template-columns: 1fr 1fr; gap: .75rem; }
  label { display: block; font-size: .85rem; font-weight: 600; margin-bottom: .75rem; }
  input, textarea { display: block; width: 100%; margin-top: .3rem; padding: .55rem .65rem; font: inherit; font-weight: 400;
    border: 1px solid var(--line); border-radius: 8px; background: #fff; }
  input:focus, textarea:focus { outline: 2px solid var(--accent); outline-offset: -1px; border-color: transparent; }
  textarea { min-height: 6rem; resize: vertical; }
  button { font: inherit; font-weight: 600; color: #fff; background: var(--accent); border: 0; border-radius: 8px; padding: .65rem 1.25rem; cursor: pointer; }
  button:hover { filter: brightness(1.1); }
  .trap { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
  output { display: block; margin-top: 1rem; }
  output pre { margin: .35rem 0 0; padding: .75rem; background: var(--bg); border-radius: 8px; white-space: pre-wrap; word-break: break-word; font-size: .85rem; }
  .ok { color: #17803d; } .failed { color: #b42318; }
  footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; }
`;

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${styles}</style>
</head>
<body><main>${content}</main></body>
</html>`;
}

function field(name: string, label: string, type = 'text', attributes = ''): string {
  return `<label>${label}<input name="${name}" type="${type}" ${attributes}></label>`;
}

export function demoPages(config: Config): Record<string, string> {
  const websiteForm = config.forms.find((form) => form.kind === 'website');
  const eventForm = config.forms.find((form) => form.kind === 'event');
  // "No email, call him" is a booth lead too, where the form takes a phone instead.
  const phoneWillDo = eventForm !== undefined && requiredContactOf(eventForm) === 'email-or-phone';

  const websiteSection = websiteForm
    ? `<section>
  <h2>${escapeHtml(websiteForm.name)}</h2>
  <p class="hint">A plain HTML form: urlencoded POST to <code>/forms/${escapeHtml(websiteForm.id)}</code>, then the API redirects.</p>
  <form method="post" action="/forms/${encodeURIComponent(websiteForm.id)}">
    <div class="row">${field('firstName', 'First name', 'text', 'required autocomplete="given-name"')}${field('lastName', 'Last name', 'text', 'required autocomplete="family-name"')}</div>
    ${field('email', 'Work email', 'email', 'required autocomplete="email"')}
    <div class="row">${field('company', 'Company', 'text', 'autocomplete="organization"')}${field('jobTitle', 'Job title', 'text', 'autocomplete="organization-title"')}</div>
    <div class="row">${field('phone', 'Phone', 'tel', 'autocomplete="tel"')}${field('country', 'Country (e.g. DE)', 'text', 'maxlength="2" autocomplete="country"')}</div>
    <label>Message<textarea name="message"></textarea></label>
    <div class="trap" aria-hidden="true"><label>Leave this empty<input name="_gotcha" tabindex="-1" autocomplete="off"></label></div>
    <input type="hidden" name="_loadedAt" value="">
    <button type="submit">Request a demo</button>
  </form>
</section>`
    : '<section><h2>No website form</h2><p class="hint">Add a form with kind "website" to the config to try it here.</p></section>';

  const eventSection = eventForm
    ? `<section>
  <h2>${escapeHtml(eventForm.name)}</h2>
  <p class="hint">The booth tablet: JSON POST by script to <code>/forms/${escapeHtml(eventForm.id)}</code>, answer shown below.</p>
  <form id="event-form" data-action="/forms/${encodeURIComponent(eventForm.id)}">
    ${field('name', 'Name', 'text', 'required autocomplete="name"')}
    ${phoneWillDo
      ? field('email', 'Email (or a phone below)', 'email', 'autocomplete="email"')
      : field('email', 'Email', 'email', 'required autocomplete="email"')}
    <div class="row">${field('company', 'Company', 'text', 'autocomplete="organization"')}${field('jobTitle', 'Job title', 'text', 'autocomplete="organization-title"')}</div>
    ${field('phone', 'Phone', 'tel', 'autocomplete="tel"')}
    <label>Notes<textarea name="notes"></textarea></label>
    <button type="submit">Save lead</button>
    <output aria-live="polite"></output>
  </form>
</section>`
    : '<section><h2>No event form</h2><p class="hint">Add a form with kind "event" to the config to try it here.</p></section>';

  const script = `<script>
  for (const input of document.querySelectorAll('input[name="_loadedAt"]')) input.value = String(Date.now());
  const eventForm = document.getElementById('event-form');
  if (eventForm) eventForm.addEventListener('submit', async (submitEvent) => {
    submitEvent.preventDefault();
    const output = eventForm.querySelector('output');
    const payload = Object.fromEntries(new FormData(eventForm));
    output.textContent = 'Sending…';
    try {
      const response = await fetch(eventForm.dataset.action, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
      const text = await response.text();
      output.innerHTML = '';
      const status = document.createElement('strong');
      status.className = response.ok ? 'ok' : 'failed';
      status.textContent = response.status + ' ' + response.statusText;
      const body = document.createElement('pre');
      try { body.textContent = JSON.stringify(JSON.parse(text), null, 2); } catch { body.textContent = text; }
      output.append(status, body);
      if (response.ok) eventForm.reset();
    } catch (error) {
      output.innerHTML = '<strong class="failed">The API did not answer.</strong>';
    }
  });
</script>`;

  const home = page(
    `${config.organisation.name}: Handoff demo`,
    `<h1>${escapeHtml(config.organisation.name)}</h1>
<p class="lead">Local demo of the Handoff forms. Leads land in DynamoDB Local; alert emails appear in the local mailbox.</p>
<div class="forms">${websiteSection}${eventSection}</div>
<footer>Served by the local stack only (infra/local/demo-page.ts); in AWS these forms live on the website and the booth tablet.</footer>
${script}`,
  );
  const thanks = page(
    'Thank you',
    `<h1>Thank you!</h1>
<p class="lead">We received your request and someone from ${escapeHtml(config.organisation.name)} will be in touch soon.</p>
<p><a href="/">Back to the demo forms</a></p>`,
  );
  return { '/': home, '/thanks': thanks };
}

/**
 * What in the config still names another local address than the one the API listens on (say PORT was
 * changed): each line says what breaks. A newcomer otherwise sees the demo forms answer 403 with no clue why.
 * Addresses on real sites (a redirect to https://example.com/thanks) are the config's business, not ours.
 */
export function localAddressMismatches(config: Config, apiUrl: string): string[] {
  const apiOrigin = new URL(apiUrl).origin;
  const isOtherLocal = (url: string) => {
    return new URL(url).origin !== apiOrigin && isLoopbackUrl(url);
  };
  const lines: string[] = [];
  if (isOtherLocal(config.publicBaseUrl)) lines.push(`publicBaseUrl is ${config.publicBaseUrl}, so the links in emails point there`);
  for (const form of config.forms) {
    if (!form.allowedOrigins.includes(apiOrigin) && form.allowedOrigins.some(isOtherLocal)) {
      lines.push(`form "${form.id}" accepts posts only from ${form.allowedOrigins.join(', ')}, so the demo page's posts to it are refused (403)`);
    }
    if (isOtherLocal(form.redirectUrl)) lines.push(`form "${form.id}" sends browsers on to ${form.redirectUrl} after a post`);
  }
  return lines;
}
