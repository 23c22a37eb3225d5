// A consumer group: state, members and their assignments, lag per partition and its total lag over time.
import { usePoll } from '../api.ts';
import { Chart } from '../chart.tsx';
import { href, Section } from './common.tsx';

interface Group {
  groupId: string;
  state: string;
  type: string;
  protocolType: string;
  members: { memberId: string; clientId: string; clientHost: string; assignment: { topic: string; partitions: number[] }[] }[];
  offsets: { topic: string; partition: number; committedOffset: string; highWatermark: string | null; lag: number | null; memberId: string | null }[];
  totalLag: number;
  lagHistory: { t: number; lag: number }[];
}

export function GroupPage({ groupId }: { groupId: string }) {
  const { data, error } = usePoll<Group>(`api/groups/${encodeURIComponent(groupId)}`, 1000);
  return (
    <Section title={<>Group <code>{groupId}</code></>} error={error} loading={data === null}>
      {data !== null && (
        <>
          <p>
            State <strong data-testid="group-state">{data.state}</strong> · {data.type} group · total lag <strong data-testid="total-lag">{data.totalLag}</strong>
          </p>
          <Chart title="Total lag (records)" testId="lag-chart" series={[{ label: 'lag', stroke: '#e53935' }]} data={[data.lagHistory.map((p) => p.t), data.lagHistory.map((p) => p.lag)]} />
          <h3>Members</h3>
          {data.members.length === 0 ? <p>No member.</p> : (
            <table data-testid="members">
              <thead><tr><th>Member</th><th>Client id</th><th>Host</th><th>Assignment</th></tr></thead>
              <tbody>
                {data.members.map((m) => (
                  <tr key={m.memberId}>
                    <td><code>{m.memberId}</code></td>
                    <td>{m.clientId}</td>
                    <td>{m.clientHost}</td>
                    <td>{m.assignment.map((a) => `${a.topic}: ${a.partitions.join(', ')}`).join('; ') || '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Offsets and lag</h3>
          <table data-testid="offsets">
            <thead><tr><th>Topic</th><th>Partition</th><th>Committed offset</th><th>High watermark</th><th>Lag</th><th>Member</th></tr></thead>
            <tbody>
              {data.offsets.map((o) => (
                <tr key={`${o.topic}-${o.partition}`}>
                  <td><a href={href('topics', o.topic)}>{o.topic}</a></td>
                  <td>{o.partition}</td>
                  <td>{o.committedOffset}</td>
                  <td>{o.highWatermark ?? 'not hosted here'}</td>
                  <td>{o.lag ?? '–'}</td>
                  <td>{o.memberId === null ? '–' : <code>{o.memberId}</code>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Section>
  );
}
