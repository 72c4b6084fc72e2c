/**
 * Prints one plain closing line, `jest: N passed, N failed, N skipped`, after Jest's own summary, so
 * tools that read a run's closing lines (CI) see the totals in the common form. Jest writes its
 * summary to stderr, so this line goes there too. Jest calls its coverage and summary reporters after
 * the custom ones, so the line is written when the process exits, to stay last (stderr writes to
 * files, pipes and terminals are synchronous on Linux and macOS).
 */
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`;
    process.once('exit', () => process.stderr.write(line));
  }
}
