// The report page's script: plain browser JavaScript, inlined into the page by page.ts (no
// library, no network). It draws the reduced trace (reduce.ts's ReportData) as SVG lanes on one
// virtual-time axis, keeps a time cursor, shows the cluster as it was at the cursor, and lists
// the events in a virtualised log (only the visible rows exist in the DOM).
(function () {
  'use strict';
  var timings = {};
  var started = performance.now();
  var D = JSON.parse(document.getElementById('report-data').textContent);
  timings.parseMs = performance.now() - started;
  var SVGNS = 'http://www.w3.org/2000/svg';
  var LABEL_W = 170;
  var RIGHT_PAD = 10;
  var LANE_H = 16;
  var LANE_GAP = 3;
  /** Beyond this many nodes the nodes are one aggregate lane (counts per status). */
  var MAX_NODE_LANES = 40;
  /** Beyond this many workloads the smaller ones are added up in one chart. */
  var MAX_WORKLOAD_CHARTS = 8;
  var LOG_ROW_H = 18;
  var dur = Math.max(1, D.durationMs);
  var W = 1000;
  var cursor = 0;
  var timeline = document.getElementById('timeline');

  function xOf(t) { return LABEL_W + (t / dur) * (W - LABEL_W - RIGHT_PAD); }
  function tOfX(px) { return Math.max(0, Math.min(dur, Math.round(((px - LABEL_W) / (W - LABEL_W - RIGHT_PAD)) * dur))); }
  function fmt(ms) { return (ms / 1000).toFixed(3) + 's'; }
  function esc(s) { return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'); }
  function cls(s) { return String(s).replace(/[^A-Za-z0-9_-]/g, '_'); }

  /** The span in force at t (spans sorted, half-open; the last one also holds at its end). */
  function spanAt(spans, t) {
    if (!spans || spans.length === 0) return null;
    var lo = 0, hi = spans.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (spans[mid][0] <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found < 0) return null;
    var s = spans[found];
    return t < s[1] || (s[1] === dur && t === dur) ? s : null;
  }
  /** A series' counts at t (the step function's value). */
  function seriesIndexAt(series, t) {
    var lo = 0, hi = series.t.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (series.t[mid] <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  // ---- drawing ----------------------------------------------------------------------------

  function section(title, id) {
    var head = document.createElement('div');
    head.className = 'section-title';
    head.textContent = title;
    timeline.appendChild(head);
    var svg = document.createElementNS(SVGNS, 'svg');
    svg.setAttribute('class', 'lanes');
    svg.id = id;
    timeline.appendChild(svg);
    return svg;
  }
  function finishSvg(svg, parts, height) {
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + height);
    svg.setAttribute('height', String(height));
    svg.innerHTML = parts.join('');
  }
  function legend(items) {
    var div = document.createElement('div');
    div.className = 'legend';
    div.innerHTML = items.map(function (it) { return '<span><i class="' + it[0] + '" style="background:' + it[1] + '"></i>' + esc(it[2]) + '</span>'; }).join('');
    timeline.appendChild(div);
  }
  function laneLabel(y, text) {
    return '<text class="label" x="6" y="' + (y + LANE_H - 4) + '">' + esc(text.length > 26 ? text.slice(0, 25) + '…' : text) + '<title>' + esc(text) + '</title></text>';
  }
  function rect(x0, x1, y, h, klass, title) {
    var w = Math.max(0.5, x1 - x0);
    return '<rect class="' + klass + '" x="' + x0.toFixed(1) + '" y="' + y + '" width="' + w.toFixed(1) + '" height="' + h + '">' + (title ? '<title>' + esc(title) + '</title>' : '') + '</rect>';
  }
  /** Faint shading of every partition across a section, so a lane shows when it was cut off. */
  function bandShade(height) {
    return D.bands.map(function (b) { return rect(xOf(b.fromMs), xOf(b.toMs), 0, height, 'band-' + b.kind, ''); }).join('');
  }
  function describeBand(b) {
    if (b.kind === 'cut') return 'cut ' + b.groups[0].join(', ') + ' ↛ ' + b.groups[1].join(', ');
    if (b.kind === 'isolate') return 'isolated ' + b.groups.map(function (g) { return g.join(''); }).join(', ');
    return 'partition ' + b.groups.map(function (g) { return '{' + g.join(', ') + '}'; }).join(' | ');
  }

  function drawAxis() {
    var svg = section('virtual time · faults · expectations · invariants', 'axis');
    svg.setAttribute('data-label-width', String(LABEL_W));
    svg.setAttribute('data-plot-width', String(W - LABEL_W - RIGHT_PAD));
    svg.setAttribute('data-duration', String(dur));
    var parts = ['<g class="axis">'];
    var steps = [100, 250, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 1800000, 3600000, 7200000, 21600000, 86400000];
    var step = steps.find(function (s) { return (dur / s) <= 12; }) || 86400000;
    for (var t = 0; t <= dur; t += step) {
      var x = xOf(t);
      parts.push('<line x1="' + x + '" x2="' + x + '" y1="12" y2="18"></line><text x="' + (x + 2) + '" y="10">' + esc(t >= 60000 ? Math.floor(t / 60000) + 'm' + (t % 60000 ? (t % 60000) / 1000 + 's' : '') : t / 1000 + 's') + '</text>');
    }
    parts.push('</g>');
    var rows = [['fault', 24], ['expect', 38], ['invariant', 52]];
    parts.push(laneLabel(22, 'faults'), laneLabel(36, 'expectations'), laneLabel(50, 'invariants'));
    D.markers.forEach(function (m) {
      var y = rows.filter(function (r) { return r[0] === m.kind; })[0][1];
      var klass = m.kind === 'expect' ? (m.ok ? 'marker-expect-ok' : 'marker-expect-fail') : 'marker-' + m.kind;
      var x = xOf(m.t);
      parts.push('<path class="marker ' + klass + '" data-seq="' + m.seq + '" data-t="' + m.t + '" d="M' + x.toFixed(1) + ' ' + y + 'l5 6l-5 6l-5 -6z"><title>' + esc(fmt(m.t) + '  ' + (m.kind === 'expect' ? (m.ok ? 'ok: ' : 'FAILED: ') : m.kind + ': ') + m.label + (m.detail && m.kind !== 'fault' ? '\n' + m.detail : '')) + '</title></path>');
    });
    finishSvg(svg, parts, 68);
  }

  function drawNetwork() {
    if (D.bands.length === 0) return;
    var svg = section('network: partitions and one-way cuts', 'network');
    var rowsEnd = [];
    var parts = [];
    D.bands.forEach(function (b) {
      var row = 0;
      while (rowsEnd[row] !== undefined && rowsEnd[row] > b.fromMs) row++;
      rowsEnd[row] = b.toMs;
      var y = 4 + row * (LANE_H + LANE_GAP);
      var label = describeBand(b);
      parts.push('<g class="band" data-band="' + b.kind + '" data-from="' + b.fromMs + '" data-to="' + b.toMs + '">' + rect(xOf(b.fromMs), xOf(b.toMs), y, LANE_H, 'band-' + b.kind, fmt(b.fromMs) + '–' + fmt(b.toMs) + '  ' + label) + '<text class="band-label" x="' + (xOf(b.fromMs) + 3) + '" y="' + (y + LANE_H - 4) + '">' + esc(label) + '</text></g>');
    });
    parts.unshift(laneLabel(4, 'network faults'));
    finishSvg(svg, parts, 8 + rowsEnd.length * (LANE_H + LANE_GAP));
  }

  function drawEtcd() {
    if (D.etcd.members.length === 0) return;
    var svg = section('etcd members: Raft role and term', 'etcd');
    var h = 4 + D.etcd.members.length * (LANE_H + LANE_GAP);
    var parts = [bandShade(h)];
    D.etcd.members.forEach(function (m, i) {
      var y = 4 + i * (LANE_H + LANE_GAP);
      parts.push('<g class="lane" data-lane="' + esc(m) + '">' + laneLabel(y, m));
      (D.etcd.roles[m] || []).forEach(function (s) {
        var x0 = xOf(s[0]), x1 = xOf(s[1]);
        parts.push(rect(x0, x1, y, LANE_H, 'role-' + cls(s[2]), m + ' ' + s[2] + ' term ' + s[3] + '  ' + fmt(s[0]) + '–' + fmt(s[1])));
        if (s[2] === 'leader' && x1 - x0 > 18) parts.push('<text class="role-text" x="' + (x0 + 3) + '" y="' + (y + LANE_H - 4) + '">term ' + s[3] + '</text>');
      });
      parts.push('</g>');
    });
    finishSvg(svg, parts, h);
    legend([['role-follower', '#a5d8ff', 'follower'], ['role-pre-candidate', '#ffe066', 'pre-candidate'], ['role-candidate', '#ffa94d', 'candidate'], ['role-leader', '#2f9e44', 'leader (term written)'], ['', 'transparent', 'gap: crashed']]);
  }

  function drawLeaders() {
    var comps = Object.keys(D.leaders);
    if (comps.length === 0) return;
    var svg = section('control-plane leader election', 'leaders');
    var h = 4 + comps.length * (LANE_H + LANE_GAP);
    var parts = [];
    comps.forEach(function (c, i) {
      var y = 4 + i * (LANE_H + LANE_GAP);
      parts.push('<g class="lane" data-lane="' + esc(c) + '">' + laneLabel(y, c));
      D.leaders[c].forEach(function (s) {
        parts.push(rect(xOf(s[0]), xOf(s[1]), y, LANE_H, 'leader-span', s[2] + ' leads ' + fmt(s[0]) + '–' + fmt(s[1])));
        if (xOf(s[1]) - xOf(s[0]) > 60) parts.push('<text x="' + (xOf(s[0]) + 3) + '" y="' + (y + LANE_H - 4) + '">' + esc(s[2]) + '</text>');
      });
      parts.push('</g>');
    });
    finishSvg(svg, parts, h);
  }

  /** A stacked step chart of counts, sampled once per pixel column. */
  function stackedArea(series, keys, y, height, classPrefix) {
    var plotW = W - LABEL_W - RIGHT_PAD;
    var cols = Math.max(2, Math.floor(plotW));
    var max = 1;
    var idx = -1;
    var sampled = [];
    for (var c = 0; c <= cols; c++) {
      var t = (c / cols) * dur;
      while (idx + 1 < series.t.length && series.t[idx + 1] <= t) idx++;
      var v = keys.map(function (k) { return idx >= 0 && series.counts[k] ? series.counts[k][idx] : 0; });
      var total = v.reduce(function (a, b) { return a + b; }, 0);
      if (total > max) max = total;
      sampled.push(v);
    }
    var parts = [];
    var base = sampled.map(function () { return 0; });
    keys.forEach(function (k, ki) {
      var top = [], bottom = [];
      for (var c = 0; c <= cols; c++) {
        var x = (LABEL_W + (c / cols) * plotW).toFixed(1);
        bottom.push(x + ',' + (y + height - (base[c] / max) * height).toFixed(1));
        base[c] += sampled[c][ki];
        top.push(x + ',' + (y + height - (base[c] / max) * height).toFixed(1));
      }
      parts.push('<polygon class="' + classPrefix + cls(k) + '" points="' + top.join(' ') + ' ' + bottom.reverse().join(' ') + '"><title>' + esc(k) + '</title></polygon>');
    });
    parts.push('<text class="label" x="' + (LABEL_W - 4) + '" y="' + (y + 9) + '" text-anchor="end">' + max + '</text>');
    return parts.join('');
  }

  function drawNodes() {
    var names = D.nodes.names;
    if (names.length === 0) return;
    if (names.length > MAX_NODE_LANES) {
      var svg = section('nodes: ' + names.length + ' nodes, aggregated (count per status)', 'nodes');
      var h = 70;
      finishSvg(svg, [bandShade(h), '<g class="lane" data-lane="nodes-aggregate">', laneLabel(30, names.length + ' nodes'), stackedArea(D.nodes.summary, ['Ready', 'NotReady', 'Unknown'], 4, 62, 'node-'), '</g>'], h);
    } else {
      var svg2 = section('nodes: Ready / NotReady / Unknown, taints, cordon', 'nodes');
      var h2 = 4 + names.length * (LANE_H + LANE_GAP);
      var parts = [bandShade(h2)];
      names.forEach(function (n, i) {
        var y = 4 + i * (LANE_H + LANE_GAP);
        parts.push('<g class="lane" data-lane="' + esc(n) + '">' + laneLabel(y, n));
        D.nodes.status[n].forEach(function (s) { parts.push(rect(xOf(s[0]), xOf(s[1]), y, LANE_H, 'node-' + cls(s[2]), n + ' ' + s[2] + '  ' + fmt(s[0]) + '–' + fmt(s[1]))); });
        (D.nodes.down[n] || []).forEach(function (s) { parts.push(rect(xOf(s[0]), xOf(s[1]), y + 5, LANE_H - 10, 'node-down', n + ' host crashed  ' + fmt(s[0]) + '–' + fmt(s[1]))); });
        (D.nodes.taints[n] || []).forEach(function (s) { parts.push(rect(xOf(s[0]), xOf(s[1]), y + LANE_H - 4, 4, 'taint', 'taint ' + s[2] + '  ' + fmt(s[0]) + '–' + fmt(s[1]))); });
        (D.nodes.cordoned[n] || []).forEach(function (s) { parts.push(rect(xOf(s[0]), xOf(s[1]), y, 4, 'cordon', 'cordoned  ' + fmt(s[0]) + '–' + fmt(s[1]))); });
        parts.push('</g>');
      });
      finishSvg(svg2, parts, h2);
    }
    legend([['node-Ready', '#8ce99a', 'Ready'], ['node-NotReady', '#ff8787', 'NotReady'], ['node-Unknown', '#adb5bd', 'Unknown'], ['node-down', '#495057', 'host crashed (middle strip)'], ['taint', '#e8590c', 'taint (bottom strip)'], ['cordon', '#5c7cfa', 'cordoned (top strip)']]);
  }

  var PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
  function drawPods() {
    var workloads = Object.keys(D.pods.byWorkload);
    if (workloads.length === 0) return;
    var svg = section('pods by phase (stacked counts)' + (workloads.length > 1 ? ', per workload' : ''), 'pods');
    var peak = function (w) { var s = D.pods.byWorkload[w]; var m = 0; for (var i = 0; i < s.t.length; i++) { var tot = 0; for (var k in s.counts) tot += s.counts[k][i]; if (tot > m) m = tot; } return m; };
    var shown = workloads.slice().sort(function (a, b) { return peak(b) - peak(a) || (a < b ? -1 : 1); }).slice(0, MAX_WORKLOAD_CHARTS);
    var H = 40;
    var parts = [];
    var y = 4;
    shown.forEach(function (w) {
      parts.push('<g class="lane" data-lane="' + esc(w) + '">' + laneLabel(y + 12, w) + stackedArea(D.pods.byWorkload[w], PHASES, y, H, 'phase-') + '</g>');
      y += H + 8;
    });
    if (shown.length < workloads.length) {
      parts.push('<text class="label" x="6" y="' + (y + 10) + '">… and ' + (workloads.length - shown.length) + ' smaller workloads</text>');
      y += 16;
    }
    finishSvg(svg, parts, y);
    var PHASE_COLOURS = { Pending: '#ffd43b', Running: '#40c057', Succeeded: '#74c0fc', Failed: '#fa5252', Unknown: '#adb5bd' };
    legend(PHASES.map(function (p) { return ['phase-' + p, PHASE_COLOURS[p], p]; }));
  }

  var PALETTE = ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#c2255c', '#5c940d', '#364fc7', '#862e9c'];
  function lineChart(series, y, height, max, dashed, colorOf) {
    var parts = [];
    Object.keys(series.counts).forEach(function (k) {
      var pts = [];
      var vals = series.counts[k];
      for (var i = 0; i < series.t.length; i++) {
        var x0 = xOf(series.t[i]);
        var x1 = i + 1 < series.t.length ? xOf(series.t[i + 1]) : xOf(dur);
        var yy = (y + height - (vals[i] / max) * height).toFixed(1);
        pts.push(x0.toFixed(1) + ',' + yy, x1.toFixed(1) + ',' + yy);
      }
      if (pts.length) parts.push('<polyline fill="none" stroke="' + colorOf(k) + '" stroke-width="' + (dashed ? 1 : 2) + '"' + (dashed ? ' stroke-dasharray="4 3"' : '') + ' points="' + pts.join(' ') + '"><title>' + esc(k + (dashed ? ' desired' : ' running')) + '</title></polyline>');
    });
    return parts.join('');
  }
  function seriesMax(s) { var m = 1; for (var k in s.counts) for (var i = 0; i < s.counts[k].length; i++) if (s.counts[k][i] > m) m = s.counts[k][i]; return m; }

  function drawRollouts() {
    if (D.rollouts.length === 0) return;
    var svg = section('rollouts: old and new ReplicaSets (running pods solid, desired replicas dashed)', 'rollouts');
    var parts = [];
    var y = 4;
    var H = 50;
    var legendItems = [];
    D.rollouts.forEach(function (r) {
      var names = Object.keys(r.running.counts).concat(Object.keys(r.desired.counts)).filter(function (v, i, a) { return a.indexOf(v) === i; }).sort();
      var colorOf = function (k) { return PALETTE[names.indexOf(k) % PALETTE.length]; };
      var max = Math.max(seriesMax(r.running), seriesMax(r.desired));
      parts.push('<g class="lane" data-lane="' + esc(r.deployment) + '">' + laneLabel(y + 12, r.deployment) + '<text class="label" x="' + (LABEL_W - 4) + '" y="' + (y + 9) + '" text-anchor="end">' + max + '</text>' + lineChart(r.desired, y, H, max, true, colorOf) + lineChart(r.running, y, H, max, false, colorOf) + '</g>');
      names.forEach(function (n) { legendItems.push(['', colorOf(n), n]); });
      y += H + 8;
    });
    finishSvg(svg, parts, y);
    legend(legendItems);
  }

  function drawTraffic() {
    if (D.traffic.length === 0) return;
    var svg = section('service traffic: requests per backend and errors', 'traffic');
    var parts = [];
    var y = 4;
    var H = 50;
    var legendItems = [];
    D.traffic.forEach(function (lane) {
      var backends = Object.keys(lane.backends);
      var n = lane.errors.length;
      var max = 1;
      for (var i = 0; i < n; i++) {
        var tot = lane.errors[i];
        backends.forEach(function (b) { tot += lane.backends[b][i]; });
        if (tot > max) max = tot;
      }
      parts.push('<g class="lane" data-lane="traffic-' + esc(lane.source) + '">' + laneLabel(y + 12, lane.source) + '<text class="label" x="' + (LABEL_W - 4) + '" y="' + (y + 9) + '" text-anchor="end">' + max + '/' + (lane.bucketMs / 1000) + 's</text>');
      for (var j = 0; j < n; j++) {
        var x0 = xOf(j * lane.bucketMs), x1 = xOf(Math.min(dur, (j + 1) * lane.bucketMs));
        var base = 0;
        backends.forEach(function (b, bi) {
          var v = lane.backends[b][j];
          if (!v) return;
          var hh = (v / max) * H;
          parts.push('<rect x="' + x0.toFixed(1) + '" width="' + Math.max(0.5, x1 - x0 - 0.3).toFixed(1) + '" y="' + (y + H - base - hh).toFixed(1) + '" height="' + hh.toFixed(1) + '" fill="' + PALETTE[bi % PALETTE.length] + '"><title>' + esc(b + ': ' + v + ' ok in ' + fmt(j * lane.bucketMs) + '+' + lane.bucketMs / 1000 + 's') + '</title></rect>');
          base += hh;
        });
        if (lane.errors[j]) {
          var eh = (lane.errors[j] / max) * H;
          parts.push('<rect class="traffic-errors" x="' + x0.toFixed(1) + '" width="' + Math.max(0.5, x1 - x0 - 0.3).toFixed(1) + '" y="' + (y + H - base - eh).toFixed(1) + '" height="' + eh.toFixed(1) + '" fill="#e03131"><title>' + esc(lane.errors[j] + ' errors in ' + fmt(j * lane.bucketMs) + '+' + lane.bucketMs / 1000 + 's') + '</title></rect>');
        }
      }
      parts.push('</g>');
      backends.forEach(function (b, bi) { if (legendItems.length < 30) legendItems.push(['', PALETTE[bi % PALETTE.length], lane.source + ' → ' + b]); });
      y += H + 8;
    });
    legendItems.push(['', '#e03131', 'errors (' + D.traffic.map(function (l) { return Object.keys(l.errorKinds).map(function (k) { return k + ' ' + l.errorKinds[k]; }).join(', '); }).filter(Boolean).join('; ') + ')']);
    finishSvg(svg, parts, y);
    legend(legendItems);
  }

  function drawAll() {
    W = Math.max(600, Math.floor(timeline.clientWidth || 1000));
    timeline.innerHTML = '';
    drawAxis();
    drawNetwork();
    drawEtcd();
    drawLeaders();
    drawNodes();
    drawPods();
    drawRollouts();
    drawTraffic();
    placeCursorLine();
    moveCursorLines();
  }

  // ---- the cursor and the state at the cursor -----------------------------------------------

  var slider = document.getElementById('cursor');
  var cursorTime = document.getElementById('cursor-time');
  var stateBox = document.getElementById('state');

  // One cursor line over every lane, moved by a transform: moving it repaints no SVG (a large
  // run's charts hold tens of thousands of shapes).
  var cursorLine = document.createElement('div');
  cursorLine.id = 'cursor-line';
  var cursorScale = 1;
  var cursorOffset = 0;
  function placeCursorLine() {
    var svg = timeline.querySelector('svg');
    if (!svg) return;
    var box = svg.getBoundingClientRect();
    var outer = timeline.getBoundingClientRect();
    cursorScale = box.width / W;
    cursorOffset = box.left - outer.left;
    cursorLine.style.top = (box.top - outer.top) + 'px';
    timeline.appendChild(cursorLine);
  }
  function moveCursorLines() {
    cursorLine.style.transform = 'translateX(' + (cursorOffset + xOf(cursor) * cursorScale).toFixed(1) + 'px)';
  }

  function etcdAt(t) {
    var rows = D.etcd.members.map(function (m) { var s = spanAt(D.etcd.roles[m], t); return { member: m, role: s ? s[2] : 'down', term: s ? s[3] : null }; });
    var leaders = rows.filter(function (r) { return r.role === 'leader'; }).sort(function (a, b) { return b.term - a.term; });
    return { rows: rows, leaders: leaders };
  }

  function renderState() {
    var t = cursor;
    var html = ['<h2>at ' + fmt(t) + '</h2>'];
    if (D.etcd.members.length) {
      var e = etcdAt(t);
      html.push('<div id="state-leader"><b>etcd leader:</b> ' + (e.leaders.length ? e.leaders.map(function (l) { return esc(l.member) + ' (term ' + l.term + ')'; }).join(', ') + (e.leaders.length > 1 ? ' <span class="muted">(several: the stale one has the lower term)</span>' : '') : 'none') + '</div>');
      html.push('<table id="state-etcd"><tr><th>member</th><th>role</th><th>term</th></tr>' + e.rows.map(function (r) { return '<tr><td>' + esc(r.member) + '</td><td>' + esc(r.role === 'down' ? 'down' : r.role) + '</td><td>' + (r.term === null ? '' : r.term) + '</td></tr>'; }).join('') + '</table>');
    }
    var active = D.bands.filter(function (b) { return b.fromMs <= t && t < b.toMs; });
    html.push('<h2>network</h2><div id="state-network">' + (active.length ? active.map(function (b) { return esc(describeBand(b)); }).join('<br>') : '<span class="muted">no partition</span>') + '</div>');
    var comps = Object.keys(D.leaders);
    if (comps.length) {
      html.push('<h2>control-plane leaders</h2><table id="state-leaders">' + comps.map(function (c) { var s = spanAt(D.leaders[c], t); return '<tr><td>' + esc(c) + '</td><td>' + (s ? esc(s[2]) : '<span class="muted">none</span>') + '</td></tr>'; }).join('') + '</table>');
    }
    if (D.nodes.names.length) {
      var counts = {};
      var notReady = [];
      var nodeRows = [];
      var aggregated = D.nodes.names.length > MAX_NODE_LANES;
      if (aggregated) {
        // Counts from the aggregate series (a binary search), not a walk over every node.
        var si = seriesIndexAt(D.nodes.summary, t);
        Object.keys(D.nodes.summary.counts).forEach(function (k) { var v = si >= 0 ? D.nodes.summary.counts[k][si] : 0; if (v) counts[k === 'down' ? 'host crashed' : k] = v; });
      }
      D.nodes.names.forEach(function (n) {
        if (aggregated && notReady.length >= 50) return;
        var s = spanAt(D.nodes.status[n], t);
        var st = s ? s[2] : 'absent';
        var down = spanAt(D.nodes.down[n], t);
        if (!aggregated) {
          counts[st] = (counts[st] || 0) + 1;
          if (down) counts['host crashed'] = (counts['host crashed'] || 0) + 1;
        }
        if ((st !== 'Ready' && st !== 'absent') || down) notReady.push(n + ' ' + st + (down ? ' (host crashed)' : ''));
        if (!aggregated) {
          var taints = (D.nodes.taints[n] || []).filter(function (x) { return x[0] <= t && t < x[1]; }).map(function (x) { return x[2]; });
          var cordon = spanAt(D.nodes.cordoned[n], t);
          nodeRows.push('<tr><td>' + esc(n) + '</td><td>' + esc(st) + (down ? ', host crashed' : '') + (cordon ? ', cordoned' : '') + '</td><td>' + esc(taints.join(', ')) + '</td></tr>');
        }
      });
      html.push('<h2>nodes</h2><div id="state-nodes">' + Object.keys(counts).sort().map(function (k) { return esc(k) + ' ' + counts[k]; }).join(', ') + '</div>');
      if (nodeRows.length) html.push('<table>' + nodeRows.join('') + '</table>');
      else if (notReady.length) html.push('<div class="muted">' + esc(notReady.slice(0, 50).join(', ')) + (notReady.length >= 50 ? ' …' : '') + '</div>');
    }
    if (D.pods.names.length) {
      var phaseCounts = {};
      var podRows = [];
      // Counts from the per-workload series; rows for the first 200 pods that exist at t.
      Object.keys(D.pods.byWorkload).forEach(function (w) {
        var s = D.pods.byWorkload[w];
        var i = seriesIndexAt(s, t);
        if (i < 0) return;
        Object.keys(s.counts).forEach(function (k) { if (s.counts[k][i]) phaseCounts[k] = (phaseCounts[k] || 0) + s.counts[k][i]; });
      });
      for (var pi = 0; pi < D.pods.names.length && podRows.length < 200; pi++) {
        var p = D.pods.names[pi];
        var s = spanAt(D.pods.spans[p], t);
        if (!s) continue;
        podRows.push('<tr><td>' + esc(p) + '</td><td>' + esc(s[2]) + '</td><td>' + esc(s[3] || '—') + '</td></tr>');
      }
      var total = Object.keys(phaseCounts).reduce(function (a, k) { return a + phaseCounts[k]; }, 0);
      html.push('<h2>pods</h2><div id="state-pods">' + (total ? Object.keys(phaseCounts).sort().map(function (k) { return esc(k) + ' ' + phaseCounts[k]; }).join(', ') : '<span class="muted">none</span>') + '</div>');
      if (podRows.length) html.push('<table><tr><th>pod</th><th>phase</th><th>node</th></tr>' + podRows.join('') + '</table>' + (total > podRows.length ? '<div class="muted">… ' + (total - podRows.length) + ' more</div>' : ''));
    }
    stateBox.innerHTML = html.join('');
  }

  var stateQueued = false;
  function setCursor(t, opts) {
    cursor = Math.max(0, Math.min(dur, Math.round(t)));
    slider.value = String(cursor);
    cursorTime.textContent = fmt(cursor);
    moveCursorLines();
    if (!stateQueued) {
      stateQueued = true;
      requestAnimationFrame(function () { stateQueued = false; renderState(); });
    }
    if (!(opts && opts.fromLog)) logFollowCursor(opts && opts.seq);
  }

  slider.addEventListener('input', function () { setCursor(Number(slider.value)); });
  var dragging = false;
  function pointerTime(ev) {
    var svg = ev.currentTarget;
    var box = svg.getBoundingClientRect();
    return tOfX(((ev.clientX - box.left) / box.width) * W);
  }
  timeline.addEventListener('mousedown', function (ev) {
    var target = ev.target;
    if (target && target.classList && target.classList.contains('marker')) {
      setCursor(Number(target.getAttribute('data-t')), { seq: Number(target.getAttribute('data-seq')) });
      ev.preventDefault();
      return;
    }
    var svg = target && target.closest ? target.closest('svg') : null;
    if (!svg) return;
    dragging = svg;
    setCursor(pointerTime({ currentTarget: svg, clientX: ev.clientX }));
    ev.preventDefault();
  });
  window.addEventListener('mousemove', function (ev) { if (dragging) setCursor(pointerTime({ currentTarget: dragging, clientX: ev.clientX })); });
  window.addEventListener('mouseup', function () { dragging = false; });

  var playButton = document.getElementById('play');
  var playing = false;
  var lastFrame = 0;
  function frame(now) {
    if (!playing) return;
    var dt = lastFrame ? now - lastFrame : 0;
    lastFrame = now;
    // The whole run in 30 seconds, but never faster than 20 virtual seconds per second of a short run.
    var speed = Math.max(1, dur / 30000);
    var next = cursor + dt * speed;
    if (next >= dur) { setCursor(dur); stopPlay(); return; }
    setCursor(next);
    requestAnimationFrame(frame);
  }
  function stopPlay() { playing = false; playButton.textContent = '▶ play'; }
  playButton.addEventListener('click', function () {
    if (playing) { stopPlay(); return; }
    if (cursor >= dur) setCursor(0);
    playing = true;
    lastFrame = 0;
    playButton.textContent = '❚❚ pause';
    requestAnimationFrame(frame);
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.target && (ev.target.tagName === 'INPUT' || ev.target.tagName === 'SELECT')) return;
    if (ev.key === ' ') { playButton.click(); ev.preventDefault(); }
  });

  // ---- the event log (virtualised) ------------------------------------------------------------

  var L = D.log;
  var logView = document.getElementById('log-view');
  var logSpacer = document.getElementById('log-spacer');
  var logRows = document.getElementById('log-rows');
  var logCount = document.getElementById('log-count');
  var compSelect = document.getElementById('log-component');
  var kindSelect = document.getElementById('log-kind');
  var textInput = document.getElementById('log-text');
  var filtered = new Int32Array(0);
  var highlightRow = -1;

  function fillSelect(select, names) {
    var order = names.map(function (n, i) { return i; }).sort(function (a, b) { return names[a].localeCompare(names[b], 'en', { numeric: true }); });
    select.insertAdjacentHTML('beforeend', order.map(function (i) { return '<option value="' + i + '">' + esc(names[i]) + '</option>'; }).join(''));
  }
  fillSelect(compSelect, L.components);
  fillSelect(kindSelect, L.kinds);

  function applyFilter() {
    var c = compSelect.value === '' ? -1 : Number(compSelect.value);
    var k = kindSelect.value === '' ? -1 : Number(kindSelect.value);
    var q = textInput.value.trim().toLowerCase();
    var out = new Int32Array(L.t.length);
    var n = 0;
    for (var i = 0; i < L.t.length; i++) {
      if (c >= 0 && L.component[i] !== c) continue;
      if (k >= 0 && L.kind[i] !== k) continue;
      if (q && L.text[i].toLowerCase().indexOf(q) < 0 && L.kinds[L.kind[i]].indexOf(q) < 0 && L.components[L.component[i]].toLowerCase().indexOf(q) < 0) continue;
      out[n++] = i;
    }
    filtered = out.subarray(0, n);
    logCount.textContent = n + ' of ' + L.t.length + ' events';
    logSpacer.style.height = n * LOG_ROW_H + 'px';
    logFollowCursor();
    renderLog();
  }
  [compSelect, kindSelect].forEach(function (s) { s.addEventListener('change', applyFilter); });
  var filterTimer = 0;
  textInput.addEventListener('input', function () { clearTimeout(filterTimer); filterTimer = setTimeout(applyFilter, 120); });

  function renderLog() {
    var first = Math.max(0, Math.floor(logView.scrollTop / LOG_ROW_H) - 5);
    var count = Math.ceil((logView.clientHeight || 360) / LOG_ROW_H) + 10;
    var last = Math.min(filtered.length, first + count);
    var html = [];
    for (var r = first; r < last; r++) {
      var i = filtered[r];
      var kind = L.kinds[L.kind[i]];
      html.push('<div class="log-row kind-' + cls(kind) + (r === highlightRow ? ' at-cursor' : '') + '" data-row="' + r + '" data-seq="' + L.seq[i] + '"><span class="t">' + fmt(L.t[i]) + '</span><span class="k">' + esc(kind) + '</span><span class="c">' + esc(L.components[L.component[i]]) + '</span>' + esc(L.text[i]) + '</div>');
    }
    logRows.style.top = first * LOG_ROW_H + 'px';
    logRows.innerHTML = html.join('');
  }
  var logQueued = false;
  logView.addEventListener('scroll', function () {
    if (logQueued) return;
    logQueued = true;
    requestAnimationFrame(function () { logQueued = false; renderLog(); });
  });
  logRows.addEventListener('click', function (ev) {
    var row = ev.target.closest ? ev.target.closest('.log-row') : null;
    if (!row) return;
    highlightRow = Number(row.getAttribute('data-row'));
    setCursor(L.t[filtered[highlightRow]], { fromLog: true });
    renderLog();
  });

  /** First filtered row at or after the cursor's time (or the given line), scrolled into view. */
  function logFollowCursor(seq) {
    var lo = 0, hi = filtered.length;
    if (seq !== undefined && seq !== null) {
      while (lo < hi) { var m = (lo + hi) >> 1; if (L.seq[filtered[m]] < seq) lo = m + 1; else hi = m; }
      if (lo >= filtered.length || L.seq[filtered[lo]] !== seq) {
        // The line is filtered out: show every line again so the jump lands on it.
        if (compSelect.value !== '' || kindSelect.value !== '' || textInput.value !== '') {
          compSelect.value = ''; kindSelect.value = ''; textInput.value = '';
          applyFilter();
          logFollowCursor(seq);
          return;
        }
      }
    } else {
      while (lo < hi) { var mid = (lo + hi) >> 1; if (L.t[filtered[mid]] < cursor) lo = mid + 1; else hi = mid; }
    }
    highlightRow = lo < filtered.length ? lo : filtered.length - 1;
    logView.scrollTop = Math.max(0, (highlightRow - 3) * LOG_ROW_H);
    renderLog();
  }

  // ---- start ------------------------------------------------------------------------------------

  var phase = performance.now();
  drawAll();
  timings.drawMs = performance.now() - phase;
  phase = performance.now();
  applyFilter();
  timings.logMs = performance.now() - phase;
  phase = performance.now();
  renderState();
  timings.stateMs = performance.now() - phase;
  var resizeTimer = 0;
  window.addEventListener('resize', function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(drawAll, 150); });
  // For tests and the curious: the time axis, and the cursor.
  window.kubesimReport = { setCursor: setCursor, xOf: function (t) { return xOf(t); }, durationMs: dur, timings: timings };
  document.body.setAttribute('data-ready', 'true');
})();
