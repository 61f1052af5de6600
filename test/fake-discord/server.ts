import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A fake Discord for end-to-end tests: the REST API and the gateway on 127.0.0.1 (random port), enough
 * for the real discord.js Client to log in (`rest: { api: fake.apiBaseUrl }`), receive interactions and
 * answer them. Every REST request is recorded so a test can await "the reply to interaction X".
 * Like Discord, it refuses a second acknowledgement and edits before any acknowledgement.
 */

export interface RecordedRequest {
  method: string;
  /** Decoded path without the query, e.g. `/api/v10/webhooks/1/tok/messages/@original`. */
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  // JSON bodies are whatever the bot sent; tests look into them freely.
  body: any;
  status: number;
  /** The interaction this request answers, when it answers one. */
  interactionId?: string;
}

export interface Reply {
  interactionId: string;
  /** The accepted interaction callback: type 4 message, 5 deferred message, 6 deferred update, 7 update, 9 modal. */
  callback: { type: number; data?: any };
  /** What the user finally sees: the callback's message, the edit of the deferred reply, or the first follow-up. */
  message: any;
  via: 'callback' | 'edit' | 'followup';
  ephemeral: boolean;
  /** Every request made for this interaction so far, in order (429s included). */
  requests: RecordedRequest[];
}

export interface Actor {
  /** Default: a new user for every interaction. */
  userId?: string;
  locale?: string;
  /** Member permission bits (decimal string); default all but Administrator and Manage Server. */
  permissions?: string;
  /** The channel the interaction comes from: a thread the bot started (see `threads`), or the guild's text channel by default. */
  channelId?: string;
}

/** A thread started from a message (POST /channels/{channel}/messages/{message}/threads). */
export interface FakeThread {
  id: string;
  parentId: string;
  messageId: string;
  name: string;
  /** Messages the bot posted in it, oldest first. */
  messages: any[];
}

/** A file a member attached to a slash command; its bytes are served at `url` by the fake. */
export interface FakeAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
}

type OptionValue = string | number | boolean | FakeAttachment;

interface InteractionRecord {
  id: string;
  token: string;
  /** Message the interaction's @original refers to (set at the first reply, or the button's message). */
  messageId?: string;
  acknowledged?: { type: number; data?: any };
  ephemeral: boolean;
}

export interface FakeOptions {
  /** With it, authenticated routes answer 401 to any other bot token. */
  token?: string;
  /** Answer every IDENTIFY by closing the gateway with this code (e.g. 4004) instead of READY. */
  closeOnIdentify?: number;
}

/** Discord's reason text for the fatal gateway close codes. */
const gatewayCloseReasons: Record<number, string> = {
  4004: 'Authentication failed.',
  4010: 'Invalid shard.',
  4011: 'Sharding required.',
  4012: 'Invalid API version.',
  4013: 'Invalid intent(s).',
  4014: 'Disallowed intent(s).',
};

const discordEpoch = 1420070400000n;
const ephemeralFlag = 64;
/** Send Messages, View Channel, Read History, Use Application Commands: an ordinary member. */
export const memberPermissions = ((1n << 11n) | (1n << 10n) | (1n << 16n) | (1n << 31n)).toString();
/** Manage Server added. */
export const managerPermissions = (BigInt(memberPermissions) | (1n << 5n)).toString();

export class FakeDiscord {
  readonly requests: RecordedRequest[] = [];
  readonly applicationId: string;
  readonly guildId: string;
  readonly channelId: string;
  readonly botUserId: string;
  /** Gateway connections that identified; the bot has logged in when this is > 0. */
  identified = 0;
  /** Threads started by the bot, by id. */
  readonly threads = new Map<string, FakeThread>();
  /** With it, starting a thread is refused as Discord does without the permission (403, 50001 Missing Access). */
  refuseThreads = false;

