/* Energy result writers (see energy_report.h). Accesses are in values of each
 * type's width (DRAM accesses include coding overhead as bits moved / value
 * bits); energies are in the energy table's unit for the whole batch. A layer
 * with no feasible mapping is listed with its reason and left out of totals. */
#include "report/energy_report.h"

#include <string.h>

/* One row of numbers, for a layer or the total. */
struct row {
	double macs, macs_eff, weights, acc[EN_LEVEL_COUNT], energy[EN_LEVEL_COUNT];
	double energy_mac, energy_type[TY_COUNT], energy_total, cycles, utilization;
};

static struct row layer_row(const struct net_layer_result *lr)
{
	struct row w;
	memset(&w, 0, sizeof w);
	const struct access_layer_result *r = &lr->r;
	w.macs = (double)r->macs;
	w.macs_eff = r->macs_effective;
	w.weights = lr->weights_nonzero;
	for (int t = 0; t < TY_COUNT; t++)
		for (int lv = 0; lv < EN_LEVEL_COUNT; lv++) {
			w.acc[lv] += r->acc[t][lv];
			w.energy[lv] += r->energy[t][lv];
			w.energy_type[t] += r->energy[t][lv];
		}
	w.energy_mac = r->energy_mac;
	w.energy_total = r->energy_total;
	w.cycles = r->cycles;
	w.utilization = r->utilization;
	return w;
}

static struct row total_row(const struct net_result *r)
{
	struct row w;
	memset(&w, 0, sizeof w);
	double pe_cycles = 0;
	for (int i = 0; i < r->n; i++) {
		struct row x = layer_row(&r->layers[i]);
		w.macs += x.macs;
		w.weights += x.weights;
		if (!r->layers[i].r.ok)
			continue;
		w.macs_eff += x.macs_eff;
		for (int lv = 0; lv < EN_LEVEL_COUNT; lv++) {
			w.acc[lv] += x.acc[lv];
			w.energy[lv] += x.energy[lv];
		}
		for (int t = 0; t < TY_COUNT; t++)
			w.energy_type[t] += x.energy_type[t];
		w.energy_mac += x.energy_mac;
		w.energy_total += x.energy_total;
		w.cycles += x.cycles;
		pe_cycles += x.utilization * x.cycles;
	}
	/* cycle-weighted mean utilisation */
	w.utilization = w.cycles > 0 ? pe_cycles / w.cycles : 0;
	return w;
}

static void mapping_line(char *buf, size_t n, const struct mapping *m)
{
	mapping_format(m, buf, n);
	if (m->dataflow != ARCH_DF_RS)
		return;
	struct map_rs_params p = mapping_rs_params(m);
	size_t len = strlen(buf);
	snprintf(buf + len, n - len, "  (m=%u n=%u e=%u p=%u q=%u r=%u t=%u)", p.m, p.n, p.e, p.p,
		 p.q, p.r, p.t);
}

