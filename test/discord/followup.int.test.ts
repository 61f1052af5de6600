import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeLibrary, sampleArticles } from './fake-library.js';
import { startLoggedHarness, type LoggedHarness } from './logged-harness.js';

const library = new FakeLibrary(sampleArticles);
let harness: LoggedHarness;

function buttons(message: any): { label: string; custom_id: string }[] {
  return message.components.flatMap((row: any) => row.components);
}

/** Asks, presses Follow up on the answer, and submits `followUp` in the modal; returns the submit's id. */
async function followUp(message: any, text: string, actor: { channelId?: string } = {}): Promise<string> {
  const follow = buttons(message).find((b) => b.label === 'Follow up')!;
  const modal = await harness.fake.reply(harness.fake.button(follow.custom_id, message, actor));
  expect(modal.callback.type).toBe(9);
  const field = modal.callback.data.components[0].components[0];
  expect(field).toMatchObject({ type: 4, required: true, max_length: 500 });
  return harness.fake.modalSubmit(modal.callback.data.custom_id, { [field.custom_id]: text }, actor, message);
}

async function ask(question: string, extra: Record<string, boolean> = {}, actor: { channelId?: string } = {}) {
  const id = harness.fake.slash('ask', { question, ...extra }, actor);
  const reply = await harness.fake.reply(id);
  return { id, reply, message: harness.fake.message(id) };
}

beforeAll(async () => {
  harness = await startLoggedHarness(library, 'kiji-followup-');
});
afterAll(async () => {
  await harness?.stop();
});

