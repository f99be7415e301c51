// Dossier graph views on a canvas: the global graph (graph/index.html) and the
// local graph beside each note. Force-directed: springs along edges, repulsion
// between nearby nodes (a grid keeps it linear, so 10k nodes stay responsive).
(function () {
  'use strict';
  var script = document.currentScript;
  var root = (script && script.dataset.root) || './';
  var KIND_COLORS = { actor: '#e0744f', topic: '#3f8fd2', event: '#3aa676', source: '#9a6bd0' };
  function colorOf(kind) { return KIND_COLORS[kind] || '#8a8f98'; }
  function cssVar(name, fallback) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
  }

  function Graph(canvas, nodes, edges, options) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.nodes = nodes;
    this.edges = edges;
    this.options = options || {};
    this.scale = 1; this.offsetX = 0; this.offsetY = 0;
    this.hover = null; this.drag = null; this.alpha = 1;
    var index = new Map();
    nodes.forEach(function (n, i) {
      index.set(n.id, i);
      var angle = i * 2.399963, radius = 12 * Math.sqrt(i + 1);
      n.x = n.x === undefined ? Math.cos(angle) * radius : n.x;
      n.y = n.y === undefined ? Math.sin(angle) * radius : n.y;
      n.vx = 0; n.vy = 0; n.neighbours = new Set();
    });
    this.links = [];
    var self = this;
    edges.forEach(function (e) {
      var a = index.get(e.source), b = index.get(e.target);
      if (a === undefined || b === undefined) return;
      self.links.push({ a: a, b: b, type: e.type });
      nodes[a].neighbours.add(b); nodes[b].neighbours.add(a);
    });
    this.resize();
    this.bind();
    this.run();
  }
  Graph.prototype.resize = function () {
    var ratio = window.devicePixelRatio || 1, rect = this.canvas.getBoundingClientRect();
    this.canvas.width = rect.width * ratio; this.canvas.height = rect.height * ratio;
    this.ratio = ratio; this.width = rect.width; this.height = rect.height;
  };
  Graph.prototype.radius = function (n) { return 3 + Math.sqrt(n.links || n.neighbours.size || 1) * 1.6; };
  Graph.prototype.step = function () {
    var nodes = this.nodes, cell = 60, grid = new Map();
    nodes.forEach(function (n, i) {
      var key = Math.floor(n.x / cell) + ',' + Math.floor(n.y / cell);
      (grid.get(key) || grid.set(key, []).get(key)).push(i);
    });
    var alpha = this.alpha;
    nodes.forEach(function (n, i) {
      var gx = Math.floor(n.x / cell), gy = Math.floor(n.y / cell);
      for (var dx = -1; dx <= 1; dx++) for (var dy = -1; dy <= 1; dy++) {
        var bucket = grid.get((gx + dx) + ',' + (gy + dy));
        if (!bucket) continue;
        for (var k = 0; k < bucket.length; k++) {
          var j = bucket[k]; if (j <= i) continue;
          var m = nodes[j], x = n.x - m.x, y = n.y - m.y, d2 = x * x + y * y || 0.01;
          if (d2 > cell * cell) continue;
          var f = 120 * alpha / d2;
          n.vx += x * f; n.vy += y * f; m.vx -= x * f; m.vy -= y * f;
        }
      }
      n.vx -= n.x * 0.002 * alpha; n.vy -= n.y * 0.002 * alpha;
    });
    this.links.forEach(function (l) {
      var a = nodes[l.a], b = nodes[l.b], x = b.x - a.x, y = b.y - a.y, d = Math.sqrt(x * x + y * y) || 1;
      var f = (d - 40) * 0.02 * alpha / d;
      a.vx += x * f; a.vy += y * f; b.vx -= x * f; b.vy -= y * f;
    });
    var drag = this.drag;
    nodes.forEach(function (n) {
      if (drag && drag.node === n) return;
      n.vx *= 0.6; n.vy *= 0.6; n.x += n.vx; n.y += n.vy;
    });
    this.alpha = Math.max(0, this.alpha * 0.985);
  };
  Graph.prototype.toScreen = function (n) {
    return { x: this.width / 2 + (n.x + this.offsetX) * this.scale, y: this.height / 2 + (n.y + this.offsetY) * this.scale };
  };
  Graph.prototype.draw = function () {
    var ctx = this.ctx, self = this, hover = this.hover, fg = cssVar('--fg', '#222'), line = cssVar('--line', '#ccc');
    ctx.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    ctx.lineWidth = 1;
    this.links.forEach(function (l) {
      var a = self.toScreen(self.nodes[l.a]), b = self.toScreen(self.nodes[l.b]);
      var lit = hover !== null && (l.a === hover || l.b === hover);
      ctx.strokeStyle = lit ? fg : line;
      ctx.globalAlpha = hover === null || lit ? 0.8 : 0.15;
      ctx.setLineDash(l.type === 'link' ? [] : l.type === 'embed' ? [2, 2] : [6, 3]);
      ctx.beginPath(); ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); ctx.stroke();
    });
    ctx.setLineDash([]);
    this.nodes.forEach(function (n, i) {
      var p = self.toScreen(n), r = self.radius(n) * Math.min(1.5, Math.max(0.6, self.scale));
      var lit = hover === null || i === hover || self.nodes[hover].neighbours.has(i);
      ctx.globalAlpha = lit ? 1 : 0.2;
      ctx.fillStyle = colorOf(n.kind);
      ctx.beginPath(); ctx.arc(p.x, p.y, n.current ? r + 3 : r, 0, Math.PI * 2); ctx.fill();
      if (n.current) { ctx.strokeStyle = fg; ctx.lineWidth = 2; ctx.stroke(); ctx.lineWidth = 1; }
      if (lit && (self.scale > 1.2 || self.nodes.length < 60 || i === hover || (hover !== null && self.nodes[hover].neighbours.has(i)))) {
        ctx.fillStyle = fg; ctx.font = '12px system-ui, sans-serif';
        ctx.fillText(n.title, p.x + r + 3, p.y + 4);
      }
    });
    ctx.globalAlpha = 1;
  };
  Graph.prototype.run = function () {
    var self = this;
    function frame() {
      if (self.alpha > 0.005 || self.drag) self.step();
      self.draw();
      self.frame = requestAnimationFrame(frame);
    }
    frame();
  };
  Graph.prototype.nodeAt = function (x, y) {
    var best = null, bestD = Infinity, self = this;
    this.nodes.forEach(function (n, i) {
      var p = self.toScreen(n), d = (p.x - x) * (p.x - x) + (p.y - y) * (p.y - y), r = self.radius(n) + 4;
      if (d < r * r && d < bestD) { best = i; bestD = d; }
    });
    return best;
  };
  Graph.prototype.bind = function () {
    var self = this, canvas = this.canvas, moved = false, panning = null;
    function pos(e) { var r = canvas.getBoundingClientRect(); return { x: e.clientX - r.left, y: e.clientY - r.top }; }
    canvas.addEventListener('mousemove', function (e) {
      var p = pos(e);
      if (self.drag) {
        moved = true;
        self.drag.node.x = (p.x - self.width / 2) / self.scale - self.offsetX;
        self.drag.node.y = (p.y - self.height / 2) / self.scale - self.offsetY;
        self.alpha = Math.max(self.alpha, 0.3);
      } else if (panning) {
        moved = true;
        self.offsetX = panning.ox + (p.x - panning.x) / self.scale;
        self.offsetY = panning.oy + (p.y - panning.y) / self.scale;
      } else {
        self.hover = self.nodeAt(p.x, p.y);
        canvas.style.cursor = self.hover === null ? 'grab' : 'pointer';
        canvas.title = self.hover === null ? '' : self.nodes[self.hover].title;
      }
    });
    canvas.addEventListener('mousedown', function (e) {
      var p = pos(e), hit = self.nodeAt(p.x, p.y); moved = false;
      if (hit !== null) self.drag = { node: self.nodes[hit] };
      else panning = { x: p.x, y: p.y, ox: self.offsetX, oy: self.offsetY };
    });
    window.addEventListener('mouseup', function () { self.drag = null; panning = null; });
    canvas.addEventListener('click', function (e) {
      var p = pos(e), hit = self.nodeAt(p.x, p.y);
      if (!moved && hit !== null) location.href = root + self.nodes[hit].url;
    });
    canvas.addEventListener('wheel', function (e) {
      e.preventDefault();
      self.scale = Math.min(8, Math.max(0.05, self.scale * (e.deltaY < 0 ? 1.15 : 1 / 1.15)));
    }, { passive: false });
    canvas.addEventListener('mouseleave', function () { self.hover = null; });
    window.addEventListener('resize', function () { self.resize(); });
  };
  Graph.prototype.fit = function () {
    var xs = this.nodes.map(function (n) { return n.x; }), ys = this.nodes.map(function (n) { return n.y; });
    var w = Math.max.apply(null, xs) - Math.min.apply(null, xs) + 80, h = Math.max.apply(null, ys) - Math.min.apply(null, ys) + 80;
    this.scale = Math.min(2, Math.max(0.05, Math.min(this.width / w, this.height / h)));
  };

  function neighbourhood(graph, id, depth) {
    var keep = new Set([id]), frontier = [id], adjacency = new Map();
    graph.edges.forEach(function (e) {
      (adjacency.get(e.source) || adjacency.set(e.source, []).get(e.source)).push(e.target);
      (adjacency.get(e.target) || adjacency.set(e.target, []).get(e.target)).push(e.source);
    });
    for (var d = 0; d < depth; d++) {
      var next = [];
      frontier.forEach(function (n) { (adjacency.get(n) || []).forEach(function (m) { if (!keep.has(m)) { keep.add(m); next.push(m); } }); });
      frontier = next;
    }
    return {
      nodes: graph.nodes.filter(function (n) { return keep.has(n.id); }),
      edges: graph.edges.filter(function (e) { return keep.has(e.source) && keep.has(e.target); })
    };
  }

  // Local graph beside a note: depth 1 is embedded in the page, depth 2 loads graph.json.
  var local = document.getElementById('local-graph');
  if (local) {
    var data = JSON.parse(document.getElementById('local-graph-data').textContent);
    var canvas = local.querySelector('canvas'), current = null;
    var show = function (graph) {
      if (current) cancelAnimationFrame(current.frame);
      graph.nodes.forEach(function (n) { n.current = n.id === data.id; });
      current = new Graph(canvas, graph.nodes, graph.edges);
      setTimeout(function () { current.fit(); }, 600);
    };
    show({ nodes: data.nodes, edges: data.edges });
    var depth = local.querySelector('select');
    if (depth) {
      depth.hidden = false;
      depth.addEventListener('change', function () {
        if (depth.value === '1') { show({ nodes: JSON.parse(document.getElementById('local-graph-data').textContent).nodes, edges: data.edges }); return; }
        fetch(root + 'graph.json').then(function (r) { return r.json(); }).then(function (graph) {
          show(neighbourhood(graph, data.id, 2));
        });
      });
    }
  }

  // The global graph page.
  var global = document.getElementById('global-graph');
  if (global) {
    fetch(root + 'graph.json').then(function (r) { return r.json(); }).then(function (graph) {
      global.hidden = false;
      var g = new Graph(global.querySelector('canvas'), graph.nodes, graph.edges);
      setTimeout(function () { g.fit(); }, 1500);
    }).catch(function () {
      global.insertAdjacentHTML('beforebegin', '<p class="muted">The interactive graph needs the site served over HTTP; the lists below have the same content.</p>');
    });
  }
})();
