import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo, Server, Socket } from 'node:net';

// hoodiecrow-imap is CommonJS without type declarations; these are the parts of it used here.
const require = createRequire(import.meta.url);
const hoodiecrow = require('hoodiecrow-imap') as (options: Record<string, unknown>) => HoodiecrowServer;

/** A mailbox folder inside hoodiecrow. */
export interface HoodiecrowFolder {
  uidvalidity: number;
  uidnext: number;
  messages: { uid: number; raw: string; internaldate: string; flags: string[] }[];
}

/** The hoodiecrow server object (an IMAP4rev1 server holding its mailbox in memory). */
export interface HoodiecrowServer {
  server: Server;
  listen(port: number, host: string, callback: () => void): void;
  getMailbox(path: string): HoodiecrowFolder | undefined;
  appendMessage(folder: string, flags: string[], internaldate: Date | string, raw: string): unknown;
  setCommandHandler(command: string, handler: CommandHandler): void;
  getCommandHandler(command: string): CommandHandler;
}

/** A hoodiecrow command handler: (connection, parsed command, raw data, done). */
export type CommandHandler = (
  connection: { send(response: unknown, description: string, parsed: unknown, data: unknown): void },
  parsed: { tag: string; command: string; attributes?: { value?: unknown }[] | null },
  data: unknown,
  callback: () => void,
) => void;

/** A running local IMAP server holding the program mailbox. */
export interface LocalImap {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The hoodiecrow server, for tests that change the mailbox under the client (UIDVALIDITY, expunge). */
  server: HoodiecrowServer;
  /** Puts a message into a folder as the organisation's server would on delivery. */
  deliver(raw: Buffer | string, receivedAt?: Date, folder?: string): void;
  /** Number of messages in a folder. */
  count(folder?: string): number;
  stop(): Promise<void>;
}

/**
 * Extensions the poller relies on: ID (NetEase/Coremail want it before SELECT), MOVE and UIDPLUS (move by UID),
 * SPECIAL-USE (finding the Sent folder), UNSELECT and LITERAL+ as real servers offer them.
 */
const PLUGINS = ['ID', 'MOVE', 'UIDPLUS', 'SPECIAL-USE', 'UNSELECT', 'LITERALPLUS', 'ENABLE', 'IDLE'];

/**
 * Starts a real IMAP server (hoodiecrow, from imapflow's author) on loopback for the program mailbox, with
 * INBOX, Processed and Sent. Its mailbox lives in memory, as the local stack's other services do without a
 * state folder. The password is random unless given.
 */
export async function startImap(
  opts: { port?: number; user?: string; password?: string } = {},
): Promise<LocalImap> {
  const user = opts.user ?? 'jiayue';
  const password = opts.password ?? randomBytes(9).toString('base64url');
  const server = hoodiecrow({
    plugins: PLUGINS,
    id: { name: 'lingjun local IMAP (hoodiecrow)' },
    users: { [user]: { password } },
    storage: {
      INBOX: { messages: [] },
      '': {
        separator: '/',
        folders: { Processed: {}, Sent: { 'special-use': '\\Sent' } },
      },
    },
  });
  const sockets = new Set<Socket>();
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const folderOf = (path: string) => {
    const folder = server.getMailbox(path);
    if (!folder) throw new Error(`no folder ${path} in the local IMAP server`);
    return folder;
  };
  return {
    host: '127.0.0.1',
    port: (server.server.address() as AddressInfo).port,
    user,
    password,
    server,
    deliver(raw, receivedAt = new Date(), folder = 'INBOX') {
      // hoodiecrow keeps messages as binary strings: one char per byte, so 8-bit mail survives the round trip.
      const text = typeof raw === 'string' ? raw : raw.toString('latin1');
      server.appendMessage(folderOf(folder) as never, [], receivedAt, text);
    },
    count(folder = 'INBOX') {
      return folderOf(folder).messages.length;
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