void report_energy_table(FILE *out, const struct energy_run_info *info, const struct net_result *r)
{
	fprintf(out, "%s on %s (%s), energy table %s [%s], batch %u, sparsity %s, objective %s, "
		     "bits w/a/p %u/%u/%u\n",
		info->net->name, info->arch->name, arch_dataflow_names[info->arch->dataflow],
		info->table->name, info->table->unit, r->batch, info->sparsity,
		access_objective_names[info->objective], info->bits.weight, info->bits.ifmap,
		info->bits.psum);
	fprintf(out, "accesses in M values; energy in G %s for the batch\n", info->table->unit);
	fprintf(out, "%-8s %9s %9s %9s %9s %9s %9s %8s %8s %8s %8s %8s %8s %6s %12s %5s\n",
		"layer", "MACs", "weights", "acc.DRAM", "acc.GLB", "acc.arr", "acc.RF", "E.DRAM",
		"E.GLB", "E.array", "E.RF", "E.MAC", "E.total", "share", "cycles", "util");
	struct row tot = total_row(r);
	double pct = tot.energy_total > 0 ? 100.0 / tot.energy_total : 0.0;
	for (int i = 0; i < r->n; i++) {
		const struct net_layer_result *lr = &r->layers[i];
		const char *name = info->net->layers[lr->layer].name;
		struct row w = layer_row(lr);
		if (!lr->r.ok) {
			fprintf(out, "%-8s %9.2f %9.3f  infeasible: %s\n", name, w.macs / 1e6,
				w.weights / 1e6, lr->r.why);
			continue;
		}
		fprintf(out,
			"%-8s %9.2f %9.3f %9.3f %9.2f %9.2f %9.1f %8.3f %8.3f %8.3f %8.3f %8.3f "
			"%8.3f %5.1f%% %12.4g %5.2f\n",
			name, w.macs / 1e6, w.weights / 1e6, w.acc[EN_DRAM] / 1e6, w.acc[EN_GLB] / 1e6,
			w.acc[EN_ARRAY] / 1e6, w.acc[EN_RF] / 1e6, w.energy[EN_DRAM] / 1e9,
			w.energy[EN_GLB] / 1e9, w.energy[EN_ARRAY] / 1e9, w.energy[EN_RF] / 1e9,
			w.energy_mac / 1e9, w.energy_total / 1e9,
			pct * w.energy_total,
			w.cycles, w.utilization);
	}
	fprintf(out,
		"%-8s %9.2f %9.3f %9.3f %9.2f %9.2f %9.1f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f "
		"%5.1f%% %12.4g %5.2f\n",
		"total", tot.macs / 1e6, tot.weights / 1e6, tot.acc[EN_DRAM] / 1e6,
		tot.acc[EN_GLB] / 1e6, tot.acc[EN_ARRAY] / 1e6, tot.acc[EN_RF] / 1e6,
		tot.energy[EN_DRAM] / 1e9, tot.energy[EN_GLB] / 1e9, tot.energy[EN_ARRAY] / 1e9,
		tot.energy[EN_RF] / 1e9, tot.energy_mac / 1e9, tot.energy_total / 1e9, 100.0,
		tot.cycles, tot.utilization);
	fprintf(out, "per image: %.2f M MACs, %.3f M nonzero weights, %.4g %s; by data type: "
		     "ifmap %.1f%%, weight %.1f%%, psum %.1f%%, MAC %.1f%%\n",
		tot.macs / 1e6 / r->batch, tot.weights / 1e6, tot.energy_total / r->batch,
		info->table->unit, pct * tot.energy_type[TY_IFMAP], pct * tot.energy_type[TY_WEIGHT],
		pct * tot.energy_type[TY_PSUM], pct * tot.energy_mac);
	if (!r->ok)
		fprintf(out, "some layers have no feasible mapping; totals leave them out\n");
	fprintf(out, "mappings (%llu searched):\n", (unsigned long long)r->stats.mappings);
	for (int i = 0; i < r->n; i++) {
		const struct net_layer_result *lr = &r->layers[i];
		if (!lr->r.ok)
			continue;
		char buf[400];
		mapping_line(buf, sizeof buf, &lr->r.map);
		fprintf(out, "  %-8s %s%s\n", info->net->layers[lr->layer].name, buf,
			lr->fixed ? "  [fixed]" : "");
	}
}

static void csv_row(FILE *out, const char *name, const struct row *w, bool ok, const char *map)
{
	fprintf(out, "%s,%.0f,%.0f,%.0f", name, w->macs, w->macs_eff, w->weights);
	if (!ok) {
		fprintf(out, ",,,,,,,,,,,,,,,,0,\"%s\"\n", map);
		return;
	}
	for (int lv = 0; lv < EN_LEVEL_COUNT; lv++)
		fprintf(out, ",%.0f", w->acc[lv]);
	for (int lv = 0; lv < EN_LEVEL_COUNT; lv++)
		fprintf(out, ",%.9g", w->energy[lv]);
	fprintf(out, ",%.9g", w->energy_mac);
	for (int t = 0; t < TY_COUNT; t++)
		fprintf(out, ",%.9g", w->energy_type[t]);
	fprintf(out, ",%.9g,%.0f,%.4f,1,\"%s\"\n", w->energy_total, w->cycles, w->utilization, map);
}

