/* gnuplot figures of a sweep, from results.csv alone (see plot.h).
 * The C side only selects and reshapes rows into whitespace-separated data
 * files; every visual choice lives in the generated .gp scripts, which are
 * kept next to the images so a user can edit and re-run them. All of one
 * call's files are written in a staging folder and moved into place only
 * when every figure was made (report/gnuplot.h). */
#include "report/plot.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "report/gnuplot.h"
#include "sweep/results.h"

#define MAX_CATS 12

/* What the plots need to know about the results. */
struct plot_data {
	const struct sweep_results *r;
	long c_acc, c_energy, c_pareto, c_cycles, c_density, c_layers, c_floor, c_unit;
	long c_colour, c_shape, c_fill, c_gran, c_wbits; /* axis columns, or -1 */
	size_t first_metric;                     /* index of `accuracy` */
	long baseline;                           /* row index of the baseline, or -1 */
	int energy_only;
	const char *unit;
};

static double cell_num(const struct plot_data *d, size_t row, long col)
{
	if (col < 0)
		return NAN;
	const char *s = d->r->rows[row].cells[col];
	char *end;
	double v = strtod(s, &end);
	return (end == s || *end) ? NAN : v;
}

static const char *cell(const struct plot_data *d, size_t row, long col)
{
	return col < 0 ? "" : d->r->rows[row].cells[col];
}

/* Order of categories: the baseline's "-" first, numbers by value, names
 * alphabetically, so legends read 0d 1d 2d 3d and 4 8 16. */
static int cmp_category(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
	int da = strcmp(a, "-") == 0, db = strcmp(b, "-") == 0;
	if (da || db)
		return db - da;
	char *ea, *eb;
	double va = strtod(a, &ea), vb = strtod(b, &eb);
	if (*a && *b && !*ea && !*eb && va != vb)
		return va < vb ? -1 : 1;
	return strcmp(a, b);
}

/* The distinct values of column col (at most MAX_CATS) over every row but
 * row skip (-1: none), sorted. */
static int collect_categories(const struct plot_data *d, long col, long skip, const char **cats)
{
	int n = 0;
	for (size_t i = 0; col >= 0 && i < d->r->n_rows; i++) {
		if ((long)i == skip)
			continue;
		const char *v = d->r->rows[i].cells[col];
		int k = 0;
		while (k < n && strcmp(cats[k], v) != 0)
			k++;
		if (k == n && n < MAX_CATS)
			cats[n++] = v;
	}
	qsort(cats, (size_t)n, sizeof *cats, cmp_category);
	return n;
}

/* Index of value among cats[0..n) (0 when col is absent or the value is not there). */
static int category_of(const char **cats, int n, const char *value)
{
	for (int i = 0; i < n; i++)
		if (strcmp(cats[i], value) == 0)
			return i;
	return 0;
}

/* gnuplot point types that stay distinct in PNG and SVG: circle, square,
 * triangle, inverted triangle, diamond, pentagon, filled and open. */
#define N_SHAPES 6
static const int filled_pt[N_SHAPES] = {7, 5, 9, 11, 13, 15};
static const int open_pt[N_SHAPES] = {6, 4, 8, 10, 12, 14};

/* The baseline row has "-" on every axis; the legend calls it what it is.
 * File paths are shown by their base name. */
static const char *legend_label(const char *value)
{
	if (strcmp(value, "-") == 0)
		return "baseline (unpruned)";
	const char *slash = strrchr(value, '/');
	return slash ? slash + 1 : value;
}

/* Fill styles alternate over the fill axis's categories (the baseline's "-",
 * sorted first, stays filled): the first real category filled, the next open. */
static bool is_open(const char **fills, int n, int fl)
{
	int first = n > 0 && strcmp(fills[0], "-") == 0 ? 1 : 0;
	return fl >= first && (fl - first) % 2 == 1;
}

