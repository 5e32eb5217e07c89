// The UI's entry: the route from the URL, one live connection (its focus follows the page), and
// the page for the route, re-rendered on every live update.
import { html, render } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { Header } from './components.ts';
import { Live } from './live.ts';
import { currentRoute, interceptLinks, type Route } from './router.ts';
import { ClusterPage } from './pages/cluster.ts';
import { VisualizerPage } from './pages/visualizer.ts';
import { ContainerPage, NodePage, ServicePage } from './pages/entity.ts';
import { LogsPage } from './pages/logs.ts';

const live = new Live();

function focusOf(r: Route): string | undefined {
  return r.page === 'service' || r.page === 'node' || r.page === 'container' ? `${r.page}:${r.id}` : undefined;
}

/** The parts of the cluster view a page draws beyond nodes, services and the attention list. */
function needOf(r: Route): string {
  if (r.page === 'cluster' || r.page === 'logs') return 'none';
  if (r.page === 'visualizer') return 'tasks';
  return 'tasks,containers,events';
}

function App() {
  const [route, setRoute] = useState(currentRoute());
  const [, setTick] = useState(0);
  useEffect(() => {
    const onPop = () => setRoute(currentRoute());
    window.addEventListener('popstate', onPop);
    const off = live.subscribe(() => setTick((n) => n + 1));
    return () => {
      window.removeEventListener('popstate', onPop);
      off();
    };
  }, []);
  live.open(focusOf(route), needOf(route));
  useEffect(() => {
    document.title = `swarmscope · ${route.page === 'cluster' ? 'cluster' : route.page}`;
  }, [route]);
  const s = live.state;
  const view = s.view;
  let body;
  if (route.page === 'logs') body = html`<${LogsPage} params=${route.params} />`;
  else if (!view)
    body = html`<main>
      <p class="boot">${s.connection === 'lost' ? 'Cannot reach the aggregator.' : 'Loading the cluster…'}</p>
    </main>`;
  else if (route.page === 'cluster') body = html`<${ClusterPage} view=${view} />`;
  else if (route.page === 'visualizer') body = html`<${VisualizerPage} view=${view} />`;
  else if (route.page === 'service') body = html`<${ServicePage} view=${view} id=${route.id} history=${s.history} />`;
  else if (route.page === 'node') body = html`<${NodePage} view=${view} id=${route.id} history=${s.history} />`;
  else if (route.page === 'container')
    body = html`<${ContainerPage} view=${view} id=${route.id} history=${s.history} />`;
  else
    body = html`<main>
      <h1>Not found</h1>
      <p><a href="/">Back to the cluster</a></p>
    </main>`;
  return html`<${Header} live=${s} page=${route.page} />${body}`;
}

interceptLinks();
const root = document.getElementById('app')!;
root.textContent = ''; // the server's "Loading…" placeholder
render(html`<${App} />`, root);
