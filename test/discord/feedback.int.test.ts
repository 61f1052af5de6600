import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { managerPermissions } from '../fake-discord/server.js';
import { FakeLibrary, sampleArticles } from './fake-library.js';
import { startHarness, type Harness } from './harness.js';
import { startLoggedHarness, type LoggedHarness } from './logged-harness.js';

const library = new FakeLibrary(sampleArticles);
const question = '有志連合の首脳会合はどこで開かれたか';
let harness: LoggedHarness;
const rows = (sql: string, ...params: unknown[]) => harness.rows(sql, ...params);

function buttons(message: any): { label: string; custom_id: string }[] {
  return message.components.flatMap((row: any) => row.components);
}

async function askOnce(h: Harness, text = question, k = 5): Promise<any> {
  const id = h.fake.slash('ask', { question: text, k });
  await h.fake.reply(id);
  return h.fake.message(id);
}

beforeAll(async () => {
  harness = await startLoggedHarness(library, 'kiji-feedback-');
});
afterAll(async () => {
  await harness?.stop();
});

describe('👍 / 👎 under an answer', () => {
  it('carry the question log id; 👍 is recorded and acknowledged privately', async () => {
    const message = await askOnce(harness);
    const [logged] = rows('SELECT id FROM questions WHERE question = ?', question);
    const up = buttons(message).find((b) => b.label === '👍')!;
    const down = buttons(message).find((b) => b.label === '👎')!;
    expect(up.custom_id).toBe(`kiji:vote:${logged.id}:up`);
    expect(down.custom_id).toBe(`kiji:vote:${logged.id}:down`);

    const voter = '400000000000000301';
    const reply = await harness.fake.reply(harness.fake.button(up.custom_id, message, { userId: voter }));
    expect(reply.callback.type).toBe(4);
    expect(reply.ephemeral).toBe(true);
    expect(reply.message.content).toBe('Thanks — recorded.');
    expect(rows('SELECT vote, reason, user_hash FROM feedback WHERE question_id = ?', logged.id)).toEqual([
      { vote: 1, reason: null, user_hash: harness.questionLog.userHash(voter) },
    ]);
  });

  it('👎 opens the "What was wrong?" modal; its submit records the reason, which /stats shows under the question', async () => {
    const message = await askOnce(harness, '首脳会合の共同声明には何が含まれたか');
    const [logged] = rows('SELECT id FROM questions WHERE question = ?', '首脳会合の共同声明には何が含まれたか');
    const voter = '400000000000000302';
    const down = buttons(message).find((b) => b.label === '👎')!;
    const modal = await harness.fake.reply(harness.fake.button(down.custom_id, message, { userId: voter }));
    expect(modal.callback.type).toBe(9);
    expect(modal.callback.data.title).toBe('What was wrong?');
    const field = modal.callback.data.components[0].components[0];
    expect(field).toMatchObject({ type: 4, style: 2, required: false, max_length: 1000 });
    // The press alone counts as a 👎, even if the modal is dismissed.
    expect(rows('SELECT vote, reason FROM feedback WHERE question_id = ?', logged.id)).toEqual([{ vote: -1, reason: null }]);

    const submit = harness.fake.modalSubmit(modal.callback.data.custom_id, { [field.custom_id]: '  米国の話が\nない  ' }, { userId: voter }, message);
    const thanks = await harness.fake.reply(submit);
    expect(thanks.ephemeral).toBe(true);
    expect(thanks.message.content).toBe('Thanks — recorded.');
    expect(rows('SELECT vote, reason FROM feedback WHERE question_id = ?', logged.id)).toEqual([{ vote: -1, reason: '米国の話が ない' }]);

    const stats = await harness.fake.reply(harness.fake.slash('stats', {}, { permissions: managerPermissions }));
    const lines: string[] = stats.message.embeds[0].description.split('\n');
    expect(lines[0]).toMatch(/👍 1 · 👎 1$/);
    const at = lines.findIndex((line) => line.startsWith('1. 首脳会合の共同声明には何が含まれたか'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe('  👎 米国の話が ない');
  });

  it('stay on the answer when it is paged', async () => {
    const message = await askOnce(harness, 'ウクライナ有志連合の首脳会合', 1);
    const more = buttons(message).find((b) => b.label === 'More')!;
    const page = await harness.fake.reply(harness.fake.button(more.custom_id, message));
    expect(page.callback.type).toBe(7);
    expect(buttons(page.callback.data).map((b) => b.label)).toEqual(expect.arrayContaining(['👍', '👎']));
  });

  it('respect the per-user press rate limit', async () => {
    const message = await askOnce(harness);
    const up = buttons(message).find((b) => b.label === '👍')!;
    const replies = await Promise.all(Array.from({ length: 6 }, () => harness.fake.reply(harness.fake.button(up.custom_id, message, { userId: '400000000000000303' }))));
    expect(replies.filter((r) => /pressing buttons quickly/.test(r.message.content)).length).toBeGreaterThanOrEqual(1);
  });

  it('are left out when the question log is off', async () => {
    const off = await startHarness(library);
    try {
      const message = await askOnce(off);
      expect(message.embeds[0].fields.length).toBeGreaterThan(0);
      expect(buttons(message).map((b) => b.label)).not.toContain('👍');
    } finally {
      await off.stop();
    }
  });
});
