/* Paired multi-seed comparison of two methods' accuracy-energy fronts (see
 * compare.h). */
#include "report/compare.h"

#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/detmath.h"
#include "core/mem.h"
#include "report/gnuplot.h"
#include "sweep/results.h"

void compare_opts_default(struct compare_opts *o)
{
	memset(o, 0, sizeof *o);
	o->method_a = "energy-aware";
	o->method_b = "magnitude";
	o->losses[0] = 0.5;
	o->losses[1] = 1.0;
	o->losses[2] = 2.0;
	o->n_losses = 3;
}

/* ", granularity=0d, wbits=16" for the slice the where-filters select; "" for
 * the whole sweep. */
static void where_text(const struct compare_opts *o, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t w = 0; w < o->n_where && len < size; w++)
		len += (size_t)snprintf(buf + len, size - len, ", %s=%s", o->where[w].column,
					o->where[w].value);
}

/* One point of a front: test accuracy loss (points) and energy. */
struct pt {
	double loss, energy;
};

/* One seed: its baseline and each method's points, then fronts. */
struct seed {
	const char *key;           /* the seed column's value, or "-" */
	double base_acc, base_energy;
	struct pt *pts[2];         /* owned; [0] method A, [1] method B */
	size_t n[2];
	size_t measured[2];        /* points besides the baseline */
};

static int cmp_pt(const void *pa, const void *pb)
{
	const struct pt *a = pa, *b = pb;
	if (a->loss != b->loss)
		return a->loss < b->loss ? -1 : 1;
	return (a->energy > b->energy) - (a->energy < b->energy);
}

/* Sorts pts by loss and keeps the front: each kept point has lower energy
 * than every point of smaller or equal loss. */
static size_t make_front(struct pt *pts, size_t n)
{
	qsort(pts, n, sizeof *pts, cmp_pt);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || pts[i].energy < pts[k - 1].energy)
			pts[k++] = pts[i];
	return k;
}

/* Energy of a front at loss L: linear between the neighbouring points; the
 * first point's energy before it; the last point's past it (*flat set). */
static double energy_at(const struct pt *f, size_t n, double loss, bool *flat)
{
	*flat = false;
	if (loss <= f[0].loss)
		return f[0].energy;
	for (size_t i = 0; i + 1 < n; i++)
		if (loss <= f[i + 1].loss) {
			double t = (loss - f[i].loss) / (f[i + 1].loss - f[i].loss);
			return f[i].energy + t * (f[i + 1].energy - f[i].energy);
		}
	*flat = true;
	return f[n - 1].energy;
}

static int push_pt(struct seed *s, int m, struct pt p, struct sim_err *err)
{
	struct pt *q = sim_realloc(s->pts[m], (s->n[m] + 1) * sizeof *q, err);
	if (!q)
		return SIM_ERR_NOMEM;
	q[s->n[m]++] = p;
	s->pts[m] = q;
	return 0;
}

static bool is_baseline(const char *id)
{
	return strcmp(id, "baseline") == 0 || strncmp(id, "baseline-", 9) == 0;
}