static int plot_pareto(const struct plot_data *d, const char *dir, char *made, size_t made_size,
		       struct sim_err *err)
{
	FILE *f = gnuplot_open(dir, "pareto.dat", err);
	if (!f)
		return SIM_ERR_IO;
	const char *colours[MAX_CATS], *shapes[MAX_CATS], *fills[MAX_CATS];
	int n_col = collect_categories(d, d->c_colour, -1, colours);
	int n_shape = collect_categories(d, d->c_shape, -1, shapes);
	int n_fill = collect_categories(d, d->c_fill, -1, fills);
	/* The baseline row shares no category: it is drawn filled with its own colour. */
	fprintf(f, "# x y colour point_type pareto\n");
	size_t n_front = 0;
	double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
	for (size_t i = 0; i < d->r->n_rows; i++) {
		double x = cell_num(d, i, d->c_energy);
		double y = d->energy_only ? cell_num(d, i, d->c_cycles) : cell_num(d, i, d->c_acc);
		if (isnan(x) || isnan(y))
			continue;
		int c = category_of(colours, n_col, cell(d, i, d->c_colour));
		int sh = category_of(shapes, n_shape, cell(d, i, d->c_shape)) % N_SHAPES;
		int fl = category_of(fills, n_fill, cell(d, i, d->c_fill));
		bool open = d->c_fill >= 0 && is_open(fills, n_fill, fl);
		int p = (int)cell_num(d, i, d->c_pareto) == 1;
		n_front += p;
		x_lo = fmin(x_lo, x);
		x_hi = fmax(x_hi, x);
		y_lo = fmin(y_lo, y);
		y_hi = fmax(y_hi, y);
		fprintf(f, "%.9g %.9g %d %d %d\n", x, y, c, open ? open_pt[sh] : filled_pt[sh], p);
	}
	if (gnuplot_close(f, dir, "pareto.dat", err))
		return SIM_ERR_IO;
	FILE *g = gnuplot_open(dir, "pareto.gp", err);
	if (!g)
		return SIM_ERR_IO;
	gnuplot_head(g, "pareto", "1000,650");
	fprintf(g, "set logscale x\nset xlabel 'Energy per batch (%s, log scale)'\n"
		   "set autoscale xfix\nset autoscale yfix\n"
		   "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n",
		d->unit);
	gnuplot_log_tics(g, "x", x_lo, x_hi);
	if (d->energy_only) {
		fprintf(g, "set logscale y\nset ylabel 'Cycles (log scale)'\n"
			   "set title 'Energy vs cycles: every point, Pareto front as a line'\n");
		gnuplot_log_tics(g, "y", y_lo, y_hi);
	} else
		fprintf(g, "set ylabel 'Top-1 test accuracy (%%)'\n"
			   "set title 'Accuracy vs energy: every point, Pareto front as a line'\n");
	fprintf(g, "plot \\\n");
	/* Data without titles; the legend is drawn by NaN plots, one per colour,
	 * shape and fill, so each category shows its own symbol. */
	fprintf(g, "  'pareto.dat' using 1:2:4:($3 + 1) with points pt variable ps 1.5 lw 1.5 "
		   "lc variable notitle, \\\n");
	for (int c = 0; c < n_col && d->c_colour >= 0; c++)
		fprintf(g, "  NaN with points pt 7 ps 1.5 lc %d title '%s %s', \\\n", c + 1,
			d->r->cols[d->c_colour], legend_label(colours[c]));
	for (int sh = 0; sh < n_shape && d->c_shape >= 0; sh++)
		if (strcmp(shapes[sh], "-") != 0)
			fprintf(g, "  NaN with points pt %d ps 1.5 lc rgb 'black' title '%s %s', \\\n",
				filled_pt[sh % N_SHAPES], d->r->cols[d->c_shape], legend_label(shapes[sh]));
	for (int fl = 0; fl < n_fill && d->c_fill >= 0; fl++)
		if (strcmp(fills[fl], "-") != 0)
			fprintf(g, "  NaN with points pt %d ps 1.5 lw 1.5 lc rgb 'black' title '%s %s "
				   "(%s)', \\\n",
				is_open(fills, n_fill, fl) ? 6 : 7, d->r->cols[d->c_fill],
				legend_label(fills[fl]),
				is_open(fills, n_fill, fl) ? "open" : "filled");
	/* The front, sorted by energy, drawn through its points. */
	fprintf(g, "  '< awk \"!/^#/ && \\$5 == 1\" pareto.dat | sort -g -k1' using 1:2 with lines "
		   "lw 2 lc rgb 'black' title 'Pareto front (%zu points)'\n",
		n_front);
	gnuplot_tail(g, "pareto", "1000,650");
	if (gnuplot_close(g, dir, "pareto.gp", err) || gnuplot_run(dir, "pareto.gp", err))
		return SIM_ERR_IO;
	gnuplot_made(made, made_size, "pareto");
	return 0;
}

