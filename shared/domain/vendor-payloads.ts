/**
 * Form tools post their own JSON shapes. Each adapter here turns one into the flat field list that
 * every other submission uses, so the rest of capture never knows which tool sent a lead. Their values keep
 * their JSON types until `readJsonEntries`, so a tool's field gets the same type rules as a plain JSON body.
 */
import { fieldRoleOf, readJsonEntries, type JsonFields } from './submission.ts';

type Fields = Array<[string, unknown]>;
/** A vendor's fields, and the id it gives the submission, which names it across the vendor's retries. */
interface VendorFields {
  fields: Fields;
  deliveryId?: string;
}
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;

/** HubSpot object types other than the contact (0-1) a form field can fill: its value describes that object, not the person. */
const HUBSPOT_OBJECTS: Record<string, string> = { '0-2': 'Company', '0-3': 'Deal', '0-5': 'Ticket' };

/** HubSpot Forms API v3: `{ fields: [{ objectTypeId, name, value }], context: { pageUri, pageName } }`. */
function hubspot(body: Json): VendorFields | undefined {
  if (!Array.isArray(body.fields) || !body.fields.every((f) => isObject(f) && typeof f.name === 'string')) return undefined;
  const fields: Fields = (body.fields as Json[]).map((f) => {
    const name = f.name as string;
    const objectType = typeof f.objectTypeId === 'string' ? f.objectTypeId : '0-1';
    if (objectType === '0-1') return [name, f.value];
    // A company's name is the lead's company; its other properties (phone, domain, size) are answers about it.
    if (objectType === '0-2' && name === 'name') return ['company', f.value];
    return [`${HUBSPOT_OBJECTS[objectType] ?? `HubSpot object ${objectType}`} ${name}`, f.value];
  });
  if (isObject(body.context)) {
    const pageUri = text(body.context.pageUri);
    if (pageUri) fields.push(['pageUrl', pageUri]);
    const pageName = text(body.context.pageName);
    if (pageName) fields.push(['pageName', pageName]);
  }
  if (isObject(body.legalConsentOptions) && isObject(body.legalConsentOptions.consent)) {
    const { consentToProcess, communications } = body.legalConsentOptions.consent;
    if (typeof consentToProcess === 'boolean') fields.push(['consent', String(consentToProcess)]);
    // Each subscription the person ticked or not ("I agree to receive marketing communications"): whether marketing
    // may email them, under the wording they agreed to.
    for (const communication of Array.isArray(communications) ? communications.filter(isObject) : []) {
      if (typeof communication.value !== 'boolean') continue;
      const wording = text(communication.text);
      // Named with a prefix, so that a wording such as "Company" or "_gotcha" never reads as that field.
      fields.push([`Subscription: ${wording ? answerLabel(wording) : `HubSpot type ${text(communication.subscriptionTypeId) ?? '?'}`}`, communication.value ? 'yes' : 'no']);
    }
  }
  return { fields };
}

const CONTACT_ROLES = new Set(['email', 'firstName', 'lastName', 'name', 'company', 'phone', 'jobTitle', 'message', 'country']);
/**
 * Words a question starts with before it names what it asks for: "What is your first name?", "Please enter your
 * phone number", "Und Ihr Nachname?", "Wie lautet Ihr Vorname?", "Bei welchem Unternehmen arbeiten Sie?".
 */
const QUESTION_LEAD_IN = new Set([
  'what', 'whats', 'which', 'is', 'are', 'your', 'please', 'enter', 'type', 'give', 'provide', 'tell', 'us', 'may', 'we', 'have', 'can', 'i', 'the', 'a', 'and',
  'und', 'wie', 'lautet', 'ist', 'ihr', 'ihre', 'ihren', 'dein', 'deine', 'deinen', 'bitte', 'geben', 'sie', 'bei', 'welchem', 'welcher', 'welche', 'welches',
]);
/** Words a question ends with after it: "Which company do you work for?", "Bei welchem Unternehmen arbeiten Sie?". */
const QUESTION_TRAIL = new Set(['do', 'you', 'work', 'for', 'at', 'arbeiten', 'arbeitest', 'sie', 'du', 'bitte']);

/**
 * The contact field a question's title or ref names ("What is your first name?", "company_name"), if any: what is
 * left once the question's lead-in and trailing words are gone must be a field name on its own, so "How big is your
 * company?" stays a question.
 */
