// A plan that could not be made: each spec problem at file:line:col, with its remedy.
import { useFarm } from './farm-context';

/** The plan's error and diagnostics, or nothing when the plan is fine. */
export function SpecErrors() {
  const plan = useFarm((state) => state.plan);
  if (!plan.error) return null;
  return (
    <div className="spec-errors" role="alert" data-spec-error="">
      <h3>The spec has problems</h3>
      {plan.diagnostics.length === 0 && <p><code>{plan.error}</code></p>}
      <ul>
        {plan.diagnostics.map((diagnostic, index) => (
          <li key={index}>
            <code className="location">{`${diagnostic.file}:${diagnostic.line}:${diagnostic.col}`}</code> {diagnostic.message}
            {diagnostic.remedy && <span className="remedy"> ({diagnostic.remedy})</span>}
          </li>
        ))}
      </ul>
      <p>Fix the file and press <strong>Reload plan</strong>; nothing runs until the spec is valid.</p>
    </div>
  );
}
