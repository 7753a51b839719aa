import { Stack } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { ConfigurationSet, EmailIdentity, EmailSendingEvent, EventDestination, Identity } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { MailerBinding } from '../handoff-function.ts';

export interface MailProps {
  sender: string;
  /** Encrypts the feedback topic; its key policy must let SES use it. */
  topicKey: IKey;
  /** The internal addresses Handoff mails (reps, managers, report recipients); see `identityArns`. */
  internalRecipients: readonly string[];
}

/**
 * SES sending for Handoff. The identity is the sender's email address, not its domain: verifying an address
 * needs one click on the email SES sends, while a domain needs DNS records the deployer may not control.
 * Teams that own the domain can verify it in SES as well; sending permission stays on this address.
 */
export class Mail extends Construct implements MailerBinding {
  readonly sender: string;
  readonly identityArns: string[];
  readonly identity: EmailIdentity;
  readonly configurationSet: ConfigurationSet;
  /** Bounce and complaint notifications from SES. */
  readonly feedbackTopic: Topic;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    this.sender = props.sender;
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', { reputationMetrics: true });
    // Also the identity's default, so a send that forgets the configuration set still reports its bounces.
    this.identity = new EmailIdentity(this, 'SenderIdentity', {
      identity: Identity.email(props.sender),
      configurationSet: this.configurationSet,
    });
    this.feedbackTopic = new Topic(this, 'FeedbackTopic', { masterKey: props.topicKey, enforceSSL: true });
    this.configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: EventDestination.snsTopic(this.feedbackTopic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });

    const identityArn = (name: string) => Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: name });
    const senderDomain = props.sender.slice(props.sender.lastIndexOf('@') + 1);
    // SES authorizes a send against the verified identity it matched, which is the domain once a team verifies it.
    // In the sandbox it also authorizes every recipient's identity; outside it those extra named ARNs grant nothing.
    this.identityArns = [
      this.identity.emailIdentityArn,
      identityArn(senderDomain),
      ...[...new Set(props.internalRecipients)].map(identityArn),
    ];
  }
}
