import type { BuildReport } from '../retrieval/types.js';
import { countProblems } from '../articles/load.js';

type ProblemCounts = ReturnType<typeof countProblems>;

const skippedLine = ({ file, article, field }: ProblemCounts): string =>
  [`Skipped files: ${file}`, article > 0 ? `skipped articles: ${article}` : '', field > 0 ? `articles kept without an unreadable field: ${field}` : '']
    .filter(Boolean)
    .join(' · ');

const skippedLineJa = ({ file, article, field }: ProblemCounts): string =>
  [`読み込めなかったファイル: ${file}`, article > 0 ? `読み込めなかった記事: ${article}` : '', field > 0 ? `読めない項目を除いて読み込んだ記事: ${field}` : '']
    .filter(Boolean)
    .join('、');

/**
 * Every piece of text the bot itself writes (headers, buttons, notices), in English and Japanese.
 * Article text and questions are never translated; only this chrome follows `interaction.locale`.
 */
const en = {
  answerTitle: 'Cited excerpts',
  resultsLine: (from: number, to: number, total: number) => `Results ${from}–${to} of ${total}`,
  questionShortened: (max: number) => `question shortened to ${max} characters`,
  paragraph: (n: number) => `paragraph ${n}`,
  nothingRelevant:
    'Nothing relevant to this question is indexed. Try other words, or see what is indexed with /sources.',
  semanticOffHint: 'Semantic search is off on this bot, so only passages that share words with the question are found: ask in the language of the articles.',
  emptyQuestion: 'Please type a question, for example `/ask question: Where was the summit held?`',
  cooldown: (seconds: number) => `You are asking quickly: please wait ${seconds} s and ask again.`,
  buttonCooldown: (seconds: number) => `You are pressing buttons quickly: please wait ${seconds} s and press again.`,
  apology: 'Sorry, something went wrong while answering. It has been logged; please try again in a moment.',
  more: 'More',
  previous: 'Previous',
  fullParagraph: (citation: number) => `Full paragraph [${citation}]`,
  followUp: 'Follow up',
  followUpTitle: 'Follow-up question',
  followUpLabel: 'Your question',
  followUpPlaceholder: 'e.g. Who proposed it?',
  followUpContext: (earlier: string) => `Searched with the earlier question: ${earlier}`,
  followUpReadAs: (question: string) => `Read as ${question}`,
  followUpThreadName: (question: string) => `Q: ${question}`,
  followUpInThread: (threadId: string) => `Answered in the thread <#${threadId}>.`,
  feedbackThanks: 'Thanks — recorded.',
  feedbackGone: 'This answer is no longer in the question log, so the vote could not be recorded.',
  feedbackTitle: 'What was wrong?',
  feedbackLabel: 'What was wrong? (optional)',
  filterSource: (name: string) => `source: ${name}`,
  filterArticle: (title: string) => `article: ${title}`,
  filterSince: (day: string) => `since ${day}`,
  filterUntil: (day: string) => `until ${day}`,
  filtered: (line: string) => `Searched only: ${line}`,
  nothingInFilter: (line: string) =>
    `Nothing relevant to this question is indexed within the filter (${line}). Try other words, or ask without the filter.`,
  filterAllowsNothing: (line: string) =>
    `No indexed article matches the filter (${line}), so nothing was searched. Change the filter, or see what is indexed with /sources.`,
  badDay: (option: string, typed: string) =>
    `\`${option}\` takes a date written YYYY-MM-DD (for example 2026-01-07) or one of the suggestions; "${typed}" is not one.`,
  badRange: (since: string, until: string) => `\`since\` (${since}) is after \`until\` (${until}), so no article could match. Swap them or leave one out.`,
  unknownSource: (typed: string, known: string[]) =>
    `No indexed source is called "${typed}". Pick one of the suggestions while typing${known.length > 0 ? ` (for example ${known.join(', ')})` : ''}.`,
  unknownArticle: (typed: string, matches: number) =>
    matches > 1
      ? `${matches} indexed titles contain "${typed}". Pick one of the suggestions while typing.`
      : `No indexed article title contains "${typed}". Pick one of the suggestions while typing.`,
  sinceToday: (day: string) => `Today (${day})`,
  sinceDays: (days: number, day: string) => `Last ${days} days (since ${day})`,
  untilToday: (day: string) => `Until today (${day})`,
  untilDaysAgo: (days: number, day: string) => (days === 1 ? `Until yesterday (${day})` : `Until ${days} days ago (${day})`),
  publishedDay: (day: string) => `${day} (articles published)`,
  staleButton:
    'This button belongs to an older answer (the index has changed since). Please ask again with /ask.',
  unknownButton: 'This button has expired. Please ask again with /ask.',
  unknownCommand: 'This command is no longer available. Type / to see the current commands.',
  passageGone: 'That paragraph is no longer in the index. Please ask again with /ask.',
  sourcesTitle: 'Indexed articles',
  sourcesLine: (page: number, pages: number, total: number) => `Page ${page}/${pages} · ${total} articles`,
  passages: (n: number) => `${n} passage${n === 1 ? '' : 's'}`,
  noSources: 'No articles are indexed yet. Put articles in the articles folder and run /reindex.',
  reindexForbidden: 'Only members with the Manage Server permission can rebuild the index.',
  reindexBusy: 'The index is already being rebuilt; the counts will be posted when it finishes.',
  reindexDone: (r: BuildReport) =>
    [
      `Index rebuilt in ${(r.ms / 1000).toFixed(1)} s.`,
      `Articles: ${r.articles} · passages: ${r.passages} (embedded ${r.embedded}, reused ${r.reused}, removed ${r.removed})`,
      skippedLine(countProblems(r.skipped)),
      ...(r.semanticOff ? [`Semantic search is off: ${r.semanticOff}`] : []),
    ].join('\n'),
};