void report_energy_csv(FILE *out, const struct energy_run_info *info, const struct net_result *r)
{
	fprintf(out, "layer,macs,macs_effective,weights,acc_dram,acc_glb,acc_array,acc_rf,"
		     "energy_dram,energy_glb,energy_array,energy_rf,energy_mac,energy_ifmap,"
		     "energy_weight,energy_psum,energy_total,cycles,utilization,feasible,mapping\n");
	for (int i = 0; i < r->n; i++) {
		const struct net_layer_result *lr = &r->layers[i];
		struct row w = layer_row(lr);
		char buf[400];
		if (lr->r.ok)
			mapping_format(&lr->r.map, buf, sizeof buf);
		else
			snprintf(buf, sizeof buf, "%s", lr->r.why);
		csv_row(out, info->net->layers[lr->layer].name, &w, lr->r.ok, buf);
	}
	struct row tot = total_row(r);
	csv_row(out, "total", &tot, true, "");
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void json_numbers(FILE *out, const struct row *w)
{
	fprintf(out, "\"macs\": %.0f, \"macs_effective\": %.0f, \"weights\": %.0f", w->macs,
		w->macs_eff, w->weights);
	for (int lv = 0; lv < EN_LEVEL_COUNT; lv++)
		fprintf(out, ", \"acc_%s\": %.0f", energy_level_names[lv], w->acc[lv]);
	for (int lv = 0; lv < EN_LEVEL_COUNT; lv++)
		fprintf(out, ", \"energy_%s\": %.9g", energy_level_names[lv], w->energy[lv]);
	fprintf(out, ", \"energy_mac\": %.9g", w->energy_mac);
	for (int t = 0; t < TY_COUNT; t++)
		fprintf(out, ", \"energy_%s\": %.9g", map_type_names[t], w->energy_type[t]);
	fprintf(out, ", \"energy_total\": %.9g, \"cycles\": %.0f, \"utilization\": %.6f",
		w->energy_total, w->cycles, w->utilization);
}

static void json_mapping(FILE *out, const struct mapping *m)
{
	fprintf(out, "{\"dataflow\": \"%s\", \"factors\": {", arch_dataflow_names[m->dataflow]);
	for (int lv = 0; lv < LV_COUNT; lv++) {
		fprintf(out, "%s\"%s\": {", lv ? ", " : "", map_level_names[lv]);
		for (int d = 0; d < DIM_COUNT; d++)
			fprintf(out, "%s\"%s\": %u", d ? ", " : "", map_dim_names[d], m->factor[lv][d]);
		fputc('}', out);
	}
	fprintf(out, "}, \"orders\": {");
	for (int k = 0; k < 2; k++) {
		fprintf(out, "%s\"%s\": \"", k ? ", " : "", map_level_names[k]);
		for (int i = 0; i < DIM_COUNT; i++)
			fputs(map_dim_names[m->order[k][i]], out);
		fputc('"', out);
	}
	fputc('}', out);
	if (m->dataflow == ARCH_DF_RS) {
		struct map_rs_params p = mapping_rs_params(m);
		fprintf(out, ", \"rs\": {\"m\": %u, \"n\": %u, \"e\": %u, \"p\": %u, \"q\": %u, "
			     "\"r\": %u, \"t\": %u}", p.m, p.n, p.e, p.p, p.q, p.r, p.t);
	}
	fputc('}', out);
}

void report_energy_json(FILE *out, const struct energy_run_info *info, const struct net_result *r)
{
	fprintf(out, "{\"network\": ");
	json_string(out, info->net->name);
	fprintf(out, ", \"arch\": ");
	json_string(out, info->arch->name);
	fprintf(out, ", \"dataflow\": \"%s\", \"energy_table\": ",
		arch_dataflow_names[info->arch->dataflow]);
	json_string(out, info->table->name);
	fprintf(out, ", \"unit\": ");
	json_string(out, info->table->unit);
	fprintf(out, ", \"sparsity\": ");
	json_string(out, info->sparsity);
	fprintf(out, ", \"batch\": %u, \"objective\": \"%s\", \"bits\": {\"weight\": %u, "
		     "\"ifmap\": %u, \"psum\": %u}, \"mappings_searched\": %llu, \"feasible\": %s,\n"
		     " \"layers\": [\n", r->batch, access_objective_names[info->objective],
		info->bits.weight, info->bits.ifmap, info->bits.psum,
		(unsigned long long)r->stats.mappings, r->ok ? "true" : "false");
	for (int i = 0; i < r->n; i++) {
		const struct net_layer_result *lr = &r->layers[i];
		struct row w = layer_row(lr);
		fprintf(out, "  {\"name\": ");
		json_string(out, info->net->layers[lr->layer].name);
		fprintf(out, ", \"feasible\": %s, \"fixed\": %s, ", lr->r.ok ? "true" : "false",
			lr->fixed ? "true" : "false");
		if (!lr->r.ok) {
			fprintf(out, "\"reason\": ");
			json_string(out, lr->r.why);
			fprintf(out, ", \"macs\": %.0f, \"weights\": %.0f}", w.macs, w.weights);
		} else {
			json_numbers(out, &w);
			fprintf(out, ", \"accesses\": {");
			for (int t = 0; t < TY_COUNT; t++) {
				fprintf(out, "%s\"%s\": {", t ? ", " : "", map_type_names[t]);
				for (int lv = 0; lv < EN_LEVEL_COUNT; lv++)
					fprintf(out, "%s\"%s\": %.0f", lv ? ", " : "",
						energy_level_names[lv], lr->r.acc[t][lv]);
				fputc('}', out);
			}
			fprintf(out, "}, \"mapping\": ");
			json_mapping(out, &lr->r.map);
			fputc('}', out);
		}
		fprintf(out, "%s\n", i + 1 < r->n ? "," : "");
	}
	struct row tot = total_row(r);
	fprintf(out, " ],\n \"total\": {");
	json_numbers(out, &tot);
	fprintf(out, "}}\n");
}