/* Seeds in numeric order when they are numbers (else as written). */
static int cmp_seed(const void *pa, const void *pb)
{
	const struct seed *a = pa, *b = pb;
	char *ea, *eb;
	double x = strtod(a->key, &ea), y = strtod(b->key, &eb);
	if (*ea == '\0' && *eb == '\0' && x != y)
		return x < y ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* Collects each seed's baseline and the two methods' points. */
static int collect(const struct sweep_results *r, const struct compare_opts *o, struct seed **out,
		   size_t *n_out, struct sim_err *err)
{
	long c_method = sweep_results_col(r, "method"), c_seed = sweep_results_col(r, "seed");
	long c_acc = sweep_results_col(r, "accuracy"), c_en = sweep_results_col(r, "energy_total");
	if (c_method < 0 || c_acc < 0 || c_en < 0)
		return sim_err_set(err, SIM_ERR_USAGE, r->path, 0, 0,
				   "needs a method axis and the accuracy and energy_total columns "
				   "(the results of an accuracy sweep)");
	long c_where[COMPARE_MAX_WHERE];
	for (size_t w = 0; w < o->n_where; w++)
		if ((c_where[w] = sweep_results_col(r, o->where[w].column)) < 0)
			return sim_err_set(err, SIM_ERR_USAGE, r->path, 0, 0,
					   "--where %s=%s: the results have no column '%s'",
					   o->where[w].column, o->where[w].value, o->where[w].column);
	struct seed *seeds = sim_calloc(r->n_rows + 1, sizeof *seeds, err);
	if (!seeds)
		return SIM_ERR_NOMEM;
	size_t n = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		char **cells = r->rows[i].cells;
		if (!is_baseline(cells[0]))
			continue;
		seeds[n].key = c_seed >= 0 ? cells[c_seed] : "-";
		seeds[n].base_acc = strtod(cells[c_acc], NULL);
		seeds[n].base_energy = strtod(cells[c_en], NULL);
		n++;
	}
	int rc = 0;
	if (n == 0)
		rc = sim_err_set(err, SIM_ERR_USAGE, r->path, 0, 0, "no baseline row");
	for (size_t i = 0; !rc && i < r->n_rows; i++) {
		char **cells = r->rows[i].cells;
		if (is_baseline(cells[0]))
			continue;
		int m = strcmp(cells[c_method], o->method_a) == 0   ? 0
			: strcmp(cells[c_method], o->method_b) == 0 ? 1
								    : -1;
		bool selected = true;
		for (size_t w = 0; w < o->n_where; w++)
			selected = selected && strcmp(cells[c_where[w]], o->where[w].value) == 0;
		double acc = strtod(cells[c_acc], NULL), en = strtod(cells[c_en], NULL);
		if (m < 0 || !selected || !isfinite(acc) || !isfinite(en))
			continue;
		const char *key = c_seed >= 0 ? cells[c_seed] : "-";
		size_t s = 0;
		while (s < n && strcmp(seeds[s].key, key) != 0)
			s++;
		if (s == n) {
			rc = sim_err_set(err, SIM_ERR_USAGE, r->path, 0, 0,
					 "point %s has seed %s but no baseline row of that seed",
					 cells[0], key);
			break;
		}
		rc = push_pt(&seeds[s], m, (struct pt){seeds[s].base_acc - acc, en}, err);
	}
	/* Every front starts at the unpruned baseline. */
	for (size_t s = 0; !rc && s < n; s++)
		for (int m = 0; !rc && m < 2; m++) {
			seeds[s].measured[m] = seeds[s].n[m];
			rc = push_pt(&seeds[s], m, (struct pt){0.0, seeds[s].base_energy}, err);
		}
	for (size_t s = 0; !rc && s < n; s++)
		for (int m = 0; m < 2; m++)
			seeds[s].n[m] = make_front(seeds[s].pts[m], seeds[s].n[m]);
	if (!rc)
		qsort(seeds, n, sizeof *seeds, cmp_seed);
	*out = seeds;
	*n_out = n;
	return rc;
}

static void free_seeds(struct seed *seeds, size_t n)
{
	for (size_t s = 0; seeds && s < n; s++) {
		free(seeds[s].pts[0]);
		free(seeds[s].pts[1]);
	}
	free(seeds);
}

/* The seeds where both methods have a point besides the baseline. */
static bool paired(const struct seed *s)
{
	return s->measured[0] > 0 && s->measured[1] > 0;
}