/* Row of the lowest-energy point that keeps its accuracy floor (the "after"
 * of the layer plots), or -1. */
static long best_within_bound(const struct plot_data *d)
{
	long best = -1;
	for (size_t i = 0; i < d->r->n_rows; i++) {
		if ((long)i == d->baseline)
			continue;
		double acc = cell_num(d, i, d->c_acc), floor_acc = cell_num(d, i, d->c_floor);
		double e = cell_num(d, i, d->c_energy);
		if (isnan(e) || isnan(acc) || (!isnan(floor_acc) && acc < floor_acc))
			continue;
		if (best < 0 || e < cell_num(d, (size_t)best, d->c_energy))
			best = (long)i;
	}
	return best;
}

/* Writes one data file of per-layer energies from a packed `layers` cell:
 * "name dram glb array rf mac ifmap weight psum;name ...". */
static int write_layers(const struct plot_data *d, size_t row, const char *dir, const char *name,
			double *max_total, struct sim_err *err)
{
	FILE *f = gnuplot_open(dir, name, err);
	if (!f)
		return SIM_ERR_IO;
	fprintf(f, "layer dram glb array rf mac ifmap weight psum\n");
	const char *p = cell(d, row, d->c_layers);
	while (*p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		fprintf(f, "%.*s\n", (int)len, p);
		/* Level columns (dram glb array rf mac) add up to the layer total. */
		double v[5] = {0};
		char lname[64];
		if (sscanf(p, "%63s %lf %lf %lf %lf %lf", lname, &v[0], &v[1], &v[2], &v[3], &v[4]) == 6 &&
		    v[0] + v[1] + v[2] + v[3] + v[4] > *max_total)
			*max_total = v[0] + v[1] + v[2] + v[3] + v[4];
		p += len + (end ? 1 : 0);
	}
	return gnuplot_close(f, dir, name, err);
}

static int plot_layers(const struct plot_data *d, const char *dir, char *made, size_t made_size,
		       struct sim_err *err)
{
	long after = best_within_bound(d);
	if (d->baseline < 0 || after < 0 || d->c_layers < 0)
		return 0;
	double max_total = 0;
	if (write_layers(d, (size_t)d->baseline, dir, "layers-before.dat", &max_total, err) ||
	    write_layers(d, (size_t)after, dir, "layers-after.dat", &max_total, err))
		return SIM_ERR_IO;
	static const struct {
		const char *name, *what;
		int first_col, n_cols;
	} kinds[] = {
		{"layers-level", "memory level", 2, 5},
		{"layers-type", "data type", 6, 4},
	};
	for (size_t k = 0; k < 2; k++) {
		char gp[64];
		snprintf(gp, sizeof gp, "%s.gp", kinds[k].name);
		FILE *g = gnuplot_open(dir, gp, err);
		if (!g)
			return SIM_ERR_IO;
		/* Name the "after" point by its axis values, e.g. "method energy-aware, ...". */
		char after_name[256];
		size_t used = 0;
		after_name[0] = '\0';
		for (size_t a = 1; a < d->first_metric && used < sizeof after_name; a++)
			used += (size_t)snprintf(after_name + used, sizeof after_name - used, "%s%s %s",
						 a > 1 ? ", " : "", d->r->cols[a],
						 cell(d, (size_t)after, (long)a));
		gnuplot_head(g, kinds[k].name, "1200,550");
		fprintf(g, "set style data histograms\nset style histogram rowstacked\n"
			   "set style fill solid 0.85 border -1\nset boxwidth 0.75\n"
			   "set key autotitle columnheader\nset xtics rotate by -30\n"
			   "set ylabel 'Energy per batch (%s)'\nset yrange [0:%g]\n"
			   "set multiplot layout 1,2 title 'Per-layer energy by %s: before and after "
			   "pruning'\n",
			d->unit, 1.08 * max_total, kinds[k].what);
		const char *files[2] = {"layers-before.dat", "layers-after.dat"};
		char after_title[300];
		snprintf(after_title, sizeof after_title, "after (%s)", after_name);
		const char *titles[2] = {"before (baseline)", after_title};
		for (int s = 0; s < 2; s++) {
			fprintf(g, "set title '%s'\nplot for [i=%d:%d] '%s' using i:xtic(1)\n",
				titles[s], kinds[k].first_col, kinds[k].first_col + kinds[k].n_cols - 1,
				files[s]);
		}
		fprintf(g, "unset multiplot\n");
		/* SVG: the multiplot is re-drawn, not replotted. */
		fprintf(g, "set terminal svg size 1200,550 enhanced font 'Sans,11' background rgb "
			   "'white'\nset output '%s.svg'\nset multiplot layout 1,2 title 'Per-layer "
			   "energy by %s'\n",
			kinds[k].name, kinds[k].what);
		for (int s = 0; s < 2; s++)
			fprintf(g, "set title '%s'\nplot for [i=%d:%d] '%s' using i:xtic(1)\n",
				titles[s], kinds[k].first_col, kinds[k].first_col + kinds[k].n_cols - 1,
				files[s]);
		fprintf(g, "unset multiplot\n");
		if (gnuplot_close(g, dir, gp, err) || gnuplot_run(dir, gp, err))
			return SIM_ERR_IO;
		gnuplot_made(made, made_size, kinds[k].name);
	}
	return 0;
}

