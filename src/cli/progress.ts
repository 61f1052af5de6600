/**
 * A one-line progress bar with rate and ETA on stderr. Hand-written (30 lines) because the
 * only need is one bar that degrades to occasional plain lines when stderr is not a terminal.
 */
export function progressBar(label: string, unit: string): (done: number, total: number) => void {
  const started = performance.now();
  const tty = process.stderr.isTTY === true;
  let lastPrint = 0;
  return (done, total) => {
    const now = performance.now();
    const finished = done >= total;
    if (!finished && now - lastPrint < (tty ? 100 : 5000)) return;
    lastPrint = now;
    const seconds = (now - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? (total - done) / rate : 0;
    const width = 24;
    const filled = total > 0 ? Math.round((done / total) * width) : width;
    const line = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${unit} ${rate.toFixed(1)} ${unit}/s ETA ${formatSeconds(eta)}`;
    if (tty) process.stderr.write(`\r${line}${finished ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  };
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${Math.round(s % 60)}s` : `${s.toFixed(0)}s`;
}