/* Writes the fronts' data files and script into dir and runs gnuplot there. */
static int write_fronts(const struct seed *seeds, size_t n, const struct compare_opts *o,
			const char *unit, const char *dir, char *made, size_t made_size,
			struct sim_err *err)
{
	double lmax = o->losses[o->n_losses - 1], emin = INFINITY, emax = 0;
	char slice[256];
	where_text(o, slice, sizeof slice);
	for (size_t s = 0; s < n; s++)
		for (int m = 0; m < 2; m++)
			for (size_t i = 0; i < seeds[s].n[m]; i++) {
				const struct pt *p = &seeds[s].pts[m][i];
				lmax = fmax(lmax, p->loss);
				emin = fmin(emin, p->energy);
				emax = fmax(emax, p->energy);
			}
	char name[64];
	for (size_t s = 0; s < n; s++)
		for (int m = 0; m < 2; m++) {
			snprintf(name, sizeof name, "compare-m%d-s%zu.dat", m, s);
			FILE *f = gnuplot_open(dir, name, err);
			if (!f)
				return err->code;
			fprintf(f, "# seed %s, %s: test accuracy loss (points), energy\n", seeds[s].key,
				m ? o->method_b : o->method_a);
			for (size_t i = 0; i < seeds[s].n[m]; i++)
				fprintf(f, "%.6g %.8g\n", seeds[s].pts[m][i].loss, seeds[s].pts[m][i].energy);
			if (gnuplot_close(f, dir, name, err))
				return err->code;
		}
	/* Mean fronts: the geometric mean over seeds of each front's energy on a
	 * grid of losses. */
	enum { GRID = 200 };
	FILE *f = gnuplot_open(dir, "compare-mean.dat", err);
	if (!f)
		return err->code;
	fprintf(f, "# test accuracy loss (points), geometric mean energy of %s, of %s\n",
		o->method_a, o->method_b);
	for (int g = 0; g <= GRID; g++) {
		double loss = lmax * g / GRID, mean[2];
		for (int m = 0; m < 2; m++) {
			double sum = 0;
			size_t k = 0;
			for (size_t s = 0; s < n; s++) {
				bool flat;
				if (!paired(&seeds[s]))
					continue;
				sum += det_log(energy_at(seeds[s].pts[m], seeds[s].n[m], loss, &flat));
				k++;
			}
			mean[m] = k ? det_exp(sum / (double)k) : NAN;
		}
		fprintf(f, "%.6g %.8g %.8g\n", loss, mean[0], mean[1]);
	}
	if (gnuplot_close(f, dir, "compare-mean.dat", err))
		return err->code;
	FILE *g = gnuplot_open(dir, "compare.gp", err);
	if (!g)
		return err->code;
	const char *size = "900,600";
	gnuplot_head(g, "compare", size);
	fprintf(g, "set key inside top right box opaque\n"
		   "set title \"%s vs %s%s: fronts of %zu seed%s (thin), geometric mean (thick)\" "
		   "noenhanced\n"
		   "set xlabel 'test accuracy loss against the seed''s baseline (points)'\n"
		   "set ylabel 'energy (%s)'\n"
		   "set xrange [%g:%g]\nset yrange [%g:%g]\n",
		o->method_a, o->method_b, slice, n, n == 1 ? "" : "s", unit, -0.2, lmax * 1.05 + 0.1,
		emin * 0.97, emax * 1.02);
	for (size_t k = 0; k < o->n_losses; k++)
		fprintf(g, "set arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lc rgb '#888888'\n",
			o->losses[k], o->losses[k]);
	static const char *const thin[2] = {"#f2a0a0", "#9fc3e6"}, *const thick[2] = {"#c0392b",
										  "#1f5f99"};
	fprintf(g, "plot ");
	for (size_t s = 0; s < n; s++)
		for (int m = 0; m < 2; m++)
			fprintf(g, "'compare-m%d-s%zu.dat' using 1:2 with linespoints lc rgb '%s' lw 1 pt 7 "
				   "ps 0.6 %s%s%s, \\\n  ",
				m, s, thin[m], s ? "notitle" : "title '", s ? "" : (m ? o->method_b : o->method_a),
				s ? "" : ", one front per seed' noenhanced");
	fprintf(g, "'compare-mean.dat' using 1:2 with lines lc rgb '%s' lw 4 title '%s, mean' "
		   "noenhanced, \\\n  'compare-mean.dat' using 1:3 with lines lc rgb '%s' lw 4 "
		   "title '%s, mean' noenhanced\n",
		thick[0], o->method_a, thick[1], o->method_b);
	gnuplot_tail(g, "compare", size);
	if (gnuplot_close(g, dir, "compare.gp", err) || gnuplot_run(dir, "compare.gp", err))
		return err->code;
	gnuplot_made(made, made_size, "compare");
	return 0;
}

/* The figure of the fronts in o->plot_dir, replaced whole or not at all. */
static int plot_fronts(const struct seed *seeds, size_t n, const struct compare_opts *o,
		       const char *unit, char *made, size_t made_size, struct sim_err *err)
{
	struct gnuplot_stage st;
	int rc = gnuplot_stage_open(&st, o->plot_dir, err);
	if (rc)
		return rc;
	rc = write_fronts(seeds, n, o, unit, st.dir, made, made_size, err);
	if (rc == 0)
		return gnuplot_stage_commit(&st, err);
	gnuplot_stage_abort(&st);
	return rc;
}

