// The agents panel: discovered, paired, online and unreachable agents with pools, labels, busy slots,
// last seen and warnings; pair a discovered agent with the code it printed.
import { useState } from 'react';
import { agentStatus } from '../state/agents-slice';
import { useApi, useFarm, useNow } from './farm-context';
import { formatAgo } from './format';

/** Every agent this coordinator knows, and the pairing form. */
export function AgentsPanel() {
  const api = useApi();
  const agents = useFarm((state) => state.agents);
  const loaded = useFarm((state) => state.agentsLoaded);
  const now = useNow(true, 5000);
  const [agent, setAgent] = useState('');
  const [code, setCode] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const unpaired = agents.filter((entry) => !entry.paired);

  async function pair() {
    setResult(null);
    try {
      await api.pairAgent(agent.trim(), code.trim());
      setResult({ ok: true, text: `Paired with ${agent.trim()}.` });
      setCode('');
    } catch (error) {
      setResult({ ok: false, text: error instanceof Error ? error.message : String(error) });
    }
  }

  return (
    <section className="page">
      <h2>Agents</h2>
      {loaded && agents.length === 0 && <p className="empty">No agent seen yet. On another machine of the LAN run <code>farmhand agent</code>; it shows up here, then pair it with the code it prints.</p>}
      {agents.length > 0 && (
        <table className="list agents">
          <thead><tr><th>Agent</th><th>State</th><th>Pools</th><th>Labels</th><th>Busy</th><th>Last seen</th><th>Warning</th><th /></tr></thead>
          <tbody>
            {agents.map((entry) => {
              const status = agentStatus(entry);
              return (
                <tr key={entry.id} data-agent={entry.name} data-agent-status={status} data-paired={entry.paired}>
                  <td><strong>{entry.name}</strong><div className="muted">{entry.address ? `${entry.address}:${entry.port}` : entry.id}</div></td>
                  <td><span className={`agent-status ${status}`}>{status}</span>{entry.paired && status !== 'discovered' ? <span className="muted"> · paired</span> : null}</td>
                  <td>{entry.pools.join(', ') || '–'}</td>
                  <td>{entry.labels.join(', ') || '–'}</td>
                  <td>{entry.busy}/{entry.slots}</td>
                  <td>{formatAgo(entry.last_seen, now)}</td>
                  <td className="warning-text">{entry.warning ?? ''}</td>
                  <td>{!entry.paired && <button type="button" onClick={() => setAgent(entry.name)}>Pair…</button>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <form className="pair" onSubmit={(event) => { event.preventDefault(); void pair(); }}>
        <h3>Pair an agent</h3>
        <p className="muted">The agent prints <code>pairing code: CODE</code> when it starts. Name it by name, id, or <code>HOST:PORT</code>.</p>
        <label>Agent <input list="unpaired-agents" value={agent} onChange={(event) => setAgent(event.target.value)} required aria-label="Agent to pair" /></label>
        <datalist id="unpaired-agents">{unpaired.map((entry) => <option key={entry.id} value={entry.name} />)}</datalist>
        <label>Code <input value={code} onChange={(event) => setCode(event.target.value)} required aria-label="Pairing code" autoComplete="off" /></label>
        <button type="submit" className="primary">Pair</button>
        {result && <p className={result.ok ? 'ok' : 'error'} role={result.ok ? 'status' : 'alert'}>{result.text}</p>}
      </form>
    </section>
  );
}
