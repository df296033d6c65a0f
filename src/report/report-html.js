// SPDX-License-Identifier: GPL-2.0-only
// The HTML report's page script: draws a ktstr-run report or a ktstr-stats
// comparison from the JSON that report-html.c embeds (KTSTR_DATA), with the
// Chart.js build inlined beside it. No network: everything is in the file.
// When done it sets document.title to "ok:N charts drawn" once every canvas
// holds drawn pixels (the browser test reads it back), else "blank:..." or
// "error:...".
(function () {
	'use strict';
	var D = JSON.parse(document.getElementById('ktstr-data').textContent);
	var charts = [];
	var COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b',
		'#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

	window.addEventListener('error', function (e) {
		document.title = 'error:' + e.message;
	});

	function el(tag, attrs, text) {
		var e = document.createElement(tag);
		for (var k in attrs || {})
			e.setAttribute(k, attrs[k]);
		if (text !== undefined && text !== null)
			e.textContent = String(text);
		return e;
	}
	function fmt(v, d) {
		if (v === null || v === undefined || (typeof v === 'number' && isNaN(v)))
			return '-';
		if (typeof v !== 'number')
			return String(v);
		return Number.isInteger(v) ? String(v) : v.toFixed(d === undefined ? 2 : d);
	}
	function table(head, rows, cls) {
		var t = el('table', cls ? { 'class': cls } : {});
		var tr = el('tr');
		head.forEach(function (h) { tr.appendChild(el('th', {}, h)); });
		if (head.length)
			t.appendChild(tr);
		rows.forEach(function (r) {
			var row = el('tr');
			r.forEach(function (c) {
				if (c instanceof Node) {
					var td = el('td');
					td.appendChild(c);
					row.appendChild(td);
				} else {
					row.appendChild(el('td', {}, fmt(c)));
				}
			});
			t.appendChild(row);
		});
		return t;
	}
	function badge(status) {
		return el('span', { 'class': 'st st-' + String(status).toLowerCase() }, status);
	}
	function anchor(name) {
		return 't-' + name.replace(/[^A-Za-z0-9_-]/g, '_');
	}
	function chart(parent, title, config) {
		var box = el('div', { 'class': 'chart' });
		box.appendChild(el('h4', {}, title));
		var c = el('canvas', { width: 720, height: 260 });
		box.appendChild(c);
		parent.appendChild(box);
		config.options = config.options || {};
		config.options.animation = false;
		config.options.responsive = false;
		config.options.plugins = config.options.plugins || {};
		config.options.plugins.legend = config.options.plugins.legend ||
			{ position: 'right', labels: { boxWidth: 12 } };
		charts.push({ canvas: c, title: title, chart: new Chart(c.getContext('2d'), config) });
	}

	// Per-CPU run-queue depth from the monitor, with the imbalance ratio
	// against its threshold on a second axis.
	function monitorChart(parent, m, thr) {
		var s = m && m.series;
		if (!s || !s.at_ms || s.at_ms.length === 0)
			return false;
		var ncpu = s.nr_running[0].length, ds = [];
		for (var c = 0; c < ncpu; c++) {
			ds.push({ label: 'cpu' + c + ' nr_running', yAxisID: 'y', stepped: true,
				borderColor: COLORS[c % COLORS.length], pointRadius: 0, borderWidth: 1.5,
				data: s.at_ms.map(function (t, i) { return { x: t, y: s.nr_running[i][c] }; }) });
		}
		ds.push({ label: 'imbalance ratio', yAxisID: 'y2', borderColor: '#000', borderDash: [2, 2],
			pointRadius: 0, borderWidth: 1,
			data: s.at_ms.map(function (t, i) {
				var v = s.nr_running[i], mx = Math.max.apply(null, v), mn = Math.min.apply(null, v);
				return { x: t, y: mx / Math.max(1, mn) };
			}) });
		if (thr !== null && thr !== undefined) {
			ds.push({ label: 'imbalance threshold ' + thr, yAxisID: 'y2', borderColor: '#d62728',
				borderWidth: 2, pointRadius: 0,
				data: [{ x: s.at_ms[0], y: thr }, { x: s.at_ms[s.at_ms.length - 1], y: thr }] });
		}
		chart(parent, 'Run-queue depth per CPU (monitor, every ' + (m.interval_ms || 100) + ' ms)', {
			type: 'line', data: { datasets: ds },
			options: { parsing: false, scales: {
				x: { type: 'linear', title: { display: true, text: 'ms since first sample' } },
				y: { beginAtZero: true, title: { display: true, text: 'nr_running' } },
				y2: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false },
					title: { display: true, text: 'max/min ratio' } } } }
		});
		return true;
	}

	// Per worker: its life from start to end, its longest gap and its
	// migrations over time, with the timeline's steps and ops as markers.
	function workerTimeline(parent, tel) {
		var w = tel && tel.workers;
		if (!w || !w.length)
			return false;
		var ds = [], ms = 1e6, names = w.map(function (x) { return x.cgroup + '#' + x.index; });
		ds.push({ type: 'bar', label: 'running (start to end)', backgroundColor: 'rgba(44,160,44,0.35)',
			data: w.map(function (x, i) {
				return { y: names[i], x: [x.start_ns / ms, (x.start_ns + x.wall_time_ns) / ms] };
			}) });
		ds.push({ type: 'bar', label: 'longest gap', backgroundColor: 'rgba(214,39,40,0.8)',
			data: w.map(function (x, i) {
				return { y: names[i], x: [(x.max_gap_at_ns - x.max_gap_ns) / ms, x.max_gap_at_ns / ms] };
			}) });
		var mig = [];
		w.forEach(function (x, i) {
			(x.migrations || []).forEach(function (m) { mig.push({ x: m[0] / ms, y: names[i] }); });
		});
		ds.push({ type: 'scatter', label: 'migration', backgroundColor: '#1f77b4', pointRadius: 3,
			data: mig });
		var ev = (tel.events || []).filter(function (e) {
			return e.kind === 'op' || e.kind === 'step_start';
		});
		ev.forEach(function (e, k) {
			ds.push({ type: 'line', label: k < 8 ? e.kind + ' ' + e.label : '', borderDash: [4, 3],
				borderColor: e.kind === 'op' ? '#9467bd' : '#7f7f7f', borderWidth: 1, pointRadius: 0,
				data: [{ x: e.at_ns / ms, y: names[0] }, { x: e.at_ns / ms, y: names[names.length - 1] }] });
		});
		chart(parent, 'Workers over time: running, longest gap, migrations, steps and ops', {
			type: 'bar', data: { labels: names, datasets: ds },
			options: { indexAxis: 'y', grouped: false, scales: {
				x: { type: 'linear', min: 0, title: { display: true, text: 'ms since scenario start' } },
				y: { type: 'category', labels: names } },
				plugins: { legend: { position: 'right', labels: { boxWidth: 12,
					filter: function (i) { return i.text !== ''; } } } } }
		});
		return true;
	}

	function cpuTimeChart(parent, tel) {
		var w = tel && tel.workers;
		if (!w || !w.length)
			return false;
		var names = w.map(function (x) { return x.cgroup + '#' + x.index; });
		chart(parent, 'CPU time per worker', {
			type: 'bar',
			data: { labels: names, datasets: [
				{ label: 'on CPU (ms)', backgroundColor: '#2ca02c',
					data: w.map(function (x) { return x.cpu_time_ns / 1e6; }) },
				{ label: 'off CPU (ms)', backgroundColor: '#bbbbbb',
					data: w.map(function (x) { return x.off_cpu_ns / 1e6; }) }] },
			options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true,
				title: { display: true, text: 'ms' } } } }
		});
		return true;
	}

	function wakeCdfChart(parent, cdf) {
		if (!cdf || !cdf.length)
			return false;
		chart(parent, 'Wake-to-run latency, CDF per cgroup', {
			type: 'line',
			data: { datasets: cdf.map(function (c, i) {
				return { label: c.cgroup + ' (' + c.samples + ' samples)', stepped: true, pointRadius: 0,
					borderColor: COLORS[i % COLORS.length], borderWidth: 2,
					data: c.points.map(function (p) { return { x: p[0], y: p[1] }; }) };
			}) },
			options: { parsing: false, scales: {
				x: { type: 'logarithmic', title: { display: true, text: 'latency (us)' } },
				y: { min: 0, max: 1, title: { display: true, text: 'fraction of wakeups' } } } }
		});
		return true;
	}

	function cgroupTable(cgs) {
		return table(['cgroup', 'workers', 'cpus', 'spread %', 'max gap ms', 'migrations',
			'migr. ratio', 'iterations', 'work units', 'p99 wake us', 'median wake us', 'wake CV',
			'mean run delay us'],
			cgs.map(function (c) {
				return [c.name, c.workers, c.cpus, c.spread_pct, c.max_gap_ms, c.total_migrations,
					c.migration_ratio, c.total_iterations, c.total_work_units,
					c.p99_wake_latency_us, c.median_wake_latency_us, c.wake_latency_cv,
					c.mean_run_delay_us];
			}), 'num');
	}

	function statusCell(t) {
		var td = el('td');
		if (t) {
			td.className = 'st-' + t.status.toLowerCase();
			td.appendChild(el('a', { href: '#' + anchor(t.name), title: t.reason || '' }, t.status));
		}
		return td;
	}

	// A gauntlet (tests with a preset dimension): scenario by topology
	// preset by flag profile, each cell coloured by its status. The
	// scenario is the name without "gauntlet/" and its preset and profile.
	function gauntletGrid(parent, tests) {
		var rows = [], presets = [], profiles = [], cell = {};
		tests.forEach(function (t) {
			var d = t.context && t.context.dimensions;
			if (!d || !d.preset)
				return;
			var prof = d.profile || 'default', parts = t.name.split('/');
			if (parts[0] === 'gauntlet')
				parts.shift();
			parts = parts.filter(function (p) { return p !== d.preset && p !== prof; });
			var r = parts.join('/') + (d.kernel ? ' @' + d.kernel : '');
			if (rows.indexOf(r) < 0) rows.push(r);
			if (presets.indexOf(d.preset) < 0) presets.push(d.preset);
			if (profiles.indexOf(prof) < 0) profiles.push(prof);
			cell[r + '\u0000' + d.preset + '\u0000' + prof] = t;
		});
		if (!presets.length)
			return false;
		parent.appendChild(el('h2', {}, 'Gauntlet: scenario \u00d7 topology \u00d7 profile'));
		var tb = el('table', { 'class': 'grid gauntlet' }), tr = el('tr'), tr2 = el('tr');
		tr.appendChild(el('th', { rowspan: 2 }, 'scenario \\ topology, profile'));
		presets.forEach(function (p) {
			tr.appendChild(el('th', { colspan: profiles.length }, p));
			profiles.forEach(function (f) { tr2.appendChild(el('th', {}, f)); });
		});
		tb.appendChild(tr);
		tb.appendChild(tr2);
		rows.forEach(function (r) {
			var row = el('tr');
			row.appendChild(el('th', {}, r));
			presets.forEach(function (p) {
				profiles.forEach(function (f) {
					var td = statusCell(cell[r + '\u0000' + p + '\u0000' + f]);
					td.setAttribute('data-cell', r + '|' + p + '|' + f);
					row.appendChild(td);
				});
			});
			tb.appendChild(row);
		});
		parent.appendChild(tb);
		return true;
	}

	// A matrix (names "base/a/b"): a grid of the first name
	// component against the rest, each cell coloured by its status.
	function grid(parent, tests) {
		if (gauntletGrid(parent, tests))
			return;
		var rows = [], cols = [], cell = {};
		tests.forEach(function (t) {
			var parts = t.name.split('/');
			if (parts.length < 2)
				return;
			var r = parts[0], c = parts.slice(1).join('/');
			if (rows.indexOf(r) < 0) rows.push(r);
			if (cols.indexOf(c) < 0) cols.push(c);
			cell[r + '\u0000' + c] = t;
		});
		if (!cols.length)
			return;
		parent.appendChild(el('h2', {}, 'Matrix'));
		var tb = el('table', { 'class': 'grid' }), tr = el('tr');
		tr.appendChild(el('th', {}, 'test \\ dimensions'));
		cols.forEach(function (c) { tr.appendChild(el('th', {}, c)); });
		tb.appendChild(tr);
		rows.forEach(function (r) {
			var row = el('tr');
			row.appendChild(el('th', {}, r));
			cols.forEach(function (c) {
				row.appendChild(statusCell(cell[r + '\u0000' + c]));
			});
			tb.appendChild(row);
		});
		parent.appendChild(tb);
	}

	function short(sha) {
		return sha ? String(sha).slice(0, 12) : '-';
	}
	function schedLabel(s) {
		if (!s)
			return '-';
		var f = (s.flags || []).join(','), a = (s.args || []).join(' ');
		return s.plugin + (f ? ' flags=' + f : '') + (a ? ' args="' + a + '"' : '') +
			' sha256 ' + short(s.plugin_sha256) + (s.files || []).map(function (x) {
				return ', ' + x.name + ' ' + short(x.sha256);
			}).join('');
	}
	function distinct(tests, f) {
		var out = [];
		tests.forEach(function (t) {
			var v = t.context ? f(t.context) : null;
			if (v !== null && v !== undefined && out.indexOf(v) < 0)
				out.push(v);
		});
		return out.length ? out.join('; ') : '-';
	}

	// What the run ran on: the ktstr build, the host, the start, and the
	// kernels and schedulers of its tests (each distinct one once).
	function runContext(root, tests) {
		root.appendChild(el('h2', {}, 'Run context'));
		root.appendChild(table([], [
			['started', distinct(tests, function (c) { return c.started_at; })],
			['ktstr', distinct(tests, function (c) {
				return c.ktstr ? c.ktstr.version + (c.ktstr.commit ? ' (' + c.ktstr.commit + ')' : '') : null;
			})],
			['host', distinct(tests, function (c) {
				return c.host ? (c.host.cpu_model || '?') + ', ' + c.host.cpus + ' CPUs, ' + c.host.accel : null;
			})],
			['kernel', distinct(tests, function (c) {
				return c.kernel ? c.kernel.release + (c.kernel.cache_key ? ' (' + c.kernel.cache_key + ')' : '') : null;
			})],
			['scheduler', distinct(tests, function (c) { return schedLabel(c.scheduler); })]
		], 'context'));
	}

	// 'baseline: eevdf': each cgroup's figures over EEVDF's in the same
	// boot, with the threshold that judges the ratio when one is active.
	function ratioTable(b, thr) {
		var byMetric = {};
		(thr || []).forEach(function (x) { byMetric[x.metric] = x; });
		return table(['cgroup', 'metric', 'EEVDF', 'scheduler', 'ratio', 'threshold', 'verdict'],
			(b.ratios || []).map(function (x) {
				var th = byMetric[x.metric], lim = th && th.value, v = '-';
				if (lim !== null && lim !== undefined && x.ratio !== null)
					v = (th.floor ? x.ratio >= lim : x.ratio <= lim) ? 'ok' : (th.floor ? 'below floor' : 'exceeds limit');
				return [x.cgroup, x.metric, x.eevdf, x.scheduler, x.ratio === null ? null : x.ratio.toFixed(3) + 'x',
					!th ? '-' : lim === null || lim === undefined ? th.threshold + ' not set' :
						th.threshold + (th.floor ? ' \u2265 ' : ' \u2264 ') + fmt(lim),
					el('span', { 'class': v === 'ok' ? 'v-improvement' : v === '-' ? '' : 'v-regression' }, v)];
			}), 'num ratios');
	}

	// A run's payloads: the exit code and each metric with its polarity, the
	// spec's check on it and the verdict (checked metrics first; metrics
	// without a check or polarity last, at most 20 per payload).
	function payloadTable(ps) {
		var rows = [];
		function verdict(v) {
			return v === '-' ? v : el('span', { 'class': v === 'ok' ? 'v-improvement' : 'v-regression' }, v);
		}
		ps.forEach(function (p) {
			var pol = p.polarity || {}, seen = {}, others = 0;
			var ex = p.exit_check;
			rows.push([p.name, 'exit', p.exit_code === null ? p.status : String(p.exit_code), '-',
				ex ? 'exit code ' + ex.expected : '-', verdict(ex ? (ex.ok ? 'ok' : 'failed') : '-')]);
			(p.checks || []).forEach(function (c) {
				seen[c.metric] = true;
				rows.push([p.name, c.metric, c.value === null ? '-' : fmt(c.value), pol[c.metric] || '-',
					c.check, verdict(c.verdict)]);
			});
			Object.keys(p.metrics || {}).forEach(function (m) {
				if (seen[m] || (!pol[m] && others++ >= 20))
					return;
				rows.push([p.name, m, fmt(p.metrics[m]), pol[m] || '-', '-', '-']);
			});
			if (others > 20)
				rows.push([p.name, '(' + (others - 20) + ' more in result.json)', '', '', '', '']);
			if (p.why)
				rows.push([p.name, '(no metrics)', p.why, '', '', '']);
		});
		return table(['payload', 'metric', 'value', 'polarity', 'check', 'verdict'], rows, 'payloads');
	}

	// Auto-repro: the rerun's outcome and probes, and each task's events in
	// the window before the failure (as auto-repro.json), collapsed.
	function reproSection(a) {
		var d = el('details', { 'class': 'auto-repro' });
		d.appendChild(el('summary', {}, 'auto-repro: rerun ' + (a.rerun || '-') + '; ' + a.events +
			' events of ' + a.tasks + ' tasks before the failure'));
		d.appendChild(table([], [['trigger', a.trigger || '-'],
			['probed', (a.probed || []).join(' ') || 'none'],
			['refused', (a.refused || []).map(function (r) { return r['function'] + ' (' + r.why + ')'; }).join('; ') || 'none'],
			['no trace', a.error || '-'],
			['files', [a.dir, a.artifacts.text, a.artifacts.json].filter(function (x) { return x; }).join(', ')]],
			'context'));
		(a.task_events || []).forEach(function (tk) {
			d.appendChild(el('h4', {}, 'task ' + tk.pid + ' ' + tk.comm +
				(tk.named_by_failure ? ' (named by the failure)' : '') + ': ' + tk.events.length + ' events'));
			d.appendChild(table(['ms before failure', 'cpu', 'event', 'callback', 'dsq', 'enq_flags', 'detail'],
				tk.events.map(function (e) {
					return [e.t_ms.toFixed(3), String(e.cpu), e.event, e.callback ? 'ops.' + e.callback : '',
						e.dsq || '', e.enq_flags || '', e.detail || ''];
				}), 'repro-events'));
		});
		return d;
	}

	function renderRun(root) {
		var tests = D.tests || [];
		root.appendChild(el('h1', {}, 'ktstr-run report'));
		root.appendChild(el('p', { 'class': 'meta' }, tests.length + ' of ' + D.ntests + ' tests' +
			(D.complete ? '' : ' so far (the run is still going; this file is rewritten as tests finish)') +
			'; written ' + D.written));
		root.appendChild(table(['test', 'status', 'time s', 'scheduler', 'topology', 'reason'],
			tests.map(function (t) {
				var a = el('a', { href: '#' + anchor(t.name) }, t.name);
				return [a, badge(t.status), t.elapsed_s, t.scheduler, t.topology, t.reason || ''];
			}), 'summary'));
		runContext(root, tests);
		grid(root, tests);
		tests.forEach(function (t) {
			var sec = el('section', { id: anchor(t.name), 'class': 'test' });
			var h = el('h2', {}, t.name + ' ');
			h.appendChild(badge(t.status));
			sec.appendChild(h);
			if (t.reason)
				sec.appendChild(el('p', { 'class': 'reason' }, t.reason));
			sec.appendChild(el('p', { 'class': 'meta' }, 'scheduler ' + (t.scheduler || 'eevdf') +
				', topology ' + t.topology + ', kernel ' + t.kernel + ', ' + t.accel +
				', results in ' + t.results_dir));
			if (t.context && t.context.scheduler)
				sec.appendChild(el('p', { 'class': 'meta' }, 'kernel ' +
					(t.context.kernel ? t.context.kernel.release + ' (' + (t.context.kernel.cache_key || '-') + ')' : '-') +
					'; scheduler ' + schedLabel(t.context.scheduler) + '; started ' +
					(t.context.test_started_at || '-') + (t.context.dimensions && t.context.dimensions.preset ?
						'; preset ' + t.context.dimensions.preset + ', profile ' + t.context.dimensions.profile : '')));
			if (t.attempts && t.attempts.length)
				sec.appendChild(table(['attempt', 'status', 'reason', 'artifacts'],
					t.attempts.map(function (a, i) {
						return [String(i + 1), badge(a.status), a.reason || '', a.dir || ''];
					}), 'attempts'));
			(t.runs || []).forEach(function (r, i) {
				if (t.runs.length > 1)
					sec.appendChild(el('h3', {}, 'run ' + (i + 1) + ' ' + r.status));
				if (r.details && r.details.length)
					sec.appendChild(table(['kind', 'check', 'cgroup', 'message'], r.details.map(function (d) {
						return [d.kind, d.check, d.cgroup || '', d.message];
					}), 'details'));
				if (r.cgroups && r.cgroups.length)
					sec.appendChild(cgroupTable(r.cgroups));
				if (r.bpf_progs && r.bpf_progs.length)
					sec.appendChild(table(['BPF program', 'verified insns', '% of 1M limit',
						'xlated bytes', 'JITed bytes'], r.bpf_progs.map(function (p) {
						var pct = p.verified_pct.toFixed(1) + '%';
						return [p.name, String(p.verified_insns),
							p.near_limit ? el('span', { 'class': 'reason' }, pct + ' (near the limit)') : pct,
							String(p.xlated_len), String(p.jited_len)];
					}), 'num verifier'));
				if (r.payloads && r.payloads.length)
					sec.appendChild(payloadTable(r.payloads));
				if (r.baseline) {
					sec.appendChild(el('h4', {}, 'Against EEVDF in the same boot (baseline: eevdf)'));
					sec.appendChild(ratioTable(r.baseline, t.ratio_thresholds));
				}
				if (r.monitor && r.monitor.summary)
					sec.appendChild(el('p', { 'class': 'meta' }, r.monitor.summary + ' (' + r.monitor.state + ')'));
				if (r.telemetry && r.telemetry.error)
					sec.appendChild(el('p', { 'class': 'reason' }, 'workload: ' + r.telemetry.error));
				var box = el('div', { 'class': 'charts' });
				monitorChart(box, r.monitor, t.imbalance_threshold);
				workerTimeline(box, r.telemetry);
				wakeCdfChart(box, r.wake_cdf);
				cpuTimeChart(box, r.telemetry);
				sec.appendChild(box);
			});
			if (t.auto_repro)
				sec.appendChild(reproSection(t.auto_repro));
			if (t.console_tail) {
				var d = el('details');
				d.appendChild(el('summary', {}, 'console tail'));
				d.appendChild(el('pre', {}, t.console_tail));
				sec.appendChild(d);
			}
			root.appendChild(sec);
		});
	}

	// ktstr-stats compare: per test, B against A per metric (A = 100 %),
	// coloured by the gate's verdict, and a table with both gates.
	function renderCompare(root) {
		root.appendChild(el('h1', {}, 'ktstr-stats compare'));
		root.appendChild(el('p', { 'class': 'meta' }, 'A = ' + D.a + ', B = ' + D.b + ': ' +
			D.summary.paired + ' tests paired, ' + D.summary.regressions + ' regression(s), ' +
			D.summary.improvements + ' improvement(s)'));
		root.appendChild(el('h2', {}, 'Context: ' + (D.summary.context_differs || 0) +
			' difference(s) between A and B'));
		var ct = table(['field', 'A', 'B', ''], (D.context || []).map(function (x) {
			return [x.field, x.a, x.b, x.differs ? el('span', { 'class': 'v-regression' }, 'differs') : ''];
		}), 'context');
		root.appendChild(ct);
		D.tests.forEach(function (t) {
			var d = t.dimensions || {};
			t.label = t.name + (d.preset || d.profile || d.kernel ? ' [' + [['preset', d.preset],
				['profile', d.profile], ['kernel', d.kernel]].filter(function (x) { return x[1]; })
				.map(function (x) { return x[0] + '=' + x[1]; }).join(' ') + ']' : '');
		});
		root.appendChild(table(['test', 'A', 'B', 'regressions', 'improvements'], D.tests.map(function (t) {
			return [el('a', { href: '#' + anchor(t.label) }, t.label), badge(t.a ? t.a.status : '-'),
				badge(t.b ? t.b.status : '-'), t.regressions, t.improvements];
		}), 'summary'));
		D.tests.forEach(function (t) {
			var sec = el('section', { id: anchor(t.label), 'class': 'test' });
			sec.appendChild(el('h2', {}, t.label));
			if (t.note)
				sec.appendChild(el('p', { 'class': 'reason' }, t.note));
			var ms = t.metrics || [];
			var shown = ms.filter(function (m) { return m.a.mean !== null && m.b.mean !== null; });
			if (shown.length)
				chart(sec, 'B relative to A (A = 100 %), red: regression, green: improvement', {
					type: 'bar',
					data: { labels: shown.map(function (m) { return m.metric; }), datasets: [
						{ label: 'A', backgroundColor: '#9ecae1', data: shown.map(function () { return 100; }) },
						{ label: 'B', data: shown.map(function (m) {
							var a = m.a.mean, b = m.b.mean;
							return a === 0 ? (b === 0 ? 100 : 200) : Math.max(1, Math.min(1000, 100 * b / a));
						}), backgroundColor: shown.map(function (m) {
							return m.verdict === 'regression' ? '#d62728' :
								m.verdict === 'improvement' ? '#2ca02c' : '#7f7f7f';
						}) }] },
					options: { indexAxis: 'y', scales: { x: { type: 'logarithmic',
						title: { display: true, text: '% of A (log)' } } } }
				});
			if (ms.length)
				sec.appendChild(table(['metric', 'better', 'A mean', 'A sd', 'B mean', 'B sd', 'delta',
					'delta %', 'gate abs', 'gate %', 'verdict'], ms.map(function (m) {
					var v = el('span', { 'class': 'v-' + m.verdict }, m.verdict);
					return [m.metric, m.better, m.a.mean, m.a.sd, m.b.mean, m.b.sd, m.delta,
						m.rel === null ? null : 100 * m.rel, m.gate_abs,
						m.gate_rel === null ? null : 100 * m.gate_rel, v];
				}), 'num'));
			root.appendChild(sec);
		});
	}

	// Every canvas must hold drawn pixels: a chart that threw or had no data
	// leaves it transparent.
	function verify() {
		var blank = [];
		charts.forEach(function (c) {
			var px = c.canvas.getContext('2d').getImageData(0, 0, c.canvas.width, c.canvas.height).data;
			var n = 0;
			for (var i = 3; i < px.length; i += 4)
				if (px[i] !== 0)
					n++;
			if (n < 50)
				blank.push(c.title);
		});
		if (document.title.indexOf('error:') === 0)
			return;
		document.title = blank.length ? 'blank:' + blank.join('|') :
			'ok:' + charts.length + ' charts drawn';
	}

	var root = document.getElementById('root');
	if (D.kind === 'compare')
		renderCompare(root);
	else
		renderRun(root);
	verify();
})();