export type Strings = typeof en;

const ja: Strings = {
  answerTitle: '記事からの引用',
  resultsLine: (from, to, total) => `${total}件中 ${from}～${to}件目`,
  questionShortened: (max) => `質問は先頭${max}文字で検索しました`,
  paragraph: (n) => `第${n}段落`,
  nothingRelevant: 'この質問に関係する記事は索引にありません。言葉を変えて質問するか、/sources で索引済みの記事をご確認ください。',
  semanticOffHint: '意味検索がオフのため、質問と同じ語を含む段落しか見つかりません。記事と同じ言語で質問してください。',
  emptyQuestion: '質問を入力してください。例: `/ask question: 首脳会合はどこで開かれた？`',
  cooldown: (seconds) => `続けての質問です。${seconds}秒ほど待ってからもう一度どうぞ。`,
  buttonCooldown: (seconds) => `ボタンが続けて押されました。${seconds}秒ほど待ってからもう一度どうぞ。`,
  apology: '申し訳ありません、回答中にエラーが起きました。記録しましたので、少し待ってからもう一度お試しください。',
  more: 'もっと見る',
  previous: '前へ',
  fullParagraph: (citation) => `段落全文 [${citation}]`,
  followUp: '続けて質問',
  followUpTitle: '続けての質問',
  followUpLabel: '質問',
  followUpPlaceholder: '例: それは誰が提案したのか',
  followUpContext: (earlier) => `前の質問も使って検索しました: ${earlier}`,
  followUpReadAs: (question) => `${question} として検索`,
  followUpThreadName: (question) => `Q: ${question}`,
  followUpInThread: (threadId) => `スレッド <#${threadId}> で回答しました。`,
  feedbackThanks: 'ありがとうございます。記録しました。',
  feedbackGone: 'この回答はもう質問ログにないため、評価を記録できませんでした。',
  feedbackTitle: '何が違いましたか？',
  feedbackLabel: '何が違いましたか？（任意）',
  filterSource: (name) => `情報源: ${name}`,
  filterArticle: (title) => `記事: ${title}`,
  filterSince: (day) => `${day}以降`,
  filterUntil: (day) => `${day}まで`,
  filtered: (line) => `絞り込み: ${line}`,
  nothingInFilter: (line) => `絞り込み（${line}）の範囲には、この質問に関係する記事がありません。言葉を変えるか、絞り込みを外して質問してください。`,
  filterAllowsNothing: (line) => `絞り込み（${line}）に合う記事が索引にないため、検索しませんでした。絞り込みを変えるか、/sources で索引済みの記事をご確認ください。`,
  badDay: (option, typed) => `\`${option}\` には YYYY-MM-DD 形式の日付（例: 2026-01-07）か候補を指定してください。「${typed}」は日付ではありません。`,
  badRange: (since, until) => `\`since\`（${since}）が \`until\`（${until}）より後のため、合う記事はありません。入れ替えるか、どちらかを外してください。`,
  unknownSource: (typed, known) =>
    `「${typed}」という情報源は索引にありません。入力中に表示される候補から選んでください${known.length > 0 ? `（例: ${known.join('、')}）` : ''}。`,
  unknownArticle: (typed, matches) =>
    matches > 1
      ? `「${typed}」を含むタイトルが${matches}件あります。入力中に表示される候補から選んでください。`
      : `「${typed}」を含むタイトルの記事は索引にありません。入力中に表示される候補から選んでください。`,
  sinceToday: (day) => `今日（${day}）`,
  sinceDays: (days, day) => `過去${days}日（${day}以降）`,
  untilToday: (day) => `今日まで（${day}）`,
  untilDaysAgo: (days, day) => (days === 1 ? `昨日まで（${day}）` : `${days}日前まで（${day}）`),
  publishedDay: (day) => `${day}（記事の日付）`,
  staleButton: 'このボタンは以前の回答のものです（その後索引が更新されました）。/ask でもう一度質問してください。',
  unknownButton: 'このボタンは期限切れです。/ask でもう一度質問してください。',
  unknownCommand: 'このコマンドは現在使えません。/ を入力して今のコマンドをご確認ください。',
  passageGone: 'その段落はもう索引にありません。/ask でもう一度質問してください。',
  sourcesTitle: '索引済みの記事',
  sourcesLine: (page, pages, total) => `${page}/${pages}ページ · 全${total}件`,
  passages: (n) => `${n}パッセージ`,
  noSources: 'まだ記事が索引されていません。記事フォルダーに記事を置いて /reindex を実行してください。',
  reindexForbidden: '索引の再構築は「サーバー管理」権限を持つメンバーだけが実行できます。',
  reindexBusy: '索引はすでに再構築中です。終わり次第、件数をお知らせします。',
  reindexDone: (r) =>
    [
      `索引を再構築しました（${(r.ms / 1000).toFixed(1)}秒）。`,
      `記事: ${r.articles} · パッセージ: ${r.passages}（新規埋め込み ${r.embedded}、再利用 ${r.reused}、削除 ${r.removed}）`,
      skippedLineJa(countProblems(r.skipped)),
      ...(r.semanticOff ? [`意味検索はオフです: ${r.semanticOff}`] : []),
    ].join('\n'),
};

/** `ja`, `ja-JP`… get Japanese; every other locale English. */
export function stringsFor(locale: string | null | undefined): Strings {
  return locale?.startsWith('ja') ? ja : en;
}
