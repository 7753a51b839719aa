import type { Config } from '../config/schema.ts';
import { readEnv } from '../config/env.ts';
import * as z from 'zod/mini';
import { sesClient } from './aws-clients.ts';
import { SesMailer } from './mailer.ts';

/** The SES mailer for the configured sender; SES_CONFIGURATION_SET routes bounces and complaints when set. */
export function mailerFromEnv(config: Config, env: NodeJS.ProcessEnv = process.env): SesMailer {
  const { SES_CONFIGURATION_SET } = readEnv({ SES_CONFIGURATION_SET: z.optional(z.string()) }, env);
  return new SesMailer(sesClient(), { sender: config.sender, senderName: `${config.organisation.name} · Handoff`, configurationSet: SES_CONFIGURATION_SET || undefined });
}