int report_compare(const char *results_csv, const struct compare_opts *o, FILE *out, char *made,
		   size_t made_size, struct sim_err *err)
{
	struct sweep_results r;
	memset(&r, 0, sizeof r);
	int rc = sweep_results_read(&r, results_csv, err);
	struct seed *seeds = NULL;
	size_t n = 0;
	if (!rc)
		rc = collect(&r, o, &seeds, &n, err);
	size_t n_paired = 0;
	for (size_t s = 0; !rc && s < n; s++)
		n_paired += paired(&seeds[s]);
	if (!rc && n_paired == 0)
		rc = sim_err_set(err, SIM_ERR_USAGE, results_csv, 0, 0,
				 "no seed has points of both '%s' and '%s'", o->method_a, o->method_b);
	if (rc)
		goto out;
	long c_unit = sweep_results_col(&r, "energy_unit");
	const char *unit = c_unit >= 0 && r.n_rows ? r.rows[0].cells[c_unit] : "energy units";
	char slice[256];
	where_text(o, slice, sizeof slice);
	fprintf(out, "%s against %s, %zu seed%s (%s%s)\n", o->method_a, o->method_b, n_paired,
		n_paired == 1 ? "" : "s", results_csv, slice);
	fprintf(out, "energy at equal test accuracy loss, read off each seed's accuracy-energy front "
		     "(%s); ratio = %s / %s energy, > 1: %s uses less\n",
		unit, o->method_b, o->method_a, o->method_a);
	fprintf(out, "summary: mean = geometric mean of the per-seed ratios, 95%% CI from Student's t "
		     "on their logarithms\n");
	fprintf(out, "%-8s %9s %6s %14s %14s %8s\n", "seed", "baseline", "loss", o->method_a,
		o->method_b, "ratio");
	double *logr = sim_calloc(n + 1, sizeof *logr, err);
	if (!logr) {
		rc = SIM_ERR_NOMEM;
		goto out;
	}
	bool any_flat = false;
	for (size_t k = 0; k < o->n_losses; k++)
		for (size_t s = 0; s < n; s++) {
			if (!paired(&seeds[s]))
				continue;
			bool fa, fb;
			double ea = energy_at(seeds[s].pts[0], seeds[s].n[0], o->losses[k], &fa);
			double eb = energy_at(seeds[s].pts[1], seeds[s].n[1], o->losses[k], &fb);
			any_flat |= fa || fb;
			fprintf(out, "%-8s %8.2f%% %6.1f %13.5g%s %13.5g%s %7.3fx\n", seeds[s].key,
				seeds[s].base_acc, o->losses[k], ea, fa ? "*" : " ", eb, fb ? "*" : " ",
				eb / ea);
		}
	if (any_flat)
		fprintf(out, "* the front ends at a smaller loss: its last (lowest) energy is used, "
			     "which understates that method's saving at this loss\n");
	for (size_t k = 0; k < o->n_losses; k++) {
		size_t m = 0;
		for (size_t s = 0; s < n; s++) {
			if (!paired(&seeds[s]))
				continue;
			bool flat;
			double ea = energy_at(seeds[s].pts[0], seeds[s].n[0], o->losses[k], &flat);
			double eb = energy_at(seeds[s].pts[1], seeds[s].n[1], o->losses[k], &flat);
			logr[m++] = det_log(eb / ea);
		}
		double mean = gsl_stats_mean(logr, 1, m);
		if (m >= 2) {
			double half = gsl_cdf_tdist_Pinv(0.975, (double)(m - 1)) *
				      gsl_stats_sd_m(logr, 1, m, mean) / sqrt((double)m);
			fprintf(out, "%s/%s at %.1f pt: mean %.2fx, 95%% CI [%.2f, %.2f], %zu seeds\n",
				o->method_a, o->method_b, o->losses[k], det_exp(mean), det_exp(mean - half),
				det_exp(mean + half), m);
		} else {
			fprintf(out, "%s/%s at %.1f pt: mean %.2fx, 95%% CI [n/a], 1 seed\n",
				o->method_a, o->method_b, o->losses[k], det_exp(mean));
		}
	}
	free(logr);
	if (o->plot_dir)
		rc = plot_fronts(seeds, n, o, unit, made, made_size, err);
out:
	free_seeds(seeds, n);
	sweep_results_deinit(&r);
	return rc;
}
