import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTag, encodeButton, questionTag } from '../../src/discord/custom-id.js';
import { FakeLibrary, sampleArticles } from './fake-library.js';
import { startHarness, type Harness } from './harness.js';

let harness: Harness;
// Nine paragraphs match (seven here, two in the sample), so k=3 gives three pages.
const library = new FakeLibrary([
  ...sampleArticles,
  {
    id: 'long',
    title: '有志連合の会合まとめ',
    source: 'テスト通信',
    paragraphs: Array.from({ length: 7 }, (_, i) => `有志連合の首脳会合について、第${i + 1}の論点が示された。`),
  },
]);

/** The bot defers a search still running after this long; `slowSearch` takes twice as long. */
const slowAfterMs = 1000;
const slowSearch = () => new Promise<void>((resolve) => setTimeout(resolve, 2 * slowAfterMs));

beforeAll(async () => {
  harness = await startHarness(library, {}, { deferAfterMs: slowAfterMs });
});
afterAll(async () => {
  await harness?.stop();
});
afterEach(() => {
  library.searchHook = undefined;
});

function buttons(message: any): { label: string; custom_id: string }[] {
  return message.components.flatMap((row: any) => row.components);
}

/** `message` with one more button row holding `customId`, as if the bot had made it. */
function withButton(message: any, customId: string): any {
  return { ...message, components: [...message.components, { type: 1, components: [{ type: 2, style: 2, label: 'x', custom_id: customId }] }] };
}

async function ask(question: string, k: number, extra: Record<string, boolean> = {}) {
  const id = harness.fake.slash('ask', { question, k, ...extra });
  await harness.fake.reply(id);
  return { id, message: harness.fake.message(id) };
}