  readonly #events = new EventEmitter();
  readonly #interactions = new Map<string, InteractionRecord>();
  readonly #byToken = new Map<string, InteractionRecord>();
  readonly #messages = new Map<string, any>();
  readonly #sockets = new Set<WebSocket>();
  readonly #attachments = new Map<string, { bytes: Buffer; type: string }>();
  #sequence = 0;
  #counter = 0n;
  #rateLimitedCallbacks = 0;
  #closeOnIdentify: number | undefined;
  #server!: Server;
  #wss!: WebSocketServer;
  #port = 0;
  readonly #token: string | undefined;

  private constructor(options: FakeOptions) {
    this.#token = options.token;
    this.#closeOnIdentify = options.closeOnIdentify;
    this.#events.setMaxListeners(0);
    this.applicationId = this.snowflake();
    this.guildId = this.snowflake();
    this.channelId = this.snowflake();
    this.botUserId = this.applicationId;
  }

  /** Starts the fake; with `token`, authenticated routes answer 401 to any other bot token. */
  static async start(options: FakeOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    fake.#server = createServer((req, res) => void fake.#handle(req, res));
    fake.#wss = new WebSocketServer({ server: fake.#server, path: '/gateway' });
    fake.#wss.on('connection', (socket) => fake.#connect(socket));
    fake.#server.listen(0, '127.0.0.1');
    await once(fake.#server, 'listening');
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  get apiBaseUrl(): string {
    return `http://127.0.0.1:${this.#port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.#port}/gateway`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Resolves once a bot has identified on the gateway (at once if one already has). */
  async connected(): Promise<void> {
    if (this.identified > 0) return;
    await once(this.#events, 'identified');
  }

  /**
   * Closes every gateway connection with `code`, as Discord does when it drops a bot (4004 once its
   * token is reset, 4014 when an intent it asks for is no longer allowed).
   */
  closeGateway(code: number): void {
    for (const socket of this.#sockets) socket.close(code, gatewayCloseReasons[code] ?? 'Closed by the fake.');
  }

  /** The next `count` interaction callbacks are answered with 429 (Retry-After 0.05 s). */
  rateLimitCallbacks(count: number): void {
    this.#rateLimitedCallbacks = count;
  }

  snowflake(): string {
    this.#counter += 1n;
    return (((BigInt(Date.now()) - discordEpoch) << 22n) | (this.#counter & 0x3fffffn)).toString();
  }

  /**
   * Sends a slash command as a guild member; returns the interaction id. `name` may name a subcommand
   * (`'feeds add'`); an attachment (from `attachment()`) goes in the options and in the resolved data, as Discord sends it.
   */
  slash(name: string, options: Record<string, OptionValue> = {}, actor: Actor = {}): string {
    return this.#interact(2, actor, { data: this.#commandData(name, options) });
  }

  /** Sends an autocomplete interaction for option `focused` of command `name`; `choices(id)` gives the answer. */
  autocomplete(name: string, options: Record<string, string | number | boolean>, focused: string, actor: Actor = {}): string {
    const data = this.#commandData(name, options);
    const list = data.options[0]?.type === 1 ? data.options[0].options : data.options;
    for (const option of list) if (option.name === focused) option.focused = true;
    return this.#interact(4, actor, { data });
  }

  /** The choices the bot answered autocomplete interaction `id` with. */
  async choices(id: string, timeoutMs = 15000): Promise<{ name: string; value: string | number }[]> {
    const request = await this.waitFor((r) => r.interactionId === id && r.path.endsWith('/callback') && r.status < 300, `choices for interaction ${id}`, timeoutMs);
    return request.body?.data?.choices ?? [];
  }

  /** A file to attach to a slash command: served (its bytes as given) at the returned attachment's url. */
  attachment(filename: string, bytes: Buffer | string, contentType = 'text/plain; charset=utf-8'): FakeAttachment {
    const id = this.snowflake();
    const body = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    this.#attachments.set(id, { bytes: body, type: contentType });
    const url = `http://127.0.0.1:${this.#port}/attachments/${this.channelId}/${id}/${encodeURIComponent(filename)}`;
    return { id, filename, size: body.length, url, proxy_url: url, content_type: contentType };
  }

  #commandData(name: string, options: Record<string, OptionValue>): any {
    const optionType = (value: OptionValue) =>
      typeof value === 'object' ? 11 : typeof value === 'string' ? 3 : typeof value === 'boolean' ? 5 : Number.isInteger(value) ? 4 : 10;
    const attachments = Object.values(options).filter((value): value is FakeAttachment => typeof value === 'object');
    const list = Object.entries(options).map(([key, value]) => ({ name: key, type: optionType(value), value: typeof value === 'object' ? value.id : value }));
    const [command, subcommand] = name.split(' ');
    return {
      id: this.snowflake(),
      name: command,
      type: 1,
      guild_id: this.guildId,
      options: subcommand ? [{ name: subcommand, type: 1, options: list }] : list,
      ...(attachments.length > 0 ? { resolved: { attachments: Object.fromEntries(attachments.map((a) => [a.id, a])) } } : {}),
    };
  }

  /** Presses a button `customId` on `message` (a message object as `message()` returns it). */
  button(customId: string, message: any, actor: Actor = {}): string {
    return this.#interact(3, actor, { data: { custom_id: customId, component_type: 2 }, message }, message.id);
  }

  /**
   * Submits a modal the bot showed (`customId` from its type 9 callback) with text field values by
   * custom id. With `message`, as when the modal was opened from a button on that message.
   */
  modalSubmit(customId: string, values: Record<string, string>, actor: Actor = {}, message?: any): string {
    const components = Object.entries(values).map(([id, value]) => ({ type: 1, components: [{ type: 4, custom_id: id, value }] }));
    return this.#interact(5, actor, { data: { custom_id: customId, components }, ...(message ? { message } : {}) }, message?.id);
  }

  /** The current state of the message interaction `id` created or edited. */
  message(id: string): any {
    const messageId = this.#interactions.get(id)?.messageId;
    const message = messageId && this.#messages.get(messageId);
    if (!message) throw new Error(`Interaction ${id} has no message yet.`);
    return structuredClone(message);
  }

  /** Every recorded request about interaction `id`. */
  requestsFor(id: string): RecordedRequest[] {
    return this.requests.filter((request) => request.interactionId === id);
  }

  /** Resolves with the first recorded request matching `predicate` (already made or to come). */
  async waitFor(predicate: (request: RecordedRequest) => boolean, what = 'a matching request', timeoutMs = 15000): Promise<RecordedRequest> {
    const found = this.requests.find(predicate);
    if (found) return found;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#events.off('request', listener);
        reject(new Error(`The bot did not send ${what} within ${timeoutMs} ms.`));
      }, timeoutMs);
      const listener = (request: RecordedRequest) => {
        if (!predicate(request)) return;
        clearTimeout(timer);
        this.#events.off('request', listener);
        resolve(request);
      };
      this.#events.on('request', listener);
    });
  }

  /**
   * Resolves when interaction `id` has been answered with something the user sees: a message or update
   * callback, or, after a deferral, the edit of the original response or a follow-up.
   */
  async reply(id: string, timeoutMs = 15000): Promise<Reply> {
    const isFinal = (request: RecordedRequest) => {
      if (request.interactionId !== id || request.status >= 300) return false;
      if (request.path.endsWith('/callback')) return request.body?.type === 4 || request.body?.type === 7 || request.body?.type === 9;
      return (request.method === 'PATCH' && request.path.endsWith('/messages/@original')) || (request.method === 'POST' && request.path.startsWith('/api/v10/webhooks/'));
    };
    const final = await this.waitFor(isFinal, `a reply to interaction ${id}`, timeoutMs).catch((error: Error) => {
      const seen = this.requestsFor(id).map((r) => `${r.method} ${r.path} -> ${r.status}`);
      throw new Error(`${error.message} Requests for it: ${seen.join('; ') || 'none'}.`);
    });
    const requests = this.requestsFor(id);
    const callback = requests.find((r) => r.path.endsWith('/callback') && r.status < 300)!.body;
    const via = final.path.endsWith('/callback') ? 'callback' : final.method === 'PATCH' ? 'edit' : 'followup';
    const message = via === 'callback' ? callback.data : final.body;
    const flags = via === 'followup' ? message?.flags : via === 'edit' ? callback.data?.flags : message?.flags;
    const record = this.#interactions.get(id)!;
    return {
      interactionId: id,
      callback,
      message,
      via,
      ephemeral: via === 'followup' ? ((Number(flags) || 0) & ephemeralFlag) !== 0 : record.ephemeral,
      requests,
    };
  }

  #interact(type: number, actor: Actor, extra: Record<string, unknown>, messageId?: string): string {
    const id = this.snowflake();
    const token = `itoken_${id}_${Math.random().toString(36).slice(2)}`;
    const record: InteractionRecord = { id, token, ephemeral: false, ...(messageId ? { messageId } : {}) };
    if (messageId) record.ephemeral = ((this.#messages.get(messageId)?.flags ?? 0) & ephemeralFlag) !== 0;
    this.#interactions.set(id, record);
    this.#byToken.set(token, record);
    const thread = actor.channelId ? this.threads.get(actor.channelId) : undefined;
    const channel = thread
      ? { id: thread.id, type: 11, guild_id: this.guildId, parent_id: thread.parentId, name: thread.name, permissions: managerPermissions, thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false } }
      : { id: this.channelId, type: 0, guild_id: this.guildId, name: 'general', permissions: managerPermissions };
    // A new member per interaction unless the test names one, so cooldowns only apply when meant to.
    const userId = actor.userId ?? this.snowflake();
    const locale = actor.locale ?? 'en-US';
    this.#dispatch('INTERACTION_CREATE', {
      id,
      application_id: this.applicationId,
      type,
      token,
      version: 1,
      guild_id: this.guildId,
      guild: { id: this.guildId, locale: 'en-US', features: [] },
      channel_id: channel.id,
      channel,
      member: {
        user: { id: userId, username: `user${userId.slice(-4)}`, discriminator: '0', global_name: null, avatar: null },
        roles: [],
        permissions: actor.permissions ?? memberPermissions,
        joined_at: new Date(0).toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
        pending: false,
        nick: null,
        avatar: null,
        premium_since: null,
        communication_disabled_until: null,
      },
      app_permissions: managerPermissions,
      locale,
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': this.guildId },
      context: 0,
      attachment_size_limit: 10485760,
      ...extra,
    });
    return id;
  }

