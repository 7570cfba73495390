// The banner the Settings and Servers screens show while config.json, as it is on disk, is not in
// force (a syntax error, an unknown key, a bad value, a deleted file): each problem with its line,
// column and path, until the file is fixed. Everything shown is text.
import type { ConfigStatus } from '../../../shared/contract';

/** More problems than this are counted, not listed: the first ones are what a person fixes first. */
const MAX_SHOWN = 20;

export function ConfigProblems({ config }: { config: ConfigStatus | undefined }) {
  if (config === undefined || config.problems.length === 0) return null;
  const { problems } = config;
  const hidden = problems.length - MAX_SHOWN;
  return (
    <div className="banner warn config-problems" role="alert" aria-label="config.json problems">
      <div>
        <strong>
          config.json {problems.length === 1 ? 'has a problem' : `has ${problems.length} problems`}
        </strong>
        : Airlock keeps the last good config in force until the file is fixed.{' '}
        <span className="muted">
          <code>{config.file}</code>
        </span>
        <ul className="problems">
          {problems.slice(0, MAX_SHOWN).map((problem, i) => (
            <li key={i}>
              {problem.line !== undefined && (
                <span className="where">
                  Line {problem.line}, column {problem.column ?? 1}:{' '}
                </span>
              )}
              {problem.path ? <code>{problem.path}</code> : null} {problem.message}
            </li>
          ))}
          {hidden > 0 && <li>and {hidden} more</li>}
        </ul>
      </div>
    </div>
  );
}
