import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RegionDirectory } from './directory.ts';
import { MessageLedger } from './ledger.ts';
import type { ReadPlan, SubmissionReads } from './reads.ts';
import { Registrations } from './registrations.ts';

export type { NewRegistration } from './registrations.ts';

/** What use cases need of the message ledger (claims, outcomes, the sweeper's marks). */
export type Ledger = Pick<
  MessageLedger,
  | 'claimMessage'
  | 'getMessage'
  | 'saveMessage'
  | 'reopenHeld'
  | 'listMessages'
  | 'rawMailSwept'
  | 'markRawMailSwept'
  | 'putOnce'
  | 'outcomeAction'
  | 'takeSend'
  | 'saveMessageWith'
>;

/** What use cases need of the registrations (markers, quota counters and class versions kept whole). */
export type RegistrationStore = Pick<
  Registrations,
  | 'claimClass'
  | 'classVersion'
  | 'listRegion'
  | 'listClass'
  | 'register'
  | 'update'
  | 'withdraw'
  | 'quotaUsed'
  | 'writeSubmission'
> & { readSubmission(plan: ReadPlan): Promise<SubmissionReads> };

/** What use cases need of the region directory (contacts, the sender index, submission marks). */
export type Directory = Pick<
  RegionDirectory,
  | 'addContact'
  | 'getContacts'
  | 'senderRegion'
  | 'setContacts'
  | 'markSubmitted'
  | 'submitted'
  | 'contactsActions'
  | 'markAction'
>;

/**
 * All DynamoDB access of lingjun for the year, in one object for the handlers to pass around: the message
 * ledger, the registrations and the region directory, each its own module over the one table.
 */
export class Registry implements Ledger, RegistrationStore, Directory {
  readonly ledger: MessageLedger;
  readonly registrations: Registrations;
  readonly directory: RegionDirectory;

  constructor(
    db: DynamoDBDocumentClient,
    table: string,
    readonly year: number,
  ) {
    this.ledger = new MessageLedger(db, table, year);
    this.registrations = new Registrations(db, table, year);
    this.directory = new RegionDirectory(db, table, year);
  }

  readonly claimMessage: MessageLedger['claimMessage'] = (...a) => this.ledger.claimMessage(...a);
  readonly getMessage: MessageLedger['getMessage'] = (...a) => this.ledger.getMessage(...a);
  readonly saveMessage: MessageLedger['saveMessage'] = (...a) => this.ledger.saveMessage(...a);
  readonly reopenHeld: MessageLedger['reopenHeld'] = (...a) => this.ledger.reopenHeld(...a);
  readonly listMessages: MessageLedger['listMessages'] = (...a) => this.ledger.listMessages(...a);
  readonly rawMailSwept: MessageLedger['rawMailSwept'] = (...a) => this.ledger.rawMailSwept(...a);
  readonly markRawMailSwept: MessageLedger['markRawMailSwept'] = (...a) => this.ledger.markRawMailSwept(...a);
  readonly putOnce: MessageLedger['putOnce'] = (...a) => this.ledger.putOnce(...a);
  readonly outcomeAction: MessageLedger['outcomeAction'] = (...a) => this.ledger.outcomeAction(...a);
  readonly takeSend: MessageLedger['takeSend'] = (...a) => this.ledger.takeSend(...a);
  readonly saveMessageWith: MessageLedger['saveMessageWith'] = (...a) => this.ledger.saveMessageWith(...a);

  readonly claimClass: Registrations['claimClass'] = (...a) => this.registrations.claimClass(...a);
  readonly classVersion: Registrations['classVersion'] = (...a) => this.registrations.classVersion(...a);
  readonly listRegion: Registrations['listRegion'] = (...a) => this.registrations.listRegion(...a);
  readonly listClass: Registrations['listClass'] = (...a) => this.registrations.listClass(...a);
  readonly register: Registrations['register'] = (...a) => this.registrations.register(...a);
  readonly update: Registrations['update'] = (...a) => this.registrations.update(...a);
  readonly withdraw: Registrations['withdraw'] = (...a) => this.registrations.withdraw(...a);
  readonly quotaUsed: Registrations['quotaUsed'] = (...a) => this.registrations.quotaUsed(...a);
  readonly writeSubmission: Registrations['writeSubmission'] = (...a) =>
    this.registrations.writeSubmission(...a);
  /** One Query and one BatchGetItem for a submission's decisions (see reads.ts). */
  readonly readSubmission = (plan: ReadPlan): Promise<SubmissionReads> =>
    this.registrations.readSubmission(plan, this.directory);

  readonly addContact: RegionDirectory['addContact'] = (...a) => this.directory.addContact(...a);
  readonly getContacts: RegionDirectory['getContacts'] = (...a) => this.directory.getContacts(...a);
  readonly senderRegion: RegionDirectory['senderRegion'] = (...a) => this.directory.senderRegion(...a);
  readonly setContacts: RegionDirectory['setContacts'] = (...a) => this.directory.setContacts(...a);
  readonly markSubmitted: RegionDirectory['markSubmitted'] = (...a) => this.directory.markSubmitted(...a);
  readonly submitted: RegionDirectory['submitted'] = (...a) => this.directory.submitted(...a);
  readonly contactsActions: RegionDirectory['contactsActions'] = (...a) =>
    this.directory.contactsActions(...a);
  readonly markAction: RegionDirectory['markAction'] = (...a) => this.directory.markAction(...a);
}