  #connect(socket: WebSocket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41250 }, s: null, t: null }));
    socket.on('message', (raw) => {
      const payload = JSON.parse(String(raw)) as { op: number; d: any };
      if (payload.op === 1) socket.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      else if (payload.op === 2 && this.#closeOnIdentify !== undefined) socket.close(this.#closeOnIdentify, gatewayCloseReasons[this.#closeOnIdentify] ?? 'Closed by the fake.');
      else if (payload.op === 2) this.#ready(socket);
      // A resume is refused: the bot identifies afresh, which this fake always accepts.
      else if (payload.op === 6) socket.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
    });
  }

  #ready(socket: WebSocket): void {
    this.identified++;
    queueMicrotask(() => this.#events.emit('identified'));
    const send = (t: string, d: unknown) => socket.send(JSON.stringify({ op: 0, t, s: ++this.#sequence, d }));
    send('READY', {
      v: 10,
      user: { id: this.botUserId, username: 'kiji', discriminator: '0000', global_name: null, avatar: null, bot: true, flags: 0 },
      guilds: [{ id: this.guildId, unavailable: true }],
      session_id: `session_${this.identified}`,
      resume_gateway_url: this.gatewayUrl,
      application: { id: this.applicationId, flags: 0 },
      shard: [0, 1],
    });
    send('GUILD_CREATE', {
      id: this.guildId,
      name: 'Fake guild',
      icon: null,
      owner_id: '400000000000000099',
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [
        { id: this.guildId, name: '@everyone', permissions: memberPermissions, position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 },
      ],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      system_channel_flags: 0,
      premium_tier: 0,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: new Date(0).toISOString(),
      large: false,
      unavailable: false,
      member_count: 2,
      voice_states: [],
      members: [],
      channels: [{ id: this.channelId, type: 0, name: 'general', position: 0, permission_overwrites: [], nsfw: false, parent_id: null }],
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    });
  }

  #dispatch(t: string, d: unknown): void {
    const frame = JSON.stringify({ op: 0, t, s: ++this.#sequence, d });
    if (this.#sockets.size === 0) throw new Error('No bot is connected to the fake gateway.');
    for (const socket of this.#sockets) socket.send(frame);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: text && req.headers['content-type']?.includes('json') ? JSON.parse(text) : text || undefined,
      status: 0,
    };
    const attachment = request.method === 'GET' && request.path.startsWith('/attachments/') ? this.#attachments.get(request.path.split('/')[3] ?? '') : undefined;
    if (attachment) {
      request.status = 200;
      this.requests.push(request);
      res.writeHead(200, { 'content-type': attachment.type, 'content-length': attachment.bytes.length }).end(attachment.bytes);
      this.#events.emit('request', request);
      return;
    }
    const [status, body, headers] = this.#route(request);
    request.status = status;
    this.requests.push(request);
    res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
    this.#events.emit('request', request);
  }

  #route(request: RecordedRequest): [number, unknown, Record<string, string>?] {
    const { method, path } = request;
    const parts = path.split('/').slice(3); // after /api/v10
    const notFound: [number, unknown] = [404, { message: '404: Not Found', code: 0 }];
    const authorized = !this.#token || request.headers.authorization === `Bot ${this.#token}`;
    const unauthorized: [number, unknown] = [401, { message: '401: Unauthorized', code: 0 }];

    if (method === 'GET' && path === '/api/v10/gateway/bot') {
      if (!authorized) return unauthorized;
      return [200, { url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } }];
    }
    if (method === 'GET' && path === '/api/v10/gateway') return [200, { url: this.gatewayUrl }];

    if (parts[0] === 'applications' && method === 'PUT' && parts.at(-1) === 'commands') {
      if (!authorized) return unauthorized;
      if (parts[1] !== this.applicationId) return [403, { message: 'Missing Access', code: 50001 }];
      const commands = Array.isArray(request.body) ? request.body : [];
      const guildId = parts[2] === 'guilds' ? parts[3] : undefined;
      return [200, commands.map((c: any) => ({ ...c, id: this.snowflake(), application_id: this.applicationId, version: this.snowflake(), ...(guildId ? { guild_id: guildId } : {}) }))];
    }

    if (parts[0] === 'interactions' && parts[3] === 'callback' && method === 'POST') {
      const record = this.#interactions.get(parts[1] ?? '');
      if (!record || record.token !== parts[2]) return [404, { message: 'Unknown interaction', code: 10062 }];
      request.interactionId = record.id;
      if (this.#rateLimitedCallbacks > 0) {
        this.#rateLimitedCallbacks--;
        return [
          429,
          { message: 'You are being rate limited.', retry_after: 0.05, global: false },
          { 'retry-after': '0.05', 'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '0.05', 'x-ratelimit-bucket': 'fakebucket', 'x-ratelimit-scope': 'user' },
        ];
      }
      if (record.acknowledged) return [400, { message: 'Interaction has already been acknowledged.', code: 40060 }];
      const body = request.body as { type: number; data?: any };
      record.acknowledged = body;
      if (body.type === 4 || body.type === 5) {
        record.messageId = this.snowflake();
        record.ephemeral = ((body.data?.flags ?? 0) & ephemeralFlag) !== 0;
        this.#messages.set(record.messageId, this.#message(record.messageId, body.data ?? {}, record.ephemeral));
      } else if (body.type === 7 && record.messageId) {
        this.#edit(record.messageId, body.data ?? {});
      }
      if (request.query.with_response === 'true') {
        return [200, { interaction: { id: record.id, type: 2 }, resource: { type: body.type, ...(record.messageId ? { message: this.#messages.get(record.messageId) } : {}) } }];
      }
      return [204, undefined];
    }

    if (parts[0] === 'channels' && method === 'POST' && parts[2] === 'messages' && parts[4] === 'threads' && parts.length === 5) {
      if (!authorized) return unauthorized;
      const [, channelId, , messageId] = parts as [string, string, string, string];
      const message = this.#messages.get(messageId);
      if (channelId !== this.channelId || !message || message.channel_id !== channelId) return [404, { message: 'Unknown Message', code: 10008 }];
      if (this.refuseThreads) return [403, { message: 'Missing Access', code: 50001 }];
      if ([...this.threads.values()].some((t) => t.messageId === messageId)) return [400, { message: 'A thread has already been created for this message', code: 160004 }];
      const thread: FakeThread = { id: this.snowflake(), parentId: channelId, messageId, name: String(request.body?.name ?? ''), messages: [] };
      this.threads.set(thread.id, thread);
      return [201, { id: thread.id, type: 11, guild_id: this.guildId, parent_id: channelId, name: thread.name, owner_id: this.botUserId, message_count: 0, member_count: 1, thread_metadata: { archived: false, auto_archive_duration: request.body?.auto_archive_duration ?? 1440, archive_timestamp: new Date().toISOString(), locked: false } }];
    }
    if (parts[0] === 'channels' && method === 'POST' && parts[2] === 'messages' && parts.length === 3) {
      if (!authorized) return unauthorized;
      const thread = this.threads.get(parts[1] ?? '');
      if (parts[1] !== this.channelId && !thread) return [404, { message: 'Unknown Channel', code: 10003 }];
      const id = this.snowflake();
      const message = { ...this.#message(id, request.body ?? {}, false), ...(thread ? { channel_id: thread.id } : {}), type: 0, webhook_id: undefined, allowed_mentions: request.body?.allowed_mentions };
      this.#messages.set(id, message);
      thread?.messages.push(message);
      return [200, message];
    }

    if (parts[0] === 'webhooks') {
      const record = this.#byToken.get(parts[2] ?? '');
      if (!record || parts[1] !== this.applicationId) return [404, { message: 'Unknown Webhook', code: 10015 }];
      request.interactionId = record.id;
      if (!record.acknowledged) return [404, { message: 'Unknown Webhook', code: 10015 }];
      if (parts[3] === 'messages' && parts[4] === '@original') {
        if (!record.messageId) return notFound;
        if (method === 'PATCH') return [200, this.#edit(record.messageId, request.body ?? {})];
        if (method === 'GET') return [200, this.#messages.get(record.messageId)];
        if (method === 'DELETE') {
          this.#messages.delete(record.messageId);
          return [204, undefined];
        }
      }
      if (parts.length === 3 && method === 'POST') {
        const id = this.snowflake();
        const message = this.#message(id, request.body ?? {}, ((request.body?.flags ?? 0) & ephemeralFlag) !== 0);
        this.#messages.set(id, message);
        return [200, message];
      }
    }
    return notFound;
  }

  #edit(messageId: string, data: any): any {
    const before = this.#messages.get(messageId) ?? this.#message(messageId, {}, false);
    const after = { ...before, edited_timestamp: new Date().toISOString() };
    for (const key of ['content', 'embeds', 'components'] as const) if (key in data) after[key] = data[key];
    this.#messages.set(messageId, after);
    return after;
  }

  #message(id: string, data: any, ephemeral: boolean): any {
    return {
      id,
      type: 20,
      channel_id: this.channelId,
      author: { id: this.botUserId, username: 'kiji', discriminator: '0000', global_name: null, avatar: null, bot: true },
      content: data.content ?? '',
      embeds: data.embeds ?? [],
      components: data.components ?? [],
      attachments: [],
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: false,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      flags: ephemeral ? ephemeralFlag : 0,
      application_id: this.applicationId,
      webhook_id: this.applicationId,
    };
  }
}
