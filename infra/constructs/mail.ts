import type { IKey } from 'aws-cdk-lib/aws-kms';
import { ConfigurationSet, EmailIdentity, EmailSendingEvent, EventDestination, Identity } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface MailProps {
  sender: string;
  /** Encrypts the feedback topic; its key policy must let SES use it. */
  topicKey: IKey;
}

/**
 * SES sending for Handoff. The identity is the sender's email address, not its domain: verifying an address
 * needs one click on the email SES sends, while a domain needs DNS records the deployer may not control.
 * Teams that own the domain can verify it in SES as well; sending permission stays on this address.
 */
export class Mail extends Construct {
  readonly identity: EmailIdentity;
  readonly configurationSet: ConfigurationSet;
  /** Bounce and complaint notifications from SES. */
  readonly feedbackTopic: Topic;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
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
  }
}
