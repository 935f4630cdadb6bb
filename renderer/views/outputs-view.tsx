// A job's output files (path, size), each downloadable from the store through /api/blobs/SHA256.
import { useEffect } from 'react';
import { useApi, useFarm } from './farm-context';
import { formatSize } from './format';

/** The outputs list of one job. */
export function OutputsView({ build, job }: { build: string; job: string }) {
  const api = useApi();
  const outputs = useFarm((state) => state.outputs);
  useEffect(() => {
    void api.loadOutputs(build, job);
  }, [api, build, job]);
  const mine = outputs.build === build && outputs.job === job;
  if (!mine || outputs.files === null) return <p className="muted loading">Loading outputs…</p>;
  if (outputs.error) return <p className="error" role="alert">{outputs.error}</p>;
  if (outputs.files.length === 0) return <p className="empty">This job kept no output files. List globs under <code>outputs:</code> in its spec to keep some.</p>;
  const total = outputs.files.reduce((sum, file) => sum + file.size, 0);
  return (
    <div className="outputs">
      <p className="muted">{outputs.files.length} files · {formatSize(total)}</p>
      <table className="list">
        <thead><tr><th>Path</th><th>Size</th><th>SHA-256</th><th /></tr></thead>
        <tbody>
          {outputs.files.map((file) => (
            <tr key={file.path} data-output={file.path}>
              <td><code>{file.path}</code></td>
              <td>{formatSize(file.size)}</td>
              <td><code className="muted">{file.sha256.slice(0, 12)}</code></td>
              <td><a href={api.blobUrl(file.sha256, file.path.split('/').pop() ?? file.sha256)} download={file.path.split('/').pop()}>Download</a></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