describe('answer buttons', () => {
  it('More pages to the next results in place, and Previous back', async () => {
    const { id, message } = await ask('有志連合の首脳会合', 3);
    expect(message.embeds[0].footer.text).toMatch(/^Results 1–3 of 9/);
    const more = buttons(message).find((b) => b.label === 'More')!;
    expect(more.custom_id.length).toBeLessThanOrEqual(100);

    const press = harness.fake.button(more.custom_id, message);
    const update = await harness.fake.reply(press);
    // A quick search replaces the answer in the interaction's one response (an update).
    expect(update.callback.type).toBe(7);
    expect(update.via).toBe('callback');
    const page2 = harness.fake.message(id);
    expect(page2.embeds[0].footer.text).toMatch(/^Results 4–6 of 9/);
    expect(page2.embeds[0].fields[0].name).toMatch(/^\[4\]/);
    expect(library.searches.at(-1)!.options).toEqual({ k: 3, offset: 3 });

    const previous = buttons(page2).find((b) => b.label === 'Previous')!;
    await harness.fake.reply(harness.fake.button(previous.custom_id, page2));
    expect(harness.fake.message(id).embeds[0].footer.text).toMatch(/^Results 1–3 of 9/);
  });

  it('a slow page is acknowledged first (deferred update), then edited in place', async () => {
    const { id, message } = await ask('有志連合の首脳会合', 3);
    const more = buttons(message).find((b) => b.label === 'More')!;
    library.searchHook = slowSearch;
    const update = await harness.fake.reply(harness.fake.button(more.custom_id, message));
    expect(update.callback.type).toBe(6);
    expect(update.via).toBe('edit');
    expect(harness.fake.message(id).embeds[0].footer.text).toMatch(/^Results 4–6 of 9/);
  });

  it('a rank button (for a passage id too long for a button) shows that result privately, quick or slow', async () => {
    let { message } = await ask('有志連合の首脳会合', 3);
    const customId = encodeButton({ kind: 'rank', build: buildTag(library.buildId), question: questionTag('有志連合の首脳会合'), rank: 2 })!;
    // The sample's passage ids are short, so the bot made full-paragraph buttons: add the rank button as it would have.
    message = withButton(message, customId);
    const quick = await harness.fake.reply(harness.fake.button(customId, message));
    expect(quick.callback.type).toBe(4);
    expect(quick.ephemeral).toBe(true);
    const second = (await library.search('有志連合の首脳会合', { k: 1, offset: 1 })).results[0]!.passage;
    expect(quick.message.embeds[0].description).toBe(second.text);
    library.searchHook = slowSearch;
    const slow = await harness.fake.reply(harness.fake.button(customId, message));
    expect(slow.callback).toEqual({ type: 5, data: { flags: 64 } });
    expect(slow.via).toBe('edit');
    expect(slow.message.embeds[0].description).toBe(second.text);
  });

  it('the last page has no More button', async () => {
    const { message } = await ask('有志連合の首脳会合', 10);
    expect(buttons(message).map((b) => b.label)).not.toContain('More');
  });

  it('Full paragraph shows the whole passage privately', async () => {
    const { message } = await ask('パリで首脳会合を開催、拘束力のある約束', 3);
    const full = buttons(message).find((b) => b.label === 'Full paragraph [1]')!;
    const reply = await harness.fake.reply(harness.fake.button(full.custom_id, message));
    expect(reply.callback.type).toBe(4);
    expect(reply.ephemeral).toBe(true);
    const cited = message.embeds[0].fields[0].value as string;
    const shown = reply.message.embeds[0];
    expect(cited).toContain(`](${shown.url})`);
    expect(shown.description).toBe(library.passage('reuters-coalition#2')!.text);
    expect(reply.message.allowed_mentions).toEqual({ parse: [] });
  });

  it('after the index changes, More and Full paragraph still work; a rank button, whose place may now be another passage, gets a polite private note', async () => {
    const { id, message } = await ask('有志連合の首脳会合', 3);
    const rankId = encodeButton({ kind: 'rank', build: buildTag(library.buildId), question: questionTag('有志連合の首脳会合'), rank: 2 })!;
    const withRank = withButton(message, rankId);
    await library.reindex();
    const full = buttons(message).find((b) => b.label === 'Full paragraph [1]')!;
    const shown = await harness.fake.reply(harness.fake.button(full.custom_id, message));
    expect(shown.message.embeds[0].description).toBe(library.passage(full.custom_id.split(':').slice(3).join(':'))!.text);
    const more = buttons(message).find((b) => b.label === 'More')!;
    const page = await harness.fake.reply(harness.fake.button(more.custom_id, message));
    expect(page.callback.type).toBe(7);
    expect(harness.fake.message(id).embeds[0].footer.text).toMatch(/^Results 4–6 of 9/);
    const rank = await harness.fake.reply(harness.fake.button(rankId, withRank));
    expect(rank.ephemeral).toBe(true);
    expect(rank.message.content).toMatch(/older answer \(the index has changed since\)/);
  });

  it('an unknown or tampered button gets a polite private note', async () => {
    const { message } = await ask('有志連合の首脳会合', 3);
    const expired = await harness.fake.reply(harness.fake.button('someone-else:thing', message));
    expect(expired.message.content).toMatch(/expired/);
    const more = buttons(message).find((b) => b.label === 'More')!;
    const edited = { ...message, embeds: [{ ...message.embeds[0], description: 'a different question' }] };
    const stale = await harness.fake.reply(harness.fake.button(more.custom_id, edited));
    expect(stale.ephemeral).toBe(true);
    expect(stale.message.content).toMatch(/older answer/);
  });

  it('a page id made up with a huge offset or k is refused without a search, on the message or not', async () => {
    const { message } = await ask('有志連合の首脳会合', 3);
    const build = buildTag(library.buildId);
    const question = questionTag('有志連合の首脳会合');
    const forged = [
      encodeButton({ kind: 'page', build, question, offset: 999999, k: 3 })!,
      encodeButton({ kind: 'page', build, question, offset: 3, k: 50 })!,
      encodeButton({ kind: 'rank', build, question, rank: 999999 })!,
    ];
    // A well-formed id for a real next page, but not among the message's buttons.
    const offMessage = encodeButton({ kind: 'page', build, question, offset: 6, k: 3 })!;
    expect(buttons(message).map((b) => b.custom_id)).not.toContain(offMessage);
    const searchesBefore = library.searches.length;
    for (const [customId, on] of [...forged.map((id) => [id, withButton(message, id)] as const), ...forged.map((id) => [id, message] as const), [offMessage, message] as const]) {
      const reply = await harness.fake.reply(harness.fake.button(customId, on));
      expect(reply.ephemeral).toBe(true);
      expect(reply.message.content).toMatch(/expired/);
    }
    expect(library.searches.length).toBe(searchesBefore);
    // The same offset on a button the bot made is served.
    const page3 = await harness.fake.reply(harness.fake.button(offMessage, withButton(message, offMessage)));
    expect(page3.callback.type).toBe(7);
    expect(library.searches.at(-1)!.options).toEqual({ k: 3, offset: 6 });
  });

  it('20 More presses by one user within a second: most get a private rate-limit note, another user is still served', async () => {
    const { message } = await ask('有志連合の首脳会合', 3);
    const more = buttons(message).find((b) => b.label === 'More')!;
    const started = Date.now();
    const presses = Array.from({ length: 20 }, () => harness.fake.button(more.custom_id, message, { userId: '500000000000000001' }));
    const other = harness.fake.button(more.custom_id, message, { userId: '500000000000000002' });
    const replies = await Promise.all(presses.map((id) => harness.fake.reply(id)));
    expect(Date.now() - started).toBeLessThan(1000);
    const noted = replies.filter((r) => r.callback.type === 4 && r.ephemeral && /pressing buttons quickly: please wait 1 s/.test(r.message.content));
    const served = replies.filter((r) => r.callback.type === 7);
    expect(noted.length + served.length).toBe(20);
    expect(noted.length).toBeGreaterThanOrEqual(15);
    expect(served.length).toBeGreaterThanOrEqual(1);
    const otherReply = await harness.fake.reply(other);
    expect(otherReply.callback.type).toBe(7);
    expect((await harness.logLine(presses.at(-1)!)).outcome).toBe('cooldown');
    // A second later the user may press again.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const later = await harness.fake.reply(harness.fake.button(more.custom_id, message, { userId: '500000000000000001' }));
    expect(later.callback.type).toBe(7);
  });
});
