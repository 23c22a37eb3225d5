// Cluster: brokers, the active controller, the metadata quorum, and produce/consume rate charts.
import { usePoll } from '../api.ts';
import { Chart } from '../chart.tsx';
import { Section } from './common.tsx';

interface Cluster {
  clusterId: string;
  nodeId: number;
  principal: string;
  metadataOffset: string;
  controller: { activeControllerId: number | null; epoch: number };
  quorum: { state: string; leaderId: number | null; epoch: number; highWatermark: string | null; logEndOffset: string; voters: number[]; replicas: { replicaId: number; voter: boolean; logEndOffset: string; lastCaughtUpTimestamp: string }[] | null };
  brokers: { id: number; rack: string | null; fenced: boolean; inControlledShutdown: boolean; endpoints: string[] }[];
  controllers: { id: number; endpoints: string[] }[];
}

interface Rates {
  rates: { t: number; messagesInPerSec: number; bytesInPerSec: number; bytesOutPerSec: number }[];
}

export function ClusterPage() {
  const { data, error } = usePoll<Cluster>('api/cluster', 5000);
  return (
    <>
      <Section title="Cluster" error={error} loading={data === null}>
        {data !== null && (
          <>
            <p>
              Cluster id <code data-testid="cluster-id">{data.clusterId}</code> · this node {data.nodeId} · active controller{' '}
              <strong data-testid="active-controller">{data.controller.activeControllerId ?? 'none'}</strong> (epoch {data.controller.epoch}) · metadata offset {data.metadataOffset} · console acts as <code>{data.principal}</code>
            </p>
            <h3>Brokers</h3>
            <table data-testid="brokers">
              <thead><tr><th>Id</th><th>Endpoints</th><th>Rack</th><th>State</th></tr></thead>
              <tbody>
                {data.brokers.map((b) => (
                  <tr key={b.id}>
                    <td>{b.id}</td>
                    <td>{b.endpoints.join(', ')}</td>
                    <td>{b.rack ?? '–'}</td>
                    <td class={b.fenced ? 'offline' : ''}>{b.fenced ? 'fenced' : b.inControlledShutdown ? 'controlled shutdown' : 'unfenced'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>Metadata quorum</h3>
            <p>
              This node is <strong data-testid="quorum-state">{data.quorum.state}</strong> · leader {data.quorum.leaderId ?? 'unknown'} · epoch {data.quorum.epoch} · high watermark {data.quorum.highWatermark ?? 'unknown'} · voters {data.quorum.voters.join(', ')}
            </p>
            {data.quorum.replicas !== null && (
              <table>
                <thead><tr><th>Replica</th><th>Role</th><th>Log end offset</th><th>Last caught up</th></tr></thead>
                <tbody>
                  {data.quorum.replicas.map((r) => (
                    <tr key={`${r.replicaId}-${r.voter}`}>
                      <td>{r.replicaId}</td>
                      <td>{r.voter ? 'voter' : 'observer'}</td>
                      <td>{r.logEndOffset}</td>
                      <td>{Number(r.lastCaughtUpTimestamp) > 0 ? new Date(Number(r.lastCaughtUpTimestamp)).toISOString() : '–'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </Section>
      <RateCharts />
    </>
  );
}

function RateCharts() {
  const { data, error } = usePoll<Rates>('api/rates', 1000);
  const rates = data?.rates ?? [];
  const t = rates.map((r) => r.t);
  return (
    <Section title="Traffic (this broker)" error={error} loading={data === null}>
      <div class="grid-charts">
        <Chart title="Produced records/s" testId="produce-rate-chart" series={[{ label: 'records in/s', stroke: '#1e88e5' }]} data={[t, rates.map((r) => r.messagesInPerSec)]} />
        <Chart
          title="Bytes/s"
          testId="bytes-rate-chart"
          series={[{ label: 'produced bytes/s', stroke: '#43a047' }, { label: 'consumed bytes/s', stroke: '#fb8c00' }]}
          data={[t, rates.map((r) => r.bytesInPerSec), rates.map((r) => r.bytesOutPerSec)]}
        />
      </div>
    </Section>
  );
}
