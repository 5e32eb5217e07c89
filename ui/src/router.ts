// Client-side navigation between the UI's pages (the server answers every page path with the same
// app): same-origin link clicks become history.pushState, and the route is read off location.
export type Route =
  | { page: 'cluster' }
  | { page: 'visualizer' }
  | { page: 'service' | 'node' | 'container'; id: string }
  | { page: 'logs'; params: URLSearchParams }
  | { page: 'missing' };

export function currentRoute(): Route {
  const p = location.pathname;
  if (p === '/' || p === '') return { page: 'cluster' };
  if (p === '/visualizer') return { page: 'visualizer' };
  if (p === '/logs') return { page: 'logs', params: new URLSearchParams(location.search) };
  const m = /^\/(service|node|container)\/([^/]+)$/.exec(p);
  if (m) return { page: m[1] as 'service' | 'node' | 'container', id: decodeURIComponent(m[2]!) };
  return { page: 'missing' };
}

export function navigate(href: string): void {
  history.pushState(null, '', href);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** Plain left clicks on same-origin links navigate in place; anything else is the browser's. */
export function interceptLinks(): void {
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element).closest('a');
    if (!a || a.target || a.origin !== location.origin || a.pathname.startsWith('/ui/') || a.pathname === '/logout')
      return;
    e.preventDefault();
    navigate(a.pathname + a.search);
  });
}
