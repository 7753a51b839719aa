/**
 * Source attribution: which form, channel and campaign a lead counts under. The owner alert, the sales report's
 * source line and the marketing report's breakdowns all read it from here, so the two teams see the same thing.
 * Kept apart from enrich.ts so the nightly report doesn't load enrichment's domain lists.
 */
import type { FormConfig } from '../config/schema.ts';
import type { AdClickParameter, SourceAttribution, Submission, Tracking } from './lead.ts';

export function cleanSpaces(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function referrerHostOf(referrer: string | undefined): string | undefined {
  if (!referrer) return undefined;
  try {
    return new URL(referrer).hostname.replace(/^www\./, '') || undefined;
  } catch {
    return undefined;
  }
}

/** A referrer on the form's own site says nothing about where the visitor came from. */
function isOwnSite(host: string, allowedOrigins: readonly string[]): boolean {
  return allowedOrigins.some((origin) => referrerHostOf(origin) === host);
}

/** The channel of a lead that came with no UTM source, form-tool lead source or outside referrer. */
export const DIRECT_CHANNEL = '(direct)';

/**
 * The channel an ad network's click id stands for, as its network's own UTM tagging would name it (Google Ads'
 * auto-tagging is "google / cpc" in Google Analytics). Meta adds fbclid to organic posts' links as well as ads'.
 */
export const AD_CLICK_CHANNELS: Record<AdClickParameter, string> = {
  gclid: 'google / cpc', gbraid: 'google / cpc', wbraid: 'google / cpc', msclkid: 'bing / cpc',
  fbclid: 'facebook / social', li_fat_id: 'linkedin / paid', ttclid: 'tiktok / paid',
};

/** What channelOf needs of a form. */
export type ChannelForm = Pick<FormConfig, 'kind' | 'event' | 'allowedOrigins'>;

/**
 * Where the visitor came from, as the marketing report groups it: "utm_source / utm_medium", else an ad click id's
 * network ("google / cpc" for a gclid), else for an event form
 * "event: <event name>" (a badge scan or booth entry came from the event, not from a website visit that sent no
 * UTMs), else a form tool's lead source, else "via <referrer host>", else DIRECT_CHANNEL.
 * Exported so leads enriched before the channel was stored are grouped by this same rule.
 */
export function channelOf(tracking: Tracking, form: ChannelForm): string {
  const utmSource = cleanSpaces(tracking.utm.source ?? '');
  if (utmSource) return [utmSource, cleanSpaces(tracking.utm.medium ?? '')].filter(Boolean).join(' / ');
  // Auto-tagged ads carry a click id and no UTM: without this they would pass for their referrer ("via google.com"), organic.
  if (tracking.adClick) return AD_CLICK_CHANNELS[tracking.adClick.parameter];
  const eventChannel = eventChannelOf(form);
  if (eventChannel) return eventChannel;
  const leadSource = cleanSpaces(tracking.leadSource ?? '');
  if (leadSource) return leadSource;
  const referrerHost = referrerHostOf(tracking.referrer);
  return referrerHost && !isOwnSite(referrerHost, form.allowedOrigins) ? `via ${referrerHost}` : DIRECT_CHANNEL;
}

function eventChannelOf(form: ChannelForm): string | undefined {
  return form.kind === 'event' && form.event ? `event: ${form.event.name}` : undefined;
}

/** The campaign a lead counts under in the label and both reports: the UTM campaign it came with, else its form's. */
export function campaignOf(source: Pick<SourceAttribution, 'campaign' | 'utmCampaign'>): string {
  return source.utmCampaign ?? source.campaign;
}

export function attributeSource(submission: Pick<Submission, 'tracking'>, form: FormConfig): SourceAttribution {
  const { utm, referrer } = submission.tracking;
  const channel = channelOf(submission.tracking, form);
  const source: SourceAttribution = { formId: form.id, formName: form.name, formKind: form.kind, campaign: form.campaign, channel, label: '' };
  if (form.event) source.event = form.event.name;
  const utmSource = cleanSpaces(utm.source ?? '') || undefined;
  const utmMedium = cleanSpaces(utm.medium ?? '') || undefined;
  const utmCampaign = cleanSpaces(utm.campaign ?? '') || undefined;
  if (utmSource) source.utmSource = utmSource;
  if (utmMedium) source.utmMedium = utmMedium;
  if (utmCampaign) source.utmCampaign = utmCampaign;
  const referrerHost = referrerHostOf(referrer);
  // The form's own page as referrer (every plain HTML post sends it) is not where the visitor came from.
  if (referrerHost && !isOwnSite(referrerHost, form.allowedOrigins)) source.referrerHost = referrerHost;

  // A direct visit adds nothing a reader needs on the one-line label, and an event channel only repeats the event.
  const visitorChannel = channel === DIRECT_CHANNEL || channel === eventChannelOf(form) ? undefined : channel;
  const parts = [form.name, visitorChannel, campaignOf(source), source.event].filter((part): part is string => Boolean(part));
  source.label = [...new Set(parts)].join(' · ');
  return source;
}
