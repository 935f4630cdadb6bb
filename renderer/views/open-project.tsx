// The first-run state: no project yet. Open a folder, and see a starter farmhand.yml to put in it.
import { useState } from 'react';
import { useApi } from './farm-context';
import { starterSpec } from './hints';

/** Asks for a folder with a farmhand.yml, and shows one to start from. */
export function OpenProject({ message }: { message?: string }) {
  const api = useApi();
  const [dir, setDir] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="page empty-state" data-empty="no-pipelines">
      <h2>No pipelines found</h2>
      <p>{message ?? 'This coordinator serves no project yet.'} Open a folder that holds a <code>farmhand.yml</code>, or create one like this:</p>
      <pre className="starter">{starterSpec}</pre>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setError(null);
          api.openProject(dir.trim()).catch((failure: Error) => setError(failure.message));
        }}
      >
        <label>
          Folder <input value={dir} onChange={(event) => setDir(event.target.value)} placeholder="/home/me/project" required />
        </label>
        <button type="submit">Open folder</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
