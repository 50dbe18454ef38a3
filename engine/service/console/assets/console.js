// Stepwise web console. Plain JavaScript, no framework. Every string that
// comes from a definition or an execution reaches the page through
// textContent or setAttribute, never as HTML, and the page's CSP allows no
// inline script.
//
// It runs in two modes: live, against the console's JSON API under
// /console/api/ (stepwise serve), and static, from the data embedded in
// the page (stepwise run --html), where it shows the one execution.
(function () {
  'use strict';

  var SVGNS = 'http://www.w3.org/2000/svg';
  var dataEl = document.getElementById('stepwise-data');
  var STATIC = dataEl ? JSON.parse(dataEl.textContent) : null;
  var POLL_MS = 1000;
  var HISTORY_PAGE = 100;

  // ---- DOM helpers ------------------------------------------------------

  // h builds an element: attrs may hold text, class, on<event> handlers
  // and plain attributes; children are nodes or strings (as text).
  function h(tag, attrs) {
    var e = document.createElement(tag);
    setAttrs(e, attrs);
    for (var i = 2; i < arguments.length; i++) append(e, arguments[i]);
    return e;
  }
  function s(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    setAttrs(e, attrs);
    return e;
  }
  function setAttrs(e, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'text') e.textContent = String(v);
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    });
  }
  function append(e, c) {
    if (c === undefined || c === null || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(e, x); }); return; }
    e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
  function app() { return document.getElementById('app'); }

  function fmtDate(t) {
    if (t === undefined || t === null || t === '') return '';
    var d = typeof t === 'number' ? new Date(t * 1000) : new Date(t);
    return isNaN(d.getTime()) ? String(t) : d.toISOString().replace('T', ' ').replace('Z', ' UTC');
  }
  function pretty(v) {
    if (v === undefined) return '';
    if (typeof v === 'string') {
      try { return JSON.stringify(JSON.parse(v), null, 2); } catch (e) { return v; }
    }
    return JSON.stringify(v, null, 2);
  }
  function badge(status) { return h('span', { class: 'badge ' + status, text: status }); }
  function shortName(arn) { var i = String(arn).lastIndexOf(':'); return i < 0 ? arn : arn.slice(i + 1); }

  function setCrumbs(parts) {
    var nav = clear(document.getElementById('crumbs'));
    parts.forEach(function (p, i) {
      if (i > 0) nav.appendChild(h('span', { class: 'sep', text: '›' }));
      nav.appendChild(p.href ? h('a', { href: p.href, text: p.text }) : h('span', { text: p.text }));
    });
  }

  // ---- API --------------------------------------------------------------

  function api(path, body) {
    var opts = { method: body ? 'POST' : 'GET', credentials: 'same-origin', headers: { 'X-Stepwise-Console': '1' } };
    if (body) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    return fetch('/console/api/' + path, opts).then(function (r) {
      if (r.status === 401) { location.href = '/console/login'; throw new Error('log in first'); }
      return r.json().then(function (j) {
        if (!r.ok) throw new Error((j.error || r.status) + ': ' + (j.message || ''));
        return j;
      });
    });
  }
  function q(params) {
    return Object.keys(params).filter(function (k) { return params[k] !== undefined && params[k] !== ''; })
      .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); }).join('&');
  }
  function showError(where, err) {
    append(where, h('p', { class: 'error', text: String(err && err.message || err) }));
  }

  // ---- routing ----------------------------------------------------------

  var timer = null;
  var view = 0; // bumped on each route: a stale poll sees it changed and stops
  function route() {
    view++;
    if (timer) { clearTimeout(timer); timer = null; }
    if (STATIC) { executionView(null, view); return; }
    var hash = location.hash.replace(/^#\/?/, '');
    var i = hash.indexOf('/');
    var kind = i < 0 ? hash : hash.slice(0, i);
    var arg = i < 0 ? '' : decodeURIComponent(hash.slice(i + 1));
    if (kind === 'machine' && arg) machineView(arg, view);
    else if (kind === 'execution' && arg) executionView(arg, view);
    else machinesView(view);
  }

  // ---- graph ------------------------------------------------------------

  var layouts = {}; // graphKey → laid-out dagre graph: each definition is laid out once

  function nodeSize(n) {
    if (n.kind === 'start' || n.kind === 'end') return { width: 64, height: 28 };
    if (n.kind === 'join') return { width: 14, height: 14 };
    var chars = Math.max(n.name.length, (n.label || '').length * 0.9);
    return { width: Math.min(360, Math.max(110, chars * 7.4 + 26)), height: 44 };
  }

  function layoutGraph(key, graph) {
    if (layouts[key]) return layouts[key];
    var g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
    g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 38, edgesep: 12, marginx: 16, marginy: 16 });
    g.setDefaultEdgeLabel(function () { return {}; });
    graph.groups.forEach(function (gr) { g.setNode(gr.id, { group: gr }); });
    graph.groups.forEach(function (gr) { if (gr.parent) g.setParent(gr.id, gr.parent); });
    graph.nodes.forEach(function (n) {
      var sz = nodeSize(n);
      g.setNode(n.id, { width: sz.width, height: sz.height, node: n });
      if (n.group) g.setParent(n.id, n.group);
    });
    graph.edges.forEach(function (e, i) { g.setEdge(e.from, e.to, { edge: e }, 'e' + i); });
    dagre.layout(g);
    layouts[key] = g;
    return g;
  }

  // drawGraph draws a laid-out graph into an SVG and returns a handle to
  // colour it (paint) and to mark the selected state.
  function drawGraph(key, graph, onSelect) {
    var g = layoutGraph(key, graph);
    var gw = g.graph().width || 200, gh = g.graph().height || 100;
    var svg = s('svg', { class: 'graph', width: gw, height: gh, viewBox: '0 0 ' + gw + ' ' + gh, role: 'img' });
    var defs = s('defs');
    var marker = s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.appendChild(s('path', { d: 'M 0 0 L 10 5 L 0 10 z' }));
    defs.appendChild(marker);
    svg.appendChild(defs);
    // Groups, outermost first.
    var depth = function (id) { var d = 0; var p = g.parent(id); while (p) { d++; p = g.parent(p); } return d; };
    graph.groups.slice().sort(function (a, b) { return depth(a.id) - depth(b.id); }).forEach(function (gr) {
      var l = g.node(gr.id);
      if (!l || l.width === undefined) return;
      var ge = s('g', { class: 'group' });
      ge.appendChild(s('rect', { x: l.x - l.width / 2, y: l.y - l.height / 2, width: l.width, height: l.height, rx: 8 }));
      var t = s('text', { x: l.x - l.width / 2 + 6, y: l.y - l.height / 2 + 12 });
      t.textContent = gr.label;
      ge.appendChild(t);
      svg.appendChild(ge);
    });
    var edgeEls = [];
    g.edges().forEach(function (ref) {
      var l = g.edge(ref);
      if (!l || !l.points) return;
      var d = l.points.map(function (p, i) { return (i ? 'L' : 'M') + p.x.toFixed(1) + ' ' + p.y.toFixed(1); }).join(' ');
      var p = s('path', { class: 'edge ' + l.edge.kind, d: d, 'marker-end': 'url(#arrow)' });
      if (l.edge.label) { var tt = s('title'); tt.textContent = l.edge.label; p.appendChild(tt); }
      svg.appendChild(p);
      edgeEls.push({ el: p, edge: l.edge });
    });
    var nodeEls = {}; // state name → [g elements]
    var byId = {};
    graph.nodes.forEach(function (n) {
      byId[n.id] = n;
      var l = g.node(n.id);
      var ne;
      if (n.kind === 'start' || n.kind === 'end') {
        ne = s('g', { class: 'node terminal' });
        ne.appendChild(s('ellipse', { cx: l.x, cy: l.y, rx: l.width / 2, ry: l.height / 2 }));
        var tx = s('text', { x: l.x, y: l.y + 4, 'text-anchor': 'middle' });
        tx.textContent = n.label;
        ne.appendChild(tx);
      } else if (n.kind === 'join') {
        ne = s('g', { class: 'node join' });
        ne.appendChild(s('circle', { cx: l.x, cy: l.y, r: 6 }));
      } else {
        ne = s('g', { class: 'node state unreached', 'data-state': n.name, tabindex: 0 });
        ne.appendChild(s('rect', { x: l.x - l.width / 2, y: l.y - l.height / 2, width: l.width, height: l.height, rx: 6 }));
        var t1 = s('text', { x: l.x, y: l.y - 3, 'text-anchor': 'middle' });
        t1.textContent = n.name;
        var t2 = s('text', { class: 'sub', x: l.x, y: l.y + 12, 'text-anchor': 'middle' });
        t2.textContent = n.label || n.type;
        var title = s('title');
        title.textContent = n.name + ' (' + n.type + ')';
        ne.appendChild(title); ne.appendChild(t1); ne.appendChild(t2);
        (nodeEls[n.name] = nodeEls[n.name] || []).push(ne);
        if (onSelect) {
          ne.addEventListener('click', function () { onSelect(n.name); });
          ne.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') onSelect(n.name); });
        }
      }
      svg.appendChild(ne);
    });
    var scale = 1;
    return {
      svg: svg,
      zoom: function (f) {
        scale = Math.max(0.2, Math.min(2, scale * f));
        svg.setAttribute('width', gw * scale);
        svg.setAttribute('height', gh * scale);
      },
      paint: function (summary) {
        var states = (summary && summary.states) || {};
        Object.keys(nodeEls).forEach(function (name) {
          var st = states[name];
          nodeEls[name].forEach(function (ne) {
            ['unreached', 'succeeded', 'failed', 'caught', 'running', 'aborted'].forEach(function (c) { ne.classList.remove(c); });
            ne.classList.add(st ? st.status : 'unreached');
            if (st) ne.setAttribute('data-status', st.status); else ne.removeAttribute('data-status');
          });
        });
        var taken = {};
        ((summary && summary.transitions) || []).forEach(function (t) { taken[t[0] + '\u0000' + t[1]] = true; });
        // A state's own way out (Next, End, its group's join) was taken
        // when it succeeded; a caught one left by its Catch edge.
        var done = function (n) { return n && n.kind === 'state' && states[n.name] && states[n.name].status === 'succeeded'; };
        edgeEls.forEach(function (x) {
          var a = byId[x.edge.from], b = byId[x.edge.to], on = false;
          if (a && b && a.kind === 'state' && b.kind === 'state' && x.edge.kind !== 'fork') on = !!taken[a.name + '\u0000' + b.name];
          else if (x.edge.kind === 'fork' || (a && a.kind === 'start')) on = !!(b && states[b.name]);
          else if (a && a.kind === 'join') on = done({ kind: 'state', name: a.name }) && (!b || b.kind !== 'state' || !!states[b.name]);
          else if (b && (b.kind === 'end' || b.kind === 'join')) on = done(a);
          x.el.classList.toggle('taken', on);
        });
      },
      select: function (name) {
        svg.querySelectorAll('.node.selected').forEach(function (e) { e.classList.remove('selected'); });
        (nodeEls[name] || []).forEach(function (e) { e.classList.add('selected'); });
      }
    };
  }

  function graphPanel(key, graph, graphError, onSelect, withLegend) {
    var panel = h('div', { class: 'panel' });
    if (graphError) { showError(panel, 'The definition could not be drawn: ' + graphError); return { el: panel }; }
    var handle = drawGraph(key, graph, onSelect);
    var tools = h('div', { class: 'graph-tools' },
      h('button', { class: 'secondary', type: 'button', onclick: function () { handle.zoom(1.25); }, text: '+' }),
      h('button', { class: 'secondary', type: 'button', onclick: function () { handle.zoom(0.8); }, text: '−' }),
      h('span', { class: 'muted', text: graph.nodes.filter(function (n) { return n.kind === 'state'; }).length + ' states' }));
    if (withLegend) {
      tools.appendChild(h('span', { class: 'legend grow' },
        ['succeeded', 'failed', 'caught', 'running', 'aborted'].map(function (c) { return h('span', null, h('i', { class: c }), c); }),
        h('span', null, h('i'), 'not reached')));
    }
    append(panel, [tools, h('div', { class: 'graph-wrap' }, handle.svg)]);
    return { el: panel, handle: handle };
  }

  // ---- state machines -----------------------------------------------------

  function machinesView(v) {
    setCrumbs([{ text: 'State machines' }]);
    var root = clear(app());
    root.appendChild(h('h1', { text: 'State machines' }));
    var list = h('div', { class: 'panel', id: 'machines' }, h('p', { class: 'muted', text: 'Loading…' }));
    root.appendChild(list);
    root.appendChild(createForm());
    var load = function (token) {
      api('machines?' + q({ nextToken: token })).then(function (r) {
        if (v !== view) return;
        clear(list);
        if (!r.stateMachines.length) {
          list.appendChild(h('p', { class: 'muted', text: 'No state machines yet. Create one below, or with the AWS CLI (aws stepfunctions create-state-machine --endpoint-url …).' }));
          return;
        }
        list.appendChild(h('table', null,
          h('thead', null, h('tr', null, h('th', { text: 'Name' }), h('th', { text: 'Type' }), h('th', { text: 'Created' }))),
          h('tbody', null, r.stateMachines.map(function (m) {
            return h('tr', null,
              h('td', null, h('a', { href: '#/machine/' + encodeURIComponent(m.stateMachineArn), text: m.name })),
              h('td', { text: m.type }), h('td', { text: fmtDate(m.creationDate) }));
          }))));
        if (r.nextToken) list.appendChild(h('div', { class: 'pager' }, h('button', { class: 'secondary', text: 'More', onclick: function () { load(r.nextToken); } })));
      }).catch(function (e) { clear(list); showError(list, e); });
    };
    load('');
  }

  function createForm() {
    var name = h('input', { name: 'name', placeholder: 'name', required: true });
    var type = h('select', { name: 'type' }, h('option', { text: 'STANDARD' }), h('option', { text: 'EXPRESS' }));
    var def = h('textarea', { name: 'definition', rows: 8, placeholder: '{"StartAt": "...", "States": {...}}' });
    var out = h('div');
    var form = h('form', { class: 'panel', id: 'create-machine' },
      h('h2', { text: 'New state machine' }),
      h('div', { class: 'row' }, h('label', null, 'Name ', name), h('label', null, 'Type ', type)),
      h('label', null, 'Definition (ASL JSON)', def),
      h('button', { type: 'submit', text: 'Create' }), out);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      clear(out);
      api('create', { name: name.value, definition: def.value, type: type.value }).then(function (r) {
        location.hash = '#/machine/' + encodeURIComponent(r.stateMachineArn);
      }).catch(function (e) { showError(out, e); });
    });
    return form;
  }

  function machineView(arn, v) {
    setCrumbs([{ text: 'State machines', href: '#/' }, { text: shortName(arn) }]);
    var root = clear(app());
    api('machine?' + q({ arn: arn })).then(function (r) {
      if (v !== view) return;
      var m = r.machine;
      root.appendChild(h('h1', { text: m.name }));
      root.appendChild(h('p', { class: 'muted' }, h('span', { class: 'mono', text: m.stateMachineArn }), ' · ' + m.type + ' · created ' + fmtDate(m.creationDate)));
      var gp = graphPanel(r.graphKey, r.graph, r.graphError, null, false);
      var targets = [{ arn: m.stateMachineArn, label: 'the latest revision' }];
      ((r.versions && r.versions.stateMachineVersions) || []).forEach(function (x) {
        targets.push({ arn: x.stateMachineVersionArn, label: 'version ' + shortName(x.stateMachineVersionArn), date: x.creationDate, kind: 'Version' });
      });
      ((r.aliases && r.aliases.stateMachineAliases) || []).forEach(function (x) {
        targets.push({ arn: x.stateMachineAliasArn, label: 'alias ' + shortName(x.stateMachineAliasArn), date: x.creationDate, kind: 'Alias' });
      });
      var split = h('div', { class: 'split' }, gp.el, h('div', null, startForm(m, r.testCases, targets), qualifiersPanel(targets)));
      root.appendChild(split);
      root.appendChild(executionsPanel(arn, v));
    }).catch(function (e) { showError(root, e); });
  }

  // qualifiersPanel lists a machine's versions and aliases.
  function qualifiersPanel(targets) {
    var rows = targets.filter(function (x) { return x.kind; });
    return h('div', { class: 'panel', id: 'qualifiers' }, h('h2', { text: 'Versions and aliases' }),
      rows.length ? h('table', null,
        h('thead', null, h('tr', null, ['Kind', 'ARN', 'Created'].map(function (t) { return h('th', { text: t }); }))),
        h('tbody', null, rows.map(function (x) {
          return h('tr', null, h('td', { text: x.kind }), h('td', { class: 'mono', text: x.arn }), h('td', { text: fmtDate(x.date) }));
        })))
        : h('p', { class: 'muted', text: 'None published (PublishStateMachineVersion, CreateStateMachineAlias).' }));
  }

  function startForm(m, testCases, targets) {
    var name = h('input', { name: 'name', placeholder: '(generated)' });
    var target = h('select', { name: 'target' }, targets.map(function (x) { return h('option', { value: x.arn, text: x.label }); }));
    var input = h('textarea', { name: 'input', rows: 8 });
    input.value = '{}';
    var tc = h('select', { name: 'testCase' }, h('option', { value: '', text: '(none: call the real integrations)' }),
      testCases.map(function (t) { return h('option', { value: t, text: t }); }));
    var out = h('div');
    var form = h('form', { class: 'panel', id: 'start-execution' },
      h('h2', { text: 'Start an execution' }),
      h('label', null, 'Name ', name),
      targets.length > 1 ? h('label', null, 'Run ', target) : null,
      testCases.length ? h('label', null, 'Mock test case ', tc) : h('p', { class: 'muted', text: 'No MockConfigFile test cases for this machine (serve --mocks FILE adds them).' }),
      h('label', null, 'Input (JSON)', input),
      h('button', { type: 'submit', text: 'Start execution' }), out);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      clear(out);
      api('start', { stateMachineArn: target.value || m.stateMachineArn, name: name.value, input: input.value, testCase: testCases.length ? tc.value : '' })
        .then(function (r) { location.hash = '#/execution/' + encodeURIComponent(r.executionArn); })
        .catch(function (e) { showError(out, e); });
    });
    return form;
  }

  function executionsPanel(arn, v) {
    var status = h('select', { name: 'status' }, ['', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']
      .map(function (x) { return h('option', { value: x, text: x || 'all' }); }));
    var body = h('div', { id: 'executions' });
    var panel = h('div', { class: 'panel' },
      h('div', { class: 'row' }, h('h2', { class: 'grow', text: 'Executions' }), h('label', null, 'Status ', status)), body);
    var load = function (token) {
      api('executions?' + q({ arn: arn, status: status.value, nextToken: token })).then(function (r) {
        if (v !== view) return;
        clear(body);
        if (!r.executions.length) { body.appendChild(h('p', { class: 'muted', text: 'No executions.' })); return; }
        body.appendChild(h('table', null,
          h('thead', null, h('tr', null, ['Name', 'Status', 'Started', 'Stopped'].map(function (t) { return h('th', { text: t }); }))),
          h('tbody', null, r.executions.map(function (x) {
            return h('tr', null,
              h('td', null, h('a', { href: '#/execution/' + encodeURIComponent(x.executionArn), text: x.name })),
              h('td', null, badge(x.status)), h('td', { text: fmtDate(x.startDate) }), h('td', { text: fmtDate(x.stopDate) }));
          }))));
        if (r.nextToken) body.appendChild(h('div', { class: 'pager' }, h('button', { class: 'secondary', text: 'Next page', onclick: function () { load(r.nextToken); } })));
      }).catch(function (e) { clear(body); showError(body, e); });
    };
    status.addEventListener('change', function () { load(''); });
    load('');
    return panel;
  }

  // ---- one execution ------------------------------------------------------

  // source abstracts where an execution view reads from: the API, or the
  // data embedded in a static page.
  function liveSource(arn) {
    return {
      execution: function (have) { return api('execution?' + q({ arn: arn, have: have })); },
      history: function (token, reverse) { return api('history?' + q({ arn: arn, nextToken: token, reverse: reverse ? '1' : '' })); },
      state: function (name, offset) { return api('state?' + q({ arn: arn, name: name, offset: offset })); }
    };
  }
  function staticSource() {
    return {
      execution: function () { return Promise.resolve(STATIC.view); },
      history: function (token, reverse) {
        var evs = STATIC.events.slice();
        if (reverse) evs.reverse();
        var start = parseInt(token || '0', 10);
        var page = evs.slice(start, start + HISTORY_PAGE);
        return Promise.resolve({ events: page, nextToken: start + HISTORY_PAGE < evs.length ? String(start + HISTORY_PAGE) : '' });
      },
      state: function (name, offset) {
        var all = STATIC.visits.filter(function (x) { return x.state === name; });
        return Promise.resolve({ state: name, source: 'trace', total: all.length, offset: offset, visits: all.slice(offset, offset + 50) });
      }
    };
  }

  function executionView(arn, v) {
    var src = STATIC ? staticSource() : liveSource(arn);
    if (!STATIC) setCrumbs([{ text: 'State machines', href: '#/' }, { text: 'execution ' + shortName(arn) }]);
    var root = clear(app());
    var header = h('div', { class: 'panel', id: 'execution-header' });
    var graphSlot = h('div');
    var statePanel = h('div', { class: 'panel state-panel', id: 'state-panel' },
      h('h2', { text: 'State' }), h('p', { class: 'muted', text: 'Click a state of the graph to see its input, output and data-flow steps.' }));
    var historyPanel = h('div', { class: 'panel', id: 'history' });
    root.appendChild(header);
    root.appendChild(h('div', { class: 'split' }, graphSlot, statePanel));
    root.appendChild(historyPanel);

    var graphKey = '', handle = null, selected = '', lastStatus = '', lastEvents = -1;
    var selectState = function (name) {
      selected = name;
      if (handle) handle.select(name);
      showState(src, statePanel, name, 0);
    };
    var history = historyTable(src, historyPanel);

    var tick = function () {
      src.execution(graphKey).then(function (r) {
        if (v !== view) return;
        var ex = r.execution;
        if (r.graphKey !== graphKey) {
          graphKey = r.graphKey;
          var gp = graphPanel(r.graphKey, r.graph, r.graphError, selectState, true);
          handle = gp.handle;
          clear(graphSlot).appendChild(gp.el);
          if (selected && handle) handle.select(selected);
        }
        if (handle) handle.paint(r.summary);
        renderHeader(header, ex, r, function () { tick(); });
        if (!STATIC) setCrumbs([{ text: 'State machines', href: '#/' },
          { text: shortName(ex.stateMachineArn), href: '#/machine/' + encodeURIComponent(ex.stateMachineArn) }, { text: ex.name }]);
        var changed = r.summary.events !== lastEvents || ex.status !== lastStatus;
        lastEvents = r.summary.events;
        if (changed) {
          history.refresh();
          if (selected && lastStatus !== '') showState(src, statePanel, selected, 0);
        }
        lastStatus = ex.status;
        if (!STATIC && ex.status === 'RUNNING') timer = setTimeout(tick, POLL_MS);
      }).catch(function (e) {
        if (v !== view) return;
        clear(header); showError(header, e);
        if (!STATIC) timer = setTimeout(tick, POLL_MS * 3);
      });
    };
    tick();
  }

  function renderHeader(header, ex, r, reload) {
    clear(header);
    var actions = h('div', { class: 'row' });
    if (!STATIC) {
      var out = h('span');
      if (ex.status === 'RUNNING') {
        actions.appendChild(h('button', { class: 'danger', id: 'stop', type: 'button', text: 'Stop execution', onclick: function () {
          api('stop', { executionArn: ex.executionArn, error: 'Stopped', cause: 'Stopped from the console' }).then(reload).catch(function (e) { showError(out, e); });
        } }));
      }
      if (ex.redriveStatus === 'REDRIVABLE') {
        actions.appendChild(h('button', { class: 'secondary', id: 'redrive', type: 'button', text: 'Redrive', onclick: function () {
          api('redrive', { executionArn: ex.executionArn }).then(reload).catch(function (e) { showError(out, e); });
        } }));
      }
      actions.appendChild(out);
    }
    var facts = h('dl', { class: 'facts' },
      h('dt', { text: 'Execution' }), h('dd', { class: 'mono', text: ex.executionArn }),
      h('dt', { text: 'State machine' }), h('dd', { class: 'mono', text: ex.stateMachineArn }),
      h('dt', { text: 'Started' }), h('dd', { text: fmtDate(ex.startDate) }),
      ex.stopDate ? [h('dt', { text: 'Stopped' }), h('dd', { text: fmtDate(ex.stopDate) })] : null,
      ex.stateMachineVersionArn ? [h('dt', { text: 'Version' }), h('dd', { class: 'mono', text: ex.stateMachineVersionArn })] : null,
      ex.stateMachineAliasArn ? [h('dt', { text: 'Alias' }), h('dd', { class: 'mono', text: ex.stateMachineAliasArn })] : null,
      ex.redriveCount ? [h('dt', { text: 'Redrives' }), h('dd', { text: ex.redriveCount })] : null,
      (r.mapRuns && r.mapRuns.mapRuns && r.mapRuns.mapRuns.length) ? [h('dt', { text: 'Map Runs' }),
        h('dd', null, r.mapRuns.mapRuns.map(function (x) { return h('div', { class: 'mono', text: x.mapRunArn + ' ' + (x.status || '') }); }))] : null,
      ex.error ? [h('dt', { text: 'Error' }), h('dd', { class: 'error', id: 'execution-error', text: ex.error })] : null,
      ex.cause ? [h('dt', { text: 'Cause' }), h('dd', { class: 'error', text: ex.cause })] : null,
      h('dt', { text: 'Events' }), h('dd', { text: r.summary.events }));
    append(header, [
      h('div', { class: 'row' }, h('h1', { class: 'grow', text: ex.name }), h('span', { id: 'execution-status' }, badge(ex.status)), actions),
      facts,
      (!STATIC && !r.traced) ? h('p', { class: 'muted', text: 'No data-flow trace for this execution (serve traces the executions that start while the console is in use, unless --console-trace says otherwise; a trace is not kept across restarts): states show the input and output of the history.' }) : null,
      h('div', { class: 'split' },
        h('div', null, h('h3', { text: 'Input' }), h('pre', { class: 'json', id: 'execution-input', text: pretty(ex.input) })),
        h('div', null, h('h3', { text: 'Output' }), h('pre', { class: 'json', id: 'execution-output', text: ex.output !== undefined ? pretty(ex.output) : '—' })))
    ]);
  }

  function pathText(path) {
    return (path || []).map(function (p) {
      return p.state + (p.kind === 'iteration' ? ' item ' : ' branch ') + p.index;
    }).join(' › ');
  }

  function showState(src, panel, name, offset) {
    src.state(name, offset).then(function (r) {
      clear(panel);
      panel.appendChild(h('h2', { id: 'state-name', text: name }));
      if (!r.total) { panel.appendChild(h('p', { class: 'muted', text: 'Not reached (yet).' })); return; }
      var detail = h('div', { id: 'visit' });
      var pick = h('select', { id: 'visit-select' }, r.visits.map(function (x, i) {
        var where = pathText(x.path);
        return h('option', { value: i, text: '#' + (r.offset + i + 1) + (where ? ' · ' + where : '') + (x.error ? ' · ' + x.error : '') });
      }));
      pick.addEventListener('change', function () { renderVisit(detail, r.visits[+pick.value]); });
      var pager = h('span', { class: 'pager' },
        r.offset > 0 ? h('button', { class: 'secondary', type: 'button', text: '‹ earlier', onclick: function () { showState(src, panel, name, Math.max(0, r.offset - 50)); } }) : null,
        r.offset + r.visits.length < r.total ? h('button', { class: 'secondary', type: 'button', text: 'later ›', onclick: function () { showState(src, panel, name, r.offset + 50); } }) : null);
      append(panel, [
        h('div', { class: 'row' }, h('span', { text: r.total + (r.total === 1 ? ' visit' : ' visits') }), r.total > 1 ? pick : null, pager),
        r.source === 'history' ? h('p', { class: 'muted', text: 'From the history: input and output only.' }) : null,
        detail]);
      renderVisit(detail, r.visits[0]);
    }).catch(function (e) { clear(panel); showError(panel, e); });
  }

  var stageNames = {
    afterInputPath: 'After InputPath', afterParameters: 'After Parameters / Arguments', result: 'Result',
    afterResultSelector: 'After ResultSelector', afterResultPath: 'After ResultPath'
  };

  function renderVisit(el, x) {
    clear(el);
    if (!x) return;
    var where = pathText(x.path);
    append(el, [
      where ? h('p', null, h('strong', { text: 'In: ' }), where) : null,
      h('h3', { text: 'Input' }), h('pre', { class: 'json', id: 'state-input', text: pretty(x.input) }),
      (x.stages || []).map(function (st) { return [h('h3', { text: stageNames[st.name] || st.name }), h('pre', { class: 'json', 'data-stage': st.name, text: pretty(st.value) })]; }),
      x.variables ? [h('h3', { text: 'Variables assigned' }), h('pre', { class: 'json', text: pretty(x.variables) })] : null,
      (x.retries || []).length ? [h('h3', { text: 'Retries' }), h('pre', { class: 'json', text: pretty(x.retries) })] : null,
      x.catch ? [h('h3', { text: 'Caught' }), h('pre', { class: 'json', text: pretty(x.catch) })] : null,
      x.error || x.cause ? [h('h3', { text: 'Error' }), h('pre', { class: 'json error', text: (x.error || '') + '\n' + (x.cause || '') })] : null,
      x.aborted ? h('p', { class: 'muted', text: 'The visit was aborted.' }) : null,
      h('h3', { text: 'Output' }), h('pre', { class: 'json', id: 'state-output', text: x.output !== undefined ? pretty(x.output) : '—' }),
      x.next ? h('p', null, h('strong', { text: 'Next: ' }), x.next) : null
    ]);
  }

  // readable returns event details with their JSON payload strings
  // (input, output, parameters) decoded, to show as JSON.
  function readable(d) {
    var out = {};
    Object.keys(d).forEach(function (k) {
      var v = d[k];
      if (typeof v === 'string' && /^(input|output|parameters|assignedVariables)$/.test(k)) {
        try { v = JSON.parse(v); } catch (e) { /* not JSON: keep the text */ }
      }
      out[k] = v;
    });
    return out;
  }

  // historyTable shows the event history a page at a time (newest first
  // or oldest first), so that 25,000 events stay usable.
  function historyTable(src, panel) {
    var tokens = [''], page = 0, reverse = false;
    var order = h('select', { id: 'history-order' }, h('option', { value: '', text: 'oldest first' }), h('option', { value: '1', text: 'newest first' }));
    var body = h('div');
    var load = function () {
      src.history(tokens[page], reverse).then(function (r) {
        clear(body);
        if (r.nextToken) tokens[page + 1] = r.nextToken; else tokens.length = page + 1;
        body.appendChild(h('table', { id: 'history-table' },
          h('thead', null, h('tr', null, ['ID', 'Type', 'Step', 'Time', 'Details'].map(function (t) { return h('th', { text: t }); }))),
          h('tbody', null, r.events.map(function (ev) {
            var details = null, step = '';
            Object.keys(ev).forEach(function (k) { if (/EventDetails$/.test(k)) details = readable(ev[k]); });
            if (details && details.name) step = details.name;
            return h('tr', null, h('td', { text: ev.id }), h('td', { text: ev.type }), h('td', { text: step }),
              h('td', { text: fmtDate(ev.timestamp) }), h('td', { class: 'details' }, details ? h('pre', { text: pretty(details) }) : null));
          }))));
        body.appendChild(h('div', { class: 'pager' },
          h('button', { class: 'secondary', type: 'button', text: '‹ Previous', disabled: page === 0, onclick: function () { page--; load(); } }),
          h('span', { class: 'muted', text: 'page ' + (page + 1) }),
          h('button', { class: 'secondary', type: 'button', id: 'history-next', text: 'Next ›', disabled: !r.nextToken, onclick: function () { page++; load(); } })));
      }).catch(function (e) { clear(body); showError(body, e); });
    };
    order.addEventListener('change', function () { reverse = order.value === '1'; tokens = ['']; page = 0; load(); });
    append(panel, [h('div', { class: 'row' }, h('h2', { class: 'grow', text: 'Event history' }), h('label', null, 'Order ', order)), body]);
    return { refresh: load };
  }

  // ---- start ---------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', function () {
    if (!STATIC) {
      api('session').then(function (r) { document.getElementById('logout').hidden = !r.auth; }).catch(function () {});
      window.addEventListener('hashchange', route);
    }
    route();
  });
})();