struct series_point {
	double x, acc, energy;
	int cat;
};

static int cmp_series(const void *pa, const void *pb)
{
	const struct series_point *a = pa, *b = pb;
	if (a->cat != b->cat)
		return a->cat - b->cat;
	return (a->x > b->x) - (a->x < b->x);
}

/* One series per category of column `by`. Every point is drawn; the line of a
 * series joins, at each x, the best value reached there (highest accuracy,
 * lowest energy), since several points can share an x (other axes differ). */
static int plot_series(const struct plot_data *d, const char *dir, const char *name, long x_col,
		       long by, const char *xlabel, const char *title, char *made,
		       size_t made_size, struct sim_err *err)
{
	char dat[64], best[64], gp[64];
	snprintf(dat, sizeof dat, "%s.dat", name);
	snprintf(best, sizeof best, "%s-best.dat", name);
	snprintf(gp, sizeof gp, "%s.gp", name);
	struct series_point *pts = sim_calloc(d->r->n_rows, sizeof *pts, err);
	if (!pts)
		return SIM_ERR_NOMEM;
	const char *cats[MAX_CATS];
	int n_cat = collect_categories(d, by, d->baseline, cats);
	size_t n = 0;
	for (size_t i = 0; i < d->r->n_rows; i++) {
		double x = cell_num(d, i, x_col), acc = cell_num(d, i, d->c_acc);
		if (isnan(x) || isnan(acc) || (long)i == d->baseline)
			continue;
		pts[n++] = (struct series_point){x, acc, cell_num(d, i, d->c_energy),
						 category_of(cats, n_cat, cell(d, i, by))};
	}
	qsort(pts, n, sizeof *pts, cmp_series);
	FILE *f = gnuplot_open(dir, dat, err);
	FILE *fb = f ? gnuplot_open(dir, best, err) : NULL;
	if (!f || !fb) {
		if (f)
			fclose(f);
		free(pts);
		return SIM_ERR_IO;
	}
	fprintf(f, "# x accuracy energy category\n");
	fprintf(fb, "# x best_accuracy lowest_energy category\n");
	double e_lo = INFINITY, e_hi = -INFINITY;
	double xs[16]; /* the distinct x values (bit widths), for the tics */
	int n_xs = 0;
	for (size_t i = 0; i < n; i++) {
		int seen = 0;
		for (int k = 0; k < n_xs; k++)
			seen |= xs[k] == pts[i].x;
		if (!seen && n_xs < 16)
			xs[n_xs++] = pts[i].x;
		fprintf(f, "%.9g %.9g %.9g %d\n", pts[i].x, pts[i].acc, pts[i].energy, pts[i].cat);
		e_lo = fmin(e_lo, pts[i].energy);
		e_hi = fmax(e_hi, pts[i].energy);
		if (i > 0 && pts[i].cat == pts[i - 1].cat && pts[i].x == pts[i - 1].x)
			continue;
		double top = pts[i].acc, low = pts[i].energy;
		for (size_t j = i + 1; j < n && pts[j].cat == pts[i].cat && pts[j].x == pts[i].x; j++) {
			top = fmax(top, pts[j].acc);
			low = fmin(low, pts[j].energy);
		}
		fprintf(fb, "%.9g %.9g %.9g %d\n", pts[i].x, top, low, pts[i].cat);
	}
	free(pts);
	if (gnuplot_close(f, dir, dat, err) || gnuplot_close(fb, dir, best, err))
		return SIM_ERR_IO;
	FILE *g = gnuplot_open(dir, gp, err);
	if (!g)
		return SIM_ERR_IO;
	gnuplot_head(g, name, "1000,600");
	fprintf(g, "set xlabel '%s'\nset ylabel 'Top-1 test accuracy (%%)'\nset title '%s'\n", xlabel,
		title);
	int with_energy = strcmp(name, "bitwidth") == 0;
	if (with_energy) {
		fprintf(g, "set y2label 'Energy per batch (%s, log scale)'\nset logscale y2\n"
			   "set y2tics\nset ytics nomirror\n",
			d->unit);
		gnuplot_log_tics(g, "y2", e_lo, e_hi);
		/* bit widths double: a log2 axis with a tic at each one swept */
		if (n_xs > 0 && xs[0] > 0) {
			fprintf(g, "set logscale x 2\nset xtics (");
			for (int k = 0; k < n_xs; k++)
				fprintf(g, "%s%.9g", k ? ", " : "", xs[k]);
			fprintf(g, ")\nset offsets graph 0.05, graph 0.05, 0, 0\n");
		}
	}
	fprintf(g, "plot \\\n");
	int series = n_cat ? n_cat : 1;
	for (int c = 0; c < series; c++) {
		const char *label = n_cat ? cats[c] : "all";
		const char *sep = (with_energy || c + 1 < series) ? ", \\" : "";
		fprintf(g, "  '%s' using 1:($4 == %d ? $2 : 1/0) with points pt 6 lc %d notitle, \\\n"
			   "  '%s' using 1:($4 == %d ? $2 : 1/0) with linespoints pt 7 lw 2 lc %d "
			   "title 'best accuracy, %s'%s\n",
			dat, c, c + 1, best, c, c + 1, label, sep);
		if (with_energy)
			fprintf(g, "  '%s' using 1:($4 == %d ? $3 : 1/0) axes x1y2 with points pt 4 "
				   "lc %d notitle, \\\n"
				   "  '%s' using 1:($4 == %d ? $3 : 1/0) axes x1y2 with linespoints dt 2 "
				   "pt 5 lw 2 lc %d title 'lowest energy, %s'%s\n",
				dat, c, c + 1, best, c, c + 1, label, c + 1 < series ? ", \\" : "");
	}
	gnuplot_tail(g, name, "1000,600");
	if (gnuplot_close(g, dir, gp, err) || gnuplot_run(dir, gp, err))
		return SIM_ERR_IO;
	gnuplot_made(made, made_size, name);
	return 0;
}