describe('Follow up', () => {
  it('answers "米国はどう関与するのか" after a Paris summit answer in a thread started from it, citing the same article', async () => {
    const { message } = await ask('パリで開かれた首脳会合の拘束力のある約束とは');
    expect(message.embeds[0].fields[0].value).toContain('ウクライナ有志連合');
    const submit = await followUp(message, '米国はどう関与するのか');
    const done = await harness.fake.reply(submit);
    expect(done.callback).toEqual({ type: 5, data: { flags: 64 } });
    const create = harness.fake.requests.find((r) => r.method === 'POST' && r.path === `/api/v10/channels/${harness.fake.channelId}/messages/${message.id}/threads`);
    expect(create?.status).toBe(201);
    const [thread] = [...harness.fake.threads.values()];
    expect(thread!.messageId).toBe(message.id);
    expect(done.message.content).toBe(`Answered in the thread <#${thread!.id}>.`);
    const posted = thread!.messages[0];
    expect(posted.allowed_mentions).toEqual({ parse: [] });
    expect(posted.content).toBe('Searched with the earlier question: “パリで開かれた首脳会合の拘束力のある約束とは”');
    expect(posted.embeds[0].description).toBe('米国はどう関与するのか');
    expect(posted.embeds[0].fields[0].value).toContain('ウクライナ有志連合');
    expect(posted.embeds[0].fields[0].value).toContain('米国は6日');
    expect(buttons(posted).map((b) => b.label)).toEqual(expect.arrayContaining(['Follow up', '👍', '👎']));
    // Both questions are in the log, the follow-up in the thread with its conversation.
    const [logged] = harness.rows('SELECT * FROM questions WHERE question = ?', '米国はどう関与するのか');
    expect(logged).toMatchObject({ channel_id: thread!.id, private: 0 });
    expect(JSON.parse(logged.filters)).toEqual({ conversation: ['パリで開かれた首脳会合の拘束力のある約束とは'] });

    // A follow-up of the follow-up stays in the thread, with both earlier questions.
    const again = await harness.fake.reply(await followUp(posted, 'フランスはどうするのか', { channelId: thread!.id }));
    expect(again.message.content).toBe(`Answered in the thread <#${thread!.id}>.`);
    expect(harness.fake.threads.size).toBe(1);
    expect(thread!.messages[1].content).toContain('“米国はどう関与するのか” · “パリで開かれた首脳会合の拘束力のある約束とは”');
    expect(thread!.messages[1].embeds[0].fields[0].value).toContain('フランスと英国');

    // /ask inside the thread is one more question of its conversation.
    const inThread = await ask('英国は何に署名したか', {}, { channelId: thread!.id });
    expect(inThread.reply.message.content).toMatch(/^Searched with the earlier question: “フランスはどうするのか”/);
    expect(buttons(inThread.message).map((b) => b.label)).not.toContain('More');
  });

  it('a private answer gets a private follow-up reply, and no thread', async () => {
    const threads = harness.fake.threads.size;
    const { message } = await ask('パリで開かれた首脳会合の拘束力のある約束とは', { private: true });
    expect(message.flags & 64).toBe(64);
    const done = await harness.fake.reply(await followUp(message, '米国はどう関与するのか'));
    expect(done.ephemeral).toBe(true);
    expect(done.via).toBe('edit');
    expect(done.message.embeds[0].description).toBe('米国はどう関与するのか');
    expect(done.message.embeds[0].fields[0].value).toContain('ウクライナ有志連合');
    expect(harness.fake.threads.size).toBe(threads);
  });

  it('after a restart, a thread keeps its conversation: read back from the question log', async () => {
    const { message } = await ask('パリで開かれた首脳会合の拘束力のある約束とは');
    await harness.fake.reply(await followUp(message, '米国はどう関与するのか'));
    const thread = [...harness.fake.threads.values()].find((t) => t.messageId === message.id)!;
    const [logged] = harness.rows('SELECT * FROM questions WHERE channel_id = ?', thread.id);
    const [started] = harness.rows('SELECT id FROM questions WHERE channel_id = ? ORDER BY id DESC LIMIT 1', harness.fake.channelId);
    expect(logged).toMatchObject({ conversation: thread.id, follows: started.id });

    // A new bot over the same database file: nothing of the thread is in its memory.
    await harness.restart();
    const inThread = await ask('英国は何に署名したか', {}, { channelId: thread.id });
    expect(inThread.reply.message.content).toBe(
      'Searched with the earlier question: “米国はどう関与するのか” · “パリで開かれた首脳会合の拘束力のある約束とは”',
    );
    expect(harness.rows('SELECT conversation FROM questions WHERE question = ? AND channel_id = ?', '英国は何に署名したか', thread.id)).toEqual([{ conversation: thread.id }]);
    // A Follow up pressed in the thread after the restart answers in it, with all three earlier questions.
    const again = await harness.fake.reply(await followUp(thread.messages[0], 'フランスはどうするのか', { channelId: thread.id }));
    expect(again.message.content).toBe(`Answered in the thread <#${thread.id}>.`);
    expect(thread.messages.at(-1).content).toContain('“英国は何に署名したか” · “米国はどう関与するのか” · “パリで開かれた首脳会合の拘束力のある約束とは”');
    // A thread the log does not know stays without context.
    const elsewhere = await ask('英国は何に署名したか', {}, { channelId: '999999999999999999' });
    expect(elsewhere.reply.message.content ?? '').not.toContain('Searched with');
  });

  it('reads a follow-up that points back with the subject the earlier question and the cited titles share, also after a restart', async () => {
    const { message } = await ask('ウクライナ有志連合の首脳会合はどこで開かれたか');
    expect(message.embeds[0].fields[0].value).toContain('ウクライナ有志連合');
    await harness.fake.reply(await followUp(message, 'それは何で合意したのか'));
    const thread = [...harness.fake.threads.values()].find((t) => t.messageId === message.id)!;
    expect(thread.messages[0].content).toBe(
      'Read as “ウクライナ有志連合は何で合意したのか” · Searched with the earlier question: “ウクライナ有志連合の首脳会合はどこで開かれたか”',
    );
    expect(thread.messages[0].embeds[0].description).toBe('それは何で合意したのか');

    // The titles come back from the question log with the thread's questions.
    await harness.restart();
    const inThread = await ask('その首脳会合はどこで開かれたか', {}, { channelId: thread.id });
    expect(inThread.reply.message.content).toMatch(/^Read as “ウクライナ有志連合の首脳会合はどこで開かれたか” · /);
  });

  it('where Discord refuses the thread (403 Missing Access), the answer comes privately', async () => {
    harness.fake.refuseThreads = true;
    try {
      const { message } = await ask('パリで開かれた首脳会合の拘束力のある約束とは');
      const done = await harness.fake.reply(await followUp(message, '米国はどう関与するのか'));
      expect(done.ephemeral).toBe(true);
      expect(done.message.embeds[0].fields[0].value).toContain('ウクライナ有志連合');
      const refused = harness.fake.requests.filter((r) => r.path.endsWith(`/messages/${message.id}/threads`));
      expect(refused.map((r) => r.status)).toEqual([403]);
    } finally {
      harness.fake.refuseThreads = false;
    }
  });
});
