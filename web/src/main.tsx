// The web console's single page: hash routes (#/, #/topics, #/topics/<t>, #/topics/<t>/messages,
// #/groups, #/groups/<g>) over the broker's read-only JSON API.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import '@picocss/pico/css/pico.min.css';
import './console.css';
import { ClusterPage } from './pages/cluster.tsx';
import { TopicsPage } from './pages/topics.tsx';
import { TopicPage } from './pages/topic.tsx';
import { MessagesPage } from './pages/messages.tsx';
import { GroupsPage } from './pages/groups.tsx';
import { GroupPage } from './pages/group.tsx';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = (): void => setHash(location.hash);
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

function page(route: string[]) {
  const [section, name, sub] = route;
  if (section === 'topics' && name !== undefined && sub === 'messages') return <MessagesPage topic={name} />;
  if (section === 'topics' && name !== undefined) return <TopicPage topic={name} />;
  if (section === 'topics') return <TopicsPage />;
  if (section === 'groups' && name !== undefined) return <GroupPage groupId={name} />;
  if (section === 'groups') return <GroupsPage />;
  return <ClusterPage />;
}

function App() {
  const hash = useHash();
  const route = hash.replace(/^#\/?/, '').split('?')[0]!.split('/').filter((s) => s !== '').map(decodeURIComponent);
  const current = route[0] ?? '';
  return (
    <>
      <header class="container">
        <nav>
          <ul><li><strong>kafka-broker console</strong></li></ul>
          <ul>
            <li><a href="#/" aria-current={current === '' ? 'page' : undefined}>Cluster</a></li>
            <li><a href="#/topics" aria-current={current === 'topics' ? 'page' : undefined}>Topics</a></li>
            <li><a href="#/groups" aria-current={current === 'groups' ? 'page' : undefined}>Consumer groups</a></li>
          </ul>
        </nav>
      </header>
      <main class="container">{page(route)}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
