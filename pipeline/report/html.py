"""Self-contained ``index.html``: inline CSS, images as ``data:`` URIs, no scripts, no fonts.

Rendered with jinja2 with autoescaping on, so every value (model output, prompts, model
names, config strings) is HTML-escaped; completions are untrusted model output.
"""
from __future__ import annotations

from typing import Any

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f2f2f2}td.l,th.l{text-align:left}td.best{background:#d8f5d0;font-weight:bold}
.pos{color:#0a7a0a;font-weight:bold}.neg{color:#b00020;font-weight:bold}.muted{color:#888}
pre{background:#f7f7f7;border:1px solid #ddd;padding:.5em;white-space:pre-wrap;word-break:break-word;max-height:24em;overflow:auto;font-size:.85em}
.sample{border:1px solid #ddd;border-radius:4px;padding:.5em .8em;margin:.6em 0}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1em}img{max-width:100%;border:1px solid #eee}
small{color:#666}.ns{color:#555}b.sig{color:#0a4a8a}
"""

TEMPLATE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title><style>{{ css|safe }}</style></head><body>
{%- macro fmt(v) -%}{% if v is none %}<span class="muted">–</span>{% elif v is sequence %}{{ ci(v) }}{% else %}{{ "%.3f"|format(v) }}{% endif %}{%- endmacro -%}
{%- macro ci(c) -%}{% if c %}<small class="ci">[{{ "%.3f"|format(c[0]) }}, {{ "%.3f"|format(c[1]) }}]</small>{% endif %}{%- endmacro -%}
{%- macro vci(v, c, n) -%}{{ fmt(v) }}{% if v is not none %} {{ ci(c) }}{% if n %} <small class="n" title="prompts/samples">{{ n[0] }}/{{ n[1] }}</small>{% endif %}{% endif %}{%- endmacro -%}
{%- macro dci(c, fallback) -%}{% if c is none %}{{ delta(fallback) }}{% else %}<span class="{{ ('pos' if c.diff > 0 else 'neg') if c.significant else 'ns' }}">{{ "%+.3f"|format(c.diff) }}</span> <small class="ci">[{{ "%+.3f"|format(c.ci[0]) }}, {{ "%+.3f"|format(c.ci[1]) }}]</small>{% endif %}{%- endmacro -%}
{%- macro sig(c) -%}{% if c is none %}<span class="muted">–</span>{% elif c.significant %}<b class="sig">yes</b>{% else %}<span class="muted">no</span>{% endif %}{%- endmacro -%}
{%- macro delta(v) -%}{% if v is none %}<span class="muted">–</span>{% else %}<span class="{{ 'pos' if v > 0 else ('neg' if v < 0 else '') }}">{{ "%+.3f"|format(v) }}</span>{% endif %}{%- endmacro -%}
{%- macro summary_table(s, id) -%}
<table id="{{ id }}" class="summary"><thead><tr><th class="l">model</th>{% for c in s.columns %}<th>{{ c }}<br><small>{{ s.metric[c] }}</small></th>{% endfor %}</tr></thead><tbody>
{% for model, vals in s.rows %}<tr><td class="l">{{ model }}</td>{% for v in vals %}{% set i = loop.index0 %}{% set c = s.columns[i] %}<td{% if v is not none and s.best.get(c) == v %} class="best"{% endif %}>{{ vci(v, (s.ci.get(model) or [none] * vals|length)[i], (s.n.get(model) or [none] * vals|length)[i]) }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
{%- endmacro -%}
<h1>{{ title }}</h1>
<p><small>generated {{ generated }} · runs: {% for r in runs %}<code>{{ r.dir }}</code>{% if not loop.last %}, {% endif %}{% endfor %}</small></p>
{% if comparison %}
<h2>Comparison: {{ runs[0].name }} → {{ runs[1].name }}</h2>
<table id="comparison-table" class="summary"><thead><tr><th class="l">model</th>{% for c in comparison.columns %}<th colspan="3">{{ c }}<br><small>{{ comparison.metric[c] }}</small></th>{% endfor %}</tr>
<tr><th></th>{% for c in comparison.columns %}<th>A</th><th>B</th><th>B−A</th>{% endfor %}</tr></thead><tbody>
{% for model, cells in comparison.rows %}<tr><td class="l">{{ model }}</td>{% for cell in cells %}<td>{{ fmt(cell.a) }}</td><td>{{ fmt(cell.b) }}</td><td>{{ dci(cell.paired, cell.delta) }}</td>{% endfor %}</tr>{% endfor %}
</tbody></table>
<p><small>B−A: paired over the prompts both runs share, [95% CI]; coloured only when significant (the CI excludes 0).</small></p>
{% if comparison.paired %}<table id="run-paired-table"><thead><tr><th class="l">model</th><th class="l">domain</th><th class="l">metric</th><th>B−A [95% CI]</th><th>significant</th><th>prompts</th><th>ids with other prompts</th></tr></thead><tbody>
{% for p in comparison.paired %}<tr><td class="l">{{ p.model }}</td><td class="l">{{ p.domain }}</td><td class="l">{{ p.metric }}</td><td>{{ dci(p, none) }}</td><td>{{ sig(p) }}</td><td>{{ p.n_prompts }}</td><td>{{ p.n_mismatched }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
<div class="grid">{% for r in runs %}<div><h3>{{ r.name }}</h3>{{ summary_table(r.summary, "summary-table-" ~ loop.index) }}</div>{% endfor %}</div>
{% endif %}
{% for r in runs %}
{% if not comparison %}
<h2>Summary (headline metric per domain; best per column highlighted)</h2>
<p><small>Cells: value [95% CI] prompts/samples. CIs: {{ (r.statistics or {}).get("ci", "bootstrap over prompts") }}.</small></p>
{{ summary_table(r.summary, "summary-table") }}
<h2>Paired differences <small>(same prompts; significant = 95% CI excludes 0)</small></h2>
{% if r.paired %}<table id="paired-table"><thead><tr><th class="l">A vs B</th><th class="l">domain</th><th class="l">metric</th><th>Δ metric [95% CI]</th><th>significant</th><th>Δ training reward [95% CI]</th><th>significant</th><th>prompts</th></tr></thead><tbody>
{% for p in r.paired %}<tr><td class="l">{{ p.a }} vs {{ p.b }}</td><td class="l">{{ p.domain }}</td><td class="l">{{ p.metric }}</td><td>{{ dci(p.head, none) }}</td><td>{{ sig(p.head) }}</td><td>{{ dci(p.reward, none) }}</td><td>{{ sig(p.reward) }}</td><td>{{ p.head.n_prompts if p.head else "–" }}</td></tr>{% endfor %}
</tbody></table>{% else %}<p class="muted">Not available: needs two models of this run evaluated by this version of the eval stage.</p>{% endif %}
<details><summary>All metrics</summary>
{% for dom, keys, rows in r.all_metrics %}<h3>{{ dom }}</h3><table><thead><tr><th class="l">model</th>{% for k in keys %}<th>{{ k }}</th>{% endfor %}</tr></thead><tbody>
{% for model, vals in rows %}<tr><td class="l">{{ model }}</td>{% for v in vals %}<td>{{ fmt(v) }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>{% endfor %}
</details>
<h2>Forgetting</h2>
{% if r.forgetting %}<p><small>A drop counts as forgetting only when its paired 95% CI excludes 0.</small></p><table id="forgetting-table"><thead><tr><th class="l">domain</th><th>metric</th><th>final</th><th>best expert</th><th>final − expert [95% CI]</th><th>significant</th><th>distilled (sft)</th><th>final − distilled [95% CI]</th><th>significant</th></tr></thead><tbody>
{% for f in r.forgetting %}<tr><td class="l">{{ f.domain }}</td><td>{{ f.metric }}</td><td>{{ fmt(f.final) }} <small>{{ f.final_model }}</small></td><td>{{ fmt(f.best_expert) }} <small>{{ f.expert or "" }}</small></td><td>{{ dci(f.vs_expert_cmp, f.vs_expert) }}</td><td>{{ sig(f.vs_expert_cmp) }}</td><td>{{ fmt(f.distilled) }}</td><td>{{ dci(f.vs_distilled_cmp, f.vs_distilled) }}</td><td>{{ sig(f.vs_distilled_cmp) }}</td></tr>{% endfor %}
</tbody></table>{% else %}<p class="muted">Not available: needs a final model (mixed or sft) and experts or a distilled model in this run.</p>{% endif %}
{% endif %}
{% if comparison %}<h2>{{ r.name }}</h2>{% endif %}
<h2>Training curves</h2>
{% for title, uri in r.curves %}<figure><img alt="{{ title }}" src="{{ uri }}"><figcaption><small>{{ title }}</small></figcaption></figure>{% else %}<p class="muted">No train_log.jsonl in this run.</p>{% endfor %}
<h2>Response length distributions</h2>
{% for title, uri in r.lengths %}<figure><img alt="{{ title }}" src="{{ uri }}"><figcaption><small>{{ title }}</small></figcaption></figure>{% else %}<p class="muted">No samples.</p>{% endfor %}
{% if r.reward_vs_correctness and not comparison %}<h2>Correctness vs training reward</h2>
<p><small>pass@k counts the correctness components alone; the training reward adds the shaping terms (format, length, language). Reward rising without correctness is reward hacking.</small></p>
<table id="reward-gap-table"><thead><tr><th class="l">model</th><th class="l">domain</th><th class="l">correctness</th><th>value [95% CI]</th><th>training reward [95% CI]</th></tr></thead><tbody>
{% for x in r.reward_vs_correctness %}<tr><td class="l">{{ x.model }}</td><td class="l">{{ x.domain }}</td><td class="l">{{ x.metric }}</td><td>{{ vci(x.value, x.ci, none) }}</td><td>{{ vci(x.reward, x.reward_ci, none) }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% if r.mode_following and not comparison %}<h2>Mode following</h2>
<p><small>Share of eval answers written in the mode the prompt asked for: thinking = one non-empty &lt;think&gt; block then an answer, non-thinking = no think tags; [95% CI], samples.</small></p>
<table id="mode-following-table"><thead><tr><th class="l">model</th><th class="l">mode</th><th>follows the mode [95% CI]</th><th>samples</th></tr></thead><tbody>
{% for x in r.mode_following %}<tr><td class="l">{{ x.model }}</td><td class="l">{{ x.mode }}</td><td>{{ vci(x.rate, x.ci, none) }}</td><td>{{ x.n }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
<h2>Judge</h2>
{% if r.judge_identity %}{% set j = r.judge_identity %}<p id="judge-identity">One fixed judge scored every model of this run: <b>{{ j.model }}</b> (backend {{ j.backend }}{% if j.get("path") %}, checkpoint hash <code>{{ j.get("checkpoint_hash") }}</code>, path <code>{{ j.get("path") }}</code>{% else %}, endpoint <code>{{ j.get("endpoint") }}</code>{% endif %}, guard {{ j.get("guard") }}).</p>{% endif %}
{% if r.judge %}<table id="judge-table"><thead><tr><th class="l">model</th><th class="l">domain</th><th>score</th><th class="l">per criterion</th><th>guard flag rate</th></tr></thead><tbody>
{% for j in r.judge %}<tr><td class="l">{{ j.model }}</td><td class="l">{{ j.domain }}</td><td>{{ fmt(j.score) }}</td><td class="l">{% for k, v in j.criteria.items() %}{{ k }}={{ "%.3f"|format(v) }}{% if not loop.last %}, {% endif %}{% endfor %}</td><td>{{ fmt(j.flagged_rate) }}</td></tr>{% endfor %}
</tbody></table>{% else %}<p class="muted">No judged domain in this run.</p>{% endif %}
{% if r.divergence %}<h3>Training judge vs gold judge</h3>
<p><small>The gold judge (config gold_judge, eval only) rescored the judged samples. Mean difference = training − gold; training scores rising while gold stays flat is judge hacking.</small></p>
<table id="judge-divergence-table"><thead><tr><th class="l">model</th><th class="l">domain</th><th>pairs</th><th>Pearson r</th><th>mean diff</th><th>training mean</th><th>gold mean</th><th>gold errors</th></tr></thead><tbody>
{% for d in r.divergence %}<tr><td class="l">{{ d.model }}</td><td class="l">{{ d.domain }}</td><td>{{ d.n }}</td><td>{{ fmt(d.pearson) }}</td><td>{{ fmt(d.mean_diff) }}</td><td>{{ fmt(d.train_mean) }}</td><td>{{ fmt(d.gold_mean) }}</td><td>{{ d.errors }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% if r.penalty %}<h3>Constitutional penalty</h3>
<table id="penalty-table"><thead><tr><th class="l">model</th><th class="l">domain</th><th>samples</th><th>mean violation</th><th>share penalised</th><th class="l">per principle</th></tr></thead><tbody>
{% for p in r.penalty %}<tr><td class="l">{{ p.model }}</td><td class="l">{{ p.domain }}</td><td>{{ p.n }}</td><td>{{ fmt(p.violation) }}</td><td>{{ fmt(p.penalised) }}</td><td class="l">{% for k, v in p.principles.items() %}{{ k }}={{ "%.3f"|format(v) }}{% if not loop.last %}, {% endif %}{% endfor %}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% if not comparison %}
<h2>Sample completions</h2>
{% for dom, picks in r.samples.items() %}<h3>{{ dom }}</h3>
{% for label, s in picks %}<div class="sample"><b>{{ label }}</b> · model <code>{{ s.model }}</code> · mode {{ s.mode }} · reward {{ fmt(s.reward) }} · status {{ s.status }} · id <code>{{ s.id }}</code>
<table><tr>{% for k, v in s.components.items() %}<th>{{ k }}</th>{% endfor %}</tr><tr>{% for k, v in s.components.items() %}<td>{{ fmt(v) }}</td>{% endfor %}</tr></table>
<details><summary>prompt</summary><pre>{{ s.prompt }}</pre></details><pre>{{ s.completion }}</pre></div>
{% endfor %}{% else %}<p class="muted">No samples.</p>{% endfor %}
{% endif %}
<h2>Stages</h2>
<table id="stages-table"><thead><tr><th class="l">stage</th><th class="l">status</th><th>duration (s)</th><th class="l">note</th></tr></thead><tbody>
{% for d in r.durations %}<tr><td class="l">{{ d.stage }}</td><td class="l">{{ d.status }}</td><td>{{ "%.1f"|format(d.duration_s) if d.duration_s is not none else "–" }}</td><td class="l">{{ d.note }}</td></tr>{% endfor %}
</tbody></table>
<details><summary>Config as it ran</summary><pre>{{ r.config }}</pre></details>
{% endfor %}
</body></html>
"""


def render_html(context: dict[str, Any]) -> str:
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE).render(css=CSS, **context)