function contactFieldNamedBy(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const words = label.toLowerCase().replace(/['’]s\b/g, '').replace(/\(optional\)|\{\{[^}]*\}\}/g, ' ').split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  while (words.length > 1 && QUESTION_LEAD_IN.has(words[0]!)) words.shift();
  while (words.length > 1 && QUESTION_TRAIL.has(words.at(-1)!)) words.pop();
  const role = fieldRoleOf(words.join(' '));
  return role && CONTACT_ROLES.has(role) ? role : undefined;
}

const MAX_LABEL = 100;

/** A question's title as an answer's name: recall placeholders ({{answer_…}}) left out, long titles cut at a word. */
function answerLabel(title: string): string {
  const label = title.replace(/\{\{[^}]*\}\}/g, '…').replace(/\s+/g, ' ').trim();
  if (label.length <= MAX_LABEL) return label;
  const cut = label.slice(0, MAX_LABEL - 1);
  return `${cut.slice(0, cut.lastIndexOf(' ') > MAX_LABEL / 2 ? cut.lastIndexOf(' ') : cut.length).replace(/[\s,;:.]+$/, '')}…`;
}

/** One answered question of a form tool that names its questions by title (Typeform, Tally). */
interface Question {
  value: string;
  title?: string;
  /** The tool's own name for the question (Typeform's ref), which may name a contact field too. */
  ref?: string;
  id: string;
  /** The contact field the tool's own answer type says it is (an email or a phone question). */
  knownAs?: 'email' | 'phone';
  /** A long free-text answer: the message, when no question is called that. */
  freeText: boolean;
}

/**
 * Contact fields by the answer's type, or by a ref or title that names one ("First name", "What is your company's
 * name?"); the first free-text answer that names nothing else is the message; every other answer is kept under its
 * question's title, which is what the rep can read (refs are often generated ids).
 */
function fieldsFromQuestions(questions: readonly Question[]): Fields {
  const entries = questions.map((question) => {
    const named = question.knownAs ?? contactFieldNamedBy(question.ref) ?? contactFieldNamedBy(question.title);
    return { name: named ?? (question.title ? answerLabel(question.title) : question.ref ?? question.id), value: question.value, freeText: question.freeText && !named };
  });
  if (!entries.some((entry) => entry.name === 'message')) {
    const freeText = entries.find((entry) => entry.freeText);
    if (freeText) freeText.name = 'message';
  }
  return entries.map(({ name, value }) => [name, value]);
}

/** Typeform `form_response` webhook. Answers name their field by id; `definition.fields` gives each its title and ref. */
function typeform(body: Json): VendorFields | undefined {
  const response = body.form_response;
  if (body.event_type !== 'form_response' || !isObject(response) || !Array.isArray(response.answers)) return undefined;
  const definitions = new Map<string, Json>();
  if (isObject(response.definition) && Array.isArray(response.definition.fields)) {
    for (const field of response.definition.fields) if (isObject(field) && typeof field.id === 'string') definitions.set(field.id, field);
  }
  const questions: Question[] = [];
  let legalConsent: boolean | undefined;
  for (const answer of response.answers) {
    if (!isObject(answer) || !isObject(answer.field)) continue;
    const value = typeformAnswerValue(answer);
    if (value === undefined) continue;
    const id = String(answer.field.id);
    const definition = definitions.get(id);
    const ref = typeof answer.field.ref === 'string' ? answer.field.ref : typeof definition?.ref === 'string' ? definition.ref : undefined;
    const title = typeof definition?.title === 'string' ? definition.title : undefined;
    const fieldType = answer.field.type ?? definition?.type;
    // A "legal" question (accept the privacy terms) is the consent HubSpot sends as consentToProcess.
    if (fieldType === 'legal' && typeof answer.boolean === 'boolean') legalConsent ??= answer.boolean;
    questions.push({
      value, title, ref, id,
      knownAs: answer.type === 'email' ? 'email' : answer.type === 'phone_number' ? 'phone' : undefined,
      freeText: fieldType === 'long_text',
    });
  }
  const fields = fieldsFromQuestions(questions);
  if (legalConsent !== undefined) fields.push(['consent', String(legalConsent)]);
  if (isObject(response.hidden)) fields.push(...Object.entries(response.hidden));
  // The response token names the submission across Typeform's retries; the event id names one delivery.
  const deliveryId = text(response.token) ?? text(body.event_id);
  return { fields, ...(deliveryId ? { deliveryId: `typeform:${deliveryId}` } : {}) };
}

function typeformAnswerValue(answer: Json): string | undefined {
  const type = typeof answer.type === 'string' ? answer.type : '';
  if (type === 'choice' && isObject(answer.choice)) return text(answer.choice.label) ?? text(answer.choice.other);
  if (type === 'choices' && isObject(answer.choices)) {
    const labels = Array.isArray(answer.choices.labels) ? answer.choices.labels.map(String) : [];
    const other = text(answer.choices.other);
    return [...labels, ...(other ? [other] : [])].join(', ') || undefined;
  }
  return text(answer[type]);
}

/** Tally `FORM_RESPONSE` webhook: `{ eventType, data: { responseId, formName, fields: [{ key, label, type, value, options }] } }`. */
function tally(body: Json): VendorFields | undefined {
  const data = body.data;
  if (body.eventType !== 'FORM_RESPONSE' || !isObject(data) || !Array.isArray(data.fields)) return undefined;
  const questions: Question[] = [];
  for (const field of data.fields) {
    if (!isObject(field)) continue;
    const type = text(field.type) ?? '';
    // A checkbox group also arrives as one true/false field per option ("Interests (API)"); the group itself says it all.
    if (typeof field.value === 'boolean' && type === 'CHECKBOXES') continue;
    const value = tallyValue(field);
    if (value === undefined) continue;
    questions.push({
      value, title: text(field.label), id: text(field.key) ?? 'answer',
      knownAs: type === 'INPUT_EMAIL' ? 'email' : type === 'INPUT_PHONE_NUMBER' ? 'phone' : undefined,
      freeText: type === 'TEXTAREA',
    });
  }
  const fields = fieldsFromQuestions(questions);
  const formName = text(data.formName);
  if (formName) fields.push(['Tally form', formName]);
  const deliveryId = text(data.responseId) ?? text(data.submissionId) ?? text(body.eventId);
  return { fields, ...(deliveryId ? { deliveryId: `tally:${deliveryId}` } : {}) };
}

/**
 * Choice answers arrive as option ids, and the option's text is what the person chose; a file upload as files
 * (name and address); a matrix as rows, each with its chosen columns.
 */
function tallyValue(field: Json): string | undefined {
  const optionText = textsById(field.options);
  const rowText = textsById(field.rows);
  const columnText = textsById(field.columns);
  const chosen = (ids: unknown[], names: Map<unknown, string | undefined>) => ids.map((id) => names.get(id) ?? text(id)).filter((choice): choice is string => choice !== undefined);
  if (Array.isArray(field.value)) {
    const parts = field.value.flatMap((item) => (isObject(item) ? [[text(item.name), text(item.url)].filter(Boolean).join(' ')] : chosen([item], optionText)));
    return parts.filter(Boolean).join(', ') || undefined;
  }
  if (isObject(field.value)) {
    const rows = Object.entries(field.value).map(([row, columns]) => `${rowText.get(row) ?? row}: ${chosen(Array.isArray(columns) ? columns : [columns], columnText).join(', ')}`);
    return rows.join('; ') || undefined;
  }
  return text(field.value);
}

/** Tally's `[{ id, text }]` lists (options, matrix rows and columns) as text by id. */
function textsById(list: unknown): Map<unknown, string | undefined> {
  return new Map((Array.isArray(list) ? list : []).filter(isObject).map((entry) => [entry.id, text(entry.text)]));
}

/** Webflow v2 `form_submission` webhook: `{ triggerType, payload: { name, id, data: { … } } }`. */
function webflow(body: Json): VendorFields | undefined {
  if (body.triggerType !== 'form_submission' || !isObject(body.payload) || !isObject(body.payload.data)) return undefined;
  const fields: Fields = Object.entries(body.payload.data);
  // One site's forms may all post to one Handoff form: the Webflow form's name tells them apart.
  const formName = text(body.payload.name);
  if (formName) fields.push(['Webflow form', formName]);
  const deliveryId = text(body.payload.id);
  return { fields, ...(deliveryId ? { deliveryId: `webflow:${deliveryId}` } : {}) };
}

/**
 * The flat fields of a known vendor payload, or undefined for a plain JSON object of fields. `deliveryId` is the
 * vendor's own id for the submission: capture uses it as the idempotency key, so a retry hours later is no new lead.
 */
export function fieldsFromVendorPayload(body: unknown): (JsonFields & { deliveryId?: string }) | undefined {
  if (!isObject(body)) return undefined;
  const vendor = webflow(body) ?? typeform(body) ?? tally(body) ?? hubspot(body);
  return vendor && { ...readJsonEntries(vendor.fields), ...(vendor.deliveryId ? { deliveryId: vendor.deliveryId } : {}) };
}