/* The axis to colour by: the first of the preferred names that is an axis,
 * else the first axis not already used. */
static long pick_axis(const struct plot_data *d, const char *const *prefer, size_t n, long not)
{
	for (size_t i = 0; i < n; i++) {
		long c = sweep_results_col(d->r, prefer[i]);
		if (c > 0 && (size_t)c < d->first_metric && c != not)
			return c;
	}
	for (size_t c = 1; c < d->first_metric; c++)
		if ((long)c != not)
			return (long)c;
	return -1;
}

static int cmp_row_point(const void *pa, const void *pb)
{
	const struct sweep_row *a = pa, *b = pb;
	return strcmp(a->cells[0], b->cells[0]);
}

int report_plot_sweep(const char *results_csv, const char *out_dir, char *made, size_t made_size,
		      struct sim_err *err)
{
	struct sweep_results r;
	if (sweep_results_read(&r, results_csv, err))
		return err->code;
	/* Rows arrive in the order points finished; sorted by point id, the same
	 * results give byte-identical plots whatever the schedule was. */
	qsort(r.rows, r.n_rows, sizeof *r.rows, cmp_row_point);
	made[0] = '\0';
	struct plot_data d = {
		.r = &r,
		.c_acc = sweep_results_col(&r, "accuracy"),
		.c_energy = sweep_results_col(&r, "energy_total"),
		.c_pareto = sweep_results_col(&r, "pareto"),
		.c_cycles = sweep_results_col(&r, "cycles"),
		.c_density = sweep_results_col(&r, "density"),
		.c_layers = sweep_results_col(&r, "layers"),
		.c_floor = sweep_results_col(&r, "accuracy_floor"),
		.c_unit = sweep_results_col(&r, "energy_unit"),
		.c_gran = sweep_results_col(&r, "granularity"),
		.c_wbits = sweep_results_col(&r, "wbits"),
		.baseline = sweep_results_find(&r, "baseline"),
	};
	int rc = 0;
	if (d.c_acc < 1 || d.c_energy < 0 || d.c_pareto < 0 || d.c_cycles < 0) {
		rc = sim_err_set(err, SIM_ERR_DATA, results_csv, 1, 1,
				 "not a sweep's results: it needs the columns point, accuracy, "
				 "energy_total, cycles and pareto");
		goto done;
	}
	d.first_metric = (size_t)d.c_acc;
	d.energy_only = 1;
	for (size_t i = 0; i < r.n_rows; i++)
		if (!isnan(cell_num(&d, i, d.c_acc)))
			d.energy_only = 0;
	d.unit = r.n_rows && d.c_unit >= 0 ? r.rows[0].cells[d.c_unit] : "energy units";
	static const char *const colour_pref[] = {"granularity", "dataflow", "method", "network"};
	static const char *const shape_pref[] = {"wbits", "pe_rows", "abits", "glb_bytes"};
	/* More than two methods cannot be told apart by filled and open symbols:
	 * then the method takes the colour and the granularity the shape. */
	static const char *const colour_many[] = {"method"};
	static const char *const shape_many[] = {"granularity", "wbits", "pe_rows", "abits"};
	long method = sweep_results_col(&r, "method");
	const char *methods[MAX_CATS];
	bool many = method > 0 && (size_t)method < d.first_metric &&
		    collect_categories(&d, method, d.baseline, methods) > 2;
	d.c_colour = many ? pick_axis(&d, colour_many, 1, -1) : pick_axis(&d, colour_pref, 4, -1);
	d.c_shape = many ? pick_axis(&d, shape_many, 4, d.c_colour)
			 : pick_axis(&d, shape_pref, 4, d.c_colour);
	/* Filled vs open symbols: the pruning method if it is a free axis, else
	 * the first other free axis; only an axis of two values can be told apart so. */
	d.c_fill = -1;
	for (long c = 0; c < (long)d.first_metric && d.c_fill < 0; c++) {
		long cand = c == 0 ? method : c;
		if (cand < 1 || (size_t)cand >= d.first_metric || cand == d.c_colour ||
		    cand == d.c_shape)
			continue;
		const char *vals[MAX_CATS];
		if (collect_categories(&d, cand, d.baseline, vals) <= 2)
			d.c_fill = cand;
	}
	struct gnuplot_stage st;
	if ((rc = gnuplot_stage_open(&st, out_dir, err)))
		goto done;
	/* Every figure is made in the staging folder, then all move at once. */
	const char *dir = st.dir;
	if ((rc = plot_pareto(&d, dir, made, made_size, err)) || d.energy_only)
		goto staged;
	if ((rc = plot_layers(&d, dir, made, made_size, err)))
		goto staged;
	/* A line per granularity, or per method when the granularity is not an axis. */
	bool by_gran = d.c_gran > 0 && (size_t)d.c_gran < d.first_metric;
	long by = by_gran ? d.c_gran : method > 0 && (size_t)method < d.first_metric ? method : -1;
	if (d.c_density >= 0 &&
	    (rc = plot_series(&d, dir, "density", d.c_density, by, "Weight density",
			      by_gran || by < 0 ? "Accuracy vs weight density, per granularity"
						: "Accuracy vs weight density, per method",
			      made, made_size, err)))
		goto staged;
	if (d.c_wbits > 0 && (size_t)d.c_wbits < d.first_metric)
		rc = plot_series(&d, dir, "bitwidth", d.c_wbits, sweep_results_col(&r, "method"),
				 "Weight bits", "Accuracy and energy vs weight bits", made, made_size,
				 err);
staged:
	if (rc == 0)
		rc = gnuplot_stage_commit(&st, err);
	else
		gnuplot_stage_abort(&st);
done:
	sweep_results_deinit(&r);
	return rc;
}
