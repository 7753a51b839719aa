/**
 * Form tools post their own JSON shapes. Each adapter here turns one into the flat field list that
 * every other submission uses, so the rest of capture never knows which tool sent a lead. Their values keep
 * their JSON types until `readJsonEntries`, so a tool's field gets the same type rules as a plain JSON body.
 */
import { readJsonEntries, type JsonFields } from './submission.ts';

type Fields = Array<[string, unknown]>;
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;

/** HubSpot Forms API v3: `{ fields: [{ name, value }], context: { pageUri, pageName } }`. */
function hubspot(body: Json): Fields | undefined {
  if (!Array.isArray(body.fields) || !body.fields.every((f) => isObject(f) && typeof f.name === 'string')) return undefined;
  const fields: Fields = (body.fields as Json[]).map((f) => [f.name as string, f.value]);
  if (isObject(body.context)) {
    const pageUri = text(body.context.pageUri);
    if (pageUri) fields.push(['pageUrl', pageUri]);
    const pageName = text(body.context.pageName);
    if (pageName) fields.push(['pageName', pageName]);
  }
  if (isObject(body.legalConsentOptions) && isObject(body.legalConsentOptions.consent)) {
    const consent = body.legalConsentOptions.consent.consentToProcess;
    if (typeof consent === 'boolean') fields.push(['consent', String(consent)]);
  }
  return fields;
}

/** Typeform `form_response` webhook: answers typed by field, titled in `definition.fields`. */
function typeform(body: Json): Fields | undefined {
  const response = body.form_response;
  if (body.event_type !== 'form_response' || !isObject(response) || !Array.isArray(response.answers)) return undefined;
  const titles = new Map<string, string>();
  if (isObject(response.definition) && Array.isArray(response.definition.fields)) {
    for (const field of response.definition.fields) {
      if (isObject(field) && typeof field.id === 'string' && typeof field.title === 'string') titles.set(field.id, field.title);
    }
  }
  const fields: Fields = [];
  for (const answer of response.answers) {
    if (!isObject(answer) || !isObject(answer.field)) continue;
    const value = typeformAnswerValue(answer);
    if (value === undefined) continue;
    const ref = typeof answer.field.ref === 'string' ? answer.field.ref : undefined;
    const title = typeof answer.field.id === 'string' ? titles.get(answer.field.id) : undefined;
    if (answer.type === 'email') fields.push(['email', value]);
    else if (answer.type === 'phone_number') fields.push(['phone', value]);
    else fields.push([ref ?? title ?? String(answer.field.id), value]);
  }
  if (isObject(response.hidden)) {
    fields.push(...Object.entries(response.hidden));
  }
  return fields;
}

function typeformAnswerValue(answer: Json): string | undefined {
  const type = typeof answer.type === 'string' ? answer.type : '';
  if (type === 'choice' && isObject(answer.choice)) return text(answer.choice.label) ?? text(answer.choice.other);
  if (type === 'choices' && isObject(answer.choices) && Array.isArray(answer.choices.labels)) return answer.choices.labels.map(String).join(', ');
  return text(answer[type]);
}

/** Webflow v2 `form_submission` webhook: `{ triggerType, payload: { name, data: { … } } }`. */
function webflow(body: Json): Fields | undefined {
  if (body.triggerType !== 'form_submission' || !isObject(body.payload) || !isObject(body.payload.data)) return undefined;
  return Object.entries(body.payload.data);
}

/** The flat fields of a known vendor payload, or undefined for a plain JSON object of fields. */
export function fieldsFromVendorPayload(body: unknown): JsonFields | undefined {
  if (!isObject(body)) return undefined;
  const fields = webflow(body) ?? typeform(body) ?? hubspot(body);
  return fields && readJsonEntries(fields);
}
