// Consumer groups this broker coordinates.
import { usePoll } from '../api.ts';
import { href, Section } from './common.tsx';

interface Groups {
  groups: { groupId: string; state: string; type: string; protocolType: string }[];
}

export function GroupsPage() {
  const { data, error } = usePoll<Groups>('api/groups', 3000);
  return (
    <Section title="Consumer groups" error={error} loading={data === null}>
      {data !== null && data.groups.length === 0 && <p>No group is coordinated by this broker.</p>}
      <table data-testid="groups">
        <thead><tr><th>Group</th><th>State</th><th>Type</th><th>Protocol type</th></tr></thead>
        <tbody>
          {(data?.groups ?? []).map((g) => (
            <tr key={g.groupId} data-group={g.groupId}>
              <td><a href={href('groups', g.groupId)}>{g.groupId}</a></td>
              <td>{g.state}</td>
              <td>{g.type}</td>
              <td>{g.protocolType || '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
