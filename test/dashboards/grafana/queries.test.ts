import test from 'ava';
import { grafanaDashboards } from '../../../dashboards/grafana/artefacts.ts';
import { interpolate, panelQueries, parseVariableQuery, variableQueries } from '../../../dashboards/grafana/queries.ts';

test('interpolates $var, ${var}, ${var:format}, [[var]] and the built-in intervals', (t) => {
  t.is(
    interpolate('rate(m{a="$a",b="${b}",c="${c:regex}",d="[[d]]"}[$__rate_interval])', {
      a: '1',
      b: '2',
      c: '3',
      d: '4',
    }),
    'rate(m{a="1",b="2",c="3",d="4"}[1m])',
  );
});

test('refuses to interpolate a variable it has no value for', (t) => {
  t.throws(() => interpolate('m{a="$missing"}', {}));
});

test('parses label_values and query_result variable queries', (t) => {
  t.deepEqual(parseVariableQuery('s', 'label_values(up{job=~"$job"}, service)'), {
    name: 's',
    kind: 'label_values',
    selector: 'up{job=~"$job"}',
    label: 'service',
  });
  t.deepEqual(parseVariableQuery('q', 'query_result(topk(3, up))'), {
    name: 'q',
    kind: 'query_result',
    expr: 'topk(3, up)',
  });
});

test('every generated panel has a Prometheus query, every selector is scoped to $job, and every dashboard has the job variable', (t) => {
  for (const { dashboard } of grafanaDashboards()) {
    const queries = panelQueries(dashboard);
    t.true(queries.length > 5, dashboard.uid);
    for (const q of queries) {
      // Every metric selector carries job=~"$job" (ALERTS is Prometheus' own and has no job).
      for (const m of q.expr.matchAll(/([a-zA-Z_:][\w:]*)\{([^}]*)\}/g))
        if (m[1] !== 'ALERTS') t.true(m[2]!.includes('job=~"$job"'), `${dashboard.uid} ${q.panel}: ${m[0]}`);
    }
    t.is(variableQueries(dashboard)[0]?.name, 'job');
  }
});
