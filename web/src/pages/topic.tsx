// A topic: partitions (leader, replicas, ISR, offsets, size; under-replicated marked) and its config overrides.
import { formatBytes, usePoll } from '../api.ts';
import { href, Section } from './common.tsx';

interface Topic {
  name: string;
  id: string;
  configs: Record<string, string> | null;
  partitions: {
    partition: number;
    leader: number;
    leaderEpoch: number;
    replicas: number[];
    isr: number[];
    elr: number[];
    underReplicated: boolean;
    offline: boolean;
    log: { sizeBytes: number; segments: number; logStartOffset: string; logEndOffset: string; highWatermark: string } | null;
  }[];
}

export function TopicPage({ topic }: { topic: string }) {
  const { data, error } = usePoll<Topic>(`api/topics/${encodeURIComponent(topic)}`, 3000);
  return (
    <Section title={<>Topic <code>{topic}</code></>} error={error} loading={data === null}>
      {data !== null && (
        <>
          <p>Id <code>{data.id}</code> · <a href={href('topics', topic, 'messages')}>Browse messages</a></p>
          <table data-testid="partitions">
            <thead><tr><th>Partition</th><th>Leader</th><th>Replicas</th><th>ISR</th><th>Log start</th><th>High watermark</th><th>Log end</th><th>Size here</th><th /></tr></thead>
            <tbody>
              {data.partitions.map((p) => (
                <tr key={p.partition} class={p.underReplicated ? 'under-replicated' : ''}>
                  <td>{p.partition}</td>
                  <td class={p.offline ? 'offline' : ''}>{p.offline ? 'none (offline)' : p.leader}</td>
                  <td>{p.replicas.join(', ')}</td>
                  <td>{p.isr.join(', ')}{p.underReplicated && <span class="badge">under-replicated</span>}</td>
                  <td>{p.log?.logStartOffset ?? '–'}</td>
                  <td>{p.log?.highWatermark ?? '–'}</td>
                  <td>{p.log?.logEndOffset ?? '–'}</td>
                  <td>{p.log === null ? 'not hosted here' : `${formatBytes(p.log.sizeBytes)} (${p.log.segments} segments)`}</td>
                  <td>{p.log !== null && <a href={`${href('topics', topic, 'messages')}?partition=${p.partition}`}>messages</a>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Configs (overrides)</h3>
          {data.configs === null ? (
            <p>Not shown: the console's principal may not describe this topic's configs.</p>
          ) : Object.keys(data.configs).length === 0 ? (
            <p>None: every config has its broker default.</p>
          ) : (
            <table>
              <thead><tr><th>Name</th><th>Value</th></tr></thead>
              <tbody>{Object.entries(data.configs).map(([k, v]) => <tr key={k}><td>{k}</td><td><code>{v}</code></td></tr>)}</tbody>
            </table>
          )}
        </>
      )}
    </Section>
  );
}
