// Topics: every topic the console's principal may describe, under-replicated ones marked.
import { useState } from 'preact/hooks';
import { formatBytes, usePoll } from '../api.ts';
import { href, Section } from './common.tsx';

interface Topics {
  topics: { name: string; id: string; internal: boolean; partitions: number; replicationFactor: number; underReplicatedPartitions: number; hostedBytes: number }[];
}

export function TopicsPage() {
  const { data, error } = usePoll<Topics>('api/topics', 3000);
  const [filter, setFilter] = useState('');
  const [internal, setInternal] = useState(false);
  const shown = (data?.topics ?? []).filter((t) => (internal || !t.internal) && t.name.includes(filter));
  return (
    <Section title="Topics" error={error} loading={data === null}>
      <div class="controls">
        <label class="wide">Filter<input type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} placeholder="topic name" /></label>
        <label><input type="checkbox" role="switch" checked={internal} onChange={(e) => setInternal((e.target as HTMLInputElement).checked)} /> internal topics</label>
      </div>
      <table data-testid="topics">
        <thead><tr><th>Topic</th><th>Partitions</th><th>Replication factor</th><th>Under-replicated</th><th>Size here</th></tr></thead>
        <tbody>
          {shown.map((t) => (
            <tr key={t.name} data-topic={t.name}>
              <td><a href={href('topics', t.name)}>{t.name}</a>{t.underReplicatedPartitions > 0 && <span class="badge">under-replicated</span>}</td>
              <td>{t.partitions}</td>
              <td>{t.replicationFactor}</td>
              <td class={t.underReplicatedPartitions > 0 ? 'under-replicated' : ''}>{t.underReplicatedPartitions}</td>
              <td>{formatBytes(t.hostedBytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
